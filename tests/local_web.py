"""A real HTTP server on 127.0.0.1, started by the web tests: never the internet.

Each test gives it routes (a path and what to answer: status, type, body, headers, a
delay) and reads back the requests it got. It answers ETags and Last-Modified as a
server does (304 when the client sends the validator back), so conditional requests
are tested against real HTTP. Also pages a news site would serve, with furniture.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Reply:
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the answer starts
    length: bool = True  # send Content-Length (else the body ends when the connection does)


@dataclass
class Request:
    path: str
    headers: dict[str, str]


class LocalWeb:
    """The server's routes and the requests it got."""

    def __init__(self, server: ThreadingHTTPServer) -> None:
        self.server = server
        self.routes: dict[str, Reply] = {}
        self.requests: list[Request] = []
        self.lock = threading.Lock()

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, reply: Reply | bytes | str, **kw: object) -> str:
        """Serve `reply` at `path` (a str or bytes is a page); returns its address."""
        if not isinstance(reply, Reply):
            body = reply.encode() if isinstance(reply, str) else reply
            reply = Reply(body, **kw)  # type: ignore[arg-type]
        self.routes[path] = reply
        return self.url(path)

    def redirect(self, path: str, to: str, status: int = 302) -> str:
        return self.add(path, Reply(status=status, headers={"Location": to}))

    def paths(self) -> list[str]:
        with self.lock:
            return [r.path for r in self.requests]


class Handler(BaseHTTPRequestHandler):
    server: ThreadingHTTPServer
    web: LocalWeb

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        web = self.web
        with web.lock:
            web.requests.append(Request(self.path, {k.lower(): v for k, v in self.headers.items()}))
        reply = web.routes.get(self.path, Reply(b"not here", "text/plain", 404))
        time.sleep(reply.delay)
        etag, modified = reply.headers.get("ETag"), reply.headers.get("Last-Modified")
        unchanged = (etag and self.headers.get("If-None-Match") == etag) or (
            modified and self.headers.get("If-Modified-Since") == modified
        )
        status = 304 if unchanged and reply.status == 200 else reply.status
        body = b"" if status == 304 else reply.body
        try:
            self.send_response(status)
            self.send_header("Content-Type", reply.content_type)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if reply.length:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a cap, a timeout)
            pass

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(name="web")
def web_server() -> Iterator[LocalWeb]:
    """A server for this test; a test module imports `web_server` to use `web`."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    local = LocalWeb(server)
    handler = type("Bound", (Handler,), {"web": local})
    server.RequestHandlerClass = handler
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield local
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


FURNITURE = """
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/business">Business</a>
<a href="/tech">Tech</a></nav>
<div class="cookie-banner">We use cookies to improve your experience. Accept all cookies?</div>
"""


def news_page(
    title: str,
    paragraphs: list[str],
    site: str = "Daily Planet",
    published: str = "2024-05-02",
    extra: str = "",
) -> str:
    """A news site's page: the article with the furniture around it."""
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    title = html.escape(title)
    return f"""<!doctype html><html><head><title>{title} | {site}</title>
<meta property="og:title" content="{title}">
<meta property="og:site_name" content="{site}">
<meta property="article:published_time" content="{published}T08:00:00Z">
</head><body>{FURNITURE}{extra}
<main><article><h1>{title}</h1>
{body}
</article></main>
<aside class="related"><h3>Related</h3><ul><li><a href="/a">Markets rally on rate hopes</a></li>
<li><a href="/b">Weather: storms expected</a></li></ul></aside>
<footer>Copyright {site}. All rights reserved. Subscribe to our newsletter.</footer>
</body></html>"""


def feed_xml(title: str, items: list[tuple[str, str, str]]) -> str:
    """An RSS 2.0 feed of (guid, link, title) items, newest first."""
    entries = "".join(
        f"<item><guid>{guid}</guid><link>{link}</link><title>{name}</title></item>"
        for guid, link, name in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>http://example.invalid/</link>"
        f"<description>news</description>{entries}</channel></rss>"
    )
