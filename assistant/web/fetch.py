"""One fetch of a web address, within limits, or one line saying why not.

Why: an address typed by a user (or listed by a feed) can be anything: another scheme,
a server that never answers, a redirect loop, a gigabyte, an error page, or, on a UI
shared with other people, the server's own network. Each of these ends here as a
`WebError` whose message is one line naming the address, before anything is saved.

The rules of every fetch:
- http and https only (`file://`, `ftp://` and the rest are refused before any request);
- `timeout` seconds for the whole fetch, redirects included;
- at most `MAX_REDIRECTS` redirects, each hop checked like the first; a loop is named;
- at most `max_bytes` (the declared length and the bytes read, after decompression);
- a Content-Type the caller accepts (a page: HTML or PDF; a feed: anything but HTML);
- `allow_private=False` (the UI listening beyond loopback): every address the host
  resolves to must be a public one. The check is made where the connection is opened,
  on the very address connected to, so a name that resolves elsewhere the second time
  (DNS rebinding) gains nothing; proxies from the environment are not used, since a
  proxy would connect for us past the check.

httpx does the HTTP; its connection pool is given a network backend that resolves and
checks the address itself (`GuardedBackend`).
"""

from __future__ import annotations

import datetime
import ipaddress
import socket
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import urljoin

import httpcore
import httpx

from assistant.errors import AssistantError
from assistant.settings import Settings

TIMEOUT_S = 20.0  # for the whole fetch of one address, redirects included
MAX_REDIRECTS = 5
REDIRECTS = (301, 302, 303, 307, 308)
PAGE_TYPES = ("text/html", "application/xhtml+xml", "application/pdf")
USER_AGENT = "news-assistant/0.1 (an offline news reader fetching what its user asked for)"


class WebError(AssistantError):
    """An address that could not be fetched, or was refused: one line naming it.

    `status`: the HTTP status that refused it (0: none); `transient`: trying again later
    may work (no answer, a connection that failed, a 429 or a 5xx)."""

    def __init__(self, message: str, status: int = 0, transient: bool = False) -> None:
        super().__init__(message)
        self.status, self.transient = status, transient


class AddressRefused(Exception):
    """The host resolves to an address this fetch may not reach (raised while connecting)."""


@dataclass(frozen=True)
class Fetched:
    url: str  # as asked
    final_url: str  # after redirects
    status: int  # 200, or 304 (not modified: no body)
    content_type: str  # the media type, lowercased, without parameters
    body: bytes
    etag: str = ""
    last_modified: str = ""
    fetched_at: str = ""  # ISO 8601, UTC

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def refusal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why a shared UI may not fetch from this address (loopback, private, link-local,
    or another non-public range), or None for a public address."""
    mapped = getattr(address, "ipv4_mapped", None)
    address = mapped or address
    for kind in ("loopback", "private", "link_local", "multicast", "unspecified", "reserved"):
        if getattr(address, f"is_{kind}"):
            return f"{address} is a {kind.replace('_', '-')} address"
    return None if address.is_global else f"{address} is not a public address"


class GuardedBackend(httpcore.SyncBackend):
    """Connects to the address it has resolved and, unless private ones are allowed,
    checked: never to one the name resolves to a moment later."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found]
        if not self.allow_private:
            for address in addresses:
                reason = refusal(address)
                if reason:
                    raise AddressRefused(f"{host} resolves to {reason}")
        failed: Exception | None = None
        for address in dict.fromkeys(addresses):  # in order, as a browser tries them
            try:
                return super().connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                failed = exc
        raise failed or httpcore.ConnectError(f"{host} has no address")


def _client(allow_private: bool, timeout: float) -> httpx.Client:
    transport = httpx.HTTPTransport(retries=0)
    # httpx builds its pool without a way to name the network backend: the same pool,
    # with ours (httpcore documents `network_backend`)
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(), network_backend=GuardedBackend(allow_private)
    )
    return httpx.Client(
        transport=transport,
        follow_redirects=False,
        trust_env=False,  # no proxy from the environment: it would connect past the check
        timeout=httpx.Timeout(timeout),
        headers={"User-Agent": USER_AGENT},
    )


def checked_url(url: str) -> httpx.URL:
    """The address as httpx reads it, if it is an http(s) address with a host."""
    try:
        parsed = httpx.URL(url.strip())
    except httpx.InvalidURL as exc:
        raise WebError(f"{url}: not a valid web address ({exc})") from None
    if parsed.scheme not in ("http", "https"):
        scheme = f"{parsed.scheme}://" if parsed.scheme else "no scheme"
        raise WebError(f"{url}: only http:// and https:// addresses are fetched ({scheme} is not)")
    if not parsed.host:
        raise WebError(f"{url}: not a valid web address (it names no host)")
    return parsed


def page_limit(settings: Settings) -> int:
    """The most bytes a fetched page may have: what ingest would still read as a saved page
    (`max_html_mb`, within `max_file_mb`), so no page is saved only to be skipped."""
    return int(min(settings.max_html_mb, settings.max_file_mb) * 1_000_000)


class Fetcher:
    """Fetches addresses one at a time under the rules above; counts its requests.

    One per command or refresh: its connections are reused between requests to a host.
    """

    def __init__(
        self,
        *,
        max_bytes: int,
        allow_private: bool = True,
        timeout: float = TIMEOUT_S,
        max_redirects: int = MAX_REDIRECTS,
    ) -> None:
        self.max_bytes, self.timeout, self.max_redirects = max_bytes, timeout, max_redirects
        self.allow_private = allow_private
        self.requests = 0
        self._client = _client(allow_private, timeout)

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._client.close()

    def get(
        self,
        url: str,
        accept: Sequence[str] | None = PAGE_TYPES,
        headers: Mapping[str, str] | None = None,
        max_bytes: int | None = None,
    ) -> Fetched:
        """The body at `url` (following redirects), or a `WebError` naming `url`.
        `accept`: the media types allowed (None: any)."""
        deadline = time.monotonic() + self.timeout
        current = checked_url(url)
        seen = [str(current)]
        for _ in range(self.max_redirects + 1):
            try:
                found = self._one(url, current, accept, headers, deadline, max_bytes)
            except AddressRefused as exc:
                raise WebError(f"{url}: refused: {exc}; a UI open to the network does not "
                               "fetch from the machine's own network") from None  # fmt: skip
            if not isinstance(found, httpx.URL):
                return found
            if str(found) in seen:
                raise WebError(f"{url}: a redirect loop ({' -> '.join([*seen, str(found)])})")
            seen.append(str(found))
            current = found
        raise WebError(f"{url}: more than {self.max_redirects} redirects (the last to {current})")

    def _one(
        self,
        url: str,
        current: httpx.URL,
        accept: Sequence[str] | None,
        headers: Mapping[str, str] | None,
        deadline: float,
        max_bytes: int | None,
    ) -> Fetched | httpx.URL:
        """One request: the result, or the checked address a redirect points to."""
        self.requests += 1
        left = max(deadline - time.monotonic(), 0.001)
        try:
            with self._client.stream(
                "GET", current, headers=dict(headers or {}), timeout=httpx.Timeout(left)
            ) as response:
                if response.status_code in REDIRECTS and "location" in response.headers:
                    return checked_url(urljoin(str(current), response.headers["location"]))
                return self._read(url, response, accept, deadline, max_bytes)
        except httpx.TimeoutException:
            raise WebError(f"{url}: no answer within {self.timeout:g}s", transient=True) from None
        except socket.gaierror:
            raise WebError(
                f"{url}: cannot find the host {current.host} (DNS)", transient=True
            ) from None
        except httpx.HTTPError as exc:
            raise WebError(
                f"{url}: cannot fetch it ({type(exc).__name__}: {exc})", transient=True
            ) from None

    def _read(
        self,
        url: str,
        response: httpx.Response,
        accept: Sequence[str] | None,
        deadline: float,
        max_bytes: int | None,
    ) -> Fetched:
        status = response.status_code
        if status >= 400 or status < 200 or (300 <= status < 400 and status != 304):
            said = f"{url}: the server answered {status} {response.reason_phrase}".rstrip()
            raise WebError(said, status, transient=status == 429 or status >= 500)
        kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if status != 304 and accept is not None and kind not in accept:
            raise WebError(f"{url}: is {kind or 'of no stated type'}, not {' or '.join(accept)}")
        body = _body(url, response, deadline, max_bytes or self.max_bytes, self.timeout)
        return Fetched(
            url=url,
            final_url=str(response.url),
            status=status,
            content_type=kind,
            body=body,
            etag=response.headers.get("etag", ""),
            last_modified=response.headers.get("last-modified", ""),
            fetched_at=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        )


def _body(
    url: str, response: httpx.Response, deadline: float, max_bytes: int, timeout: float
) -> bytes:
    """The body, read up to `max_bytes` and the deadline."""
    limit = f"the limit is {max_bytes / 1e6:g} MB (settings max_html_mb, max_file_mb)"
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise WebError(f"{url}: is {int(declared) / 1e6:.1f} MB; {limit}")
    parts, size = [], 0
    for part in response.iter_bytes():
        size += len(part)
        if size > max_bytes:
            raise WebError(f"{url}: is more than {max_bytes / 1e6:g} MB; {limit}")
        if time.monotonic() > deadline:
            raise WebError(f"{url}: no answer within {timeout:g}s", transient=True)
        parts.append(part)
    return b"".join(parts)
