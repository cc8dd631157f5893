"""A page added by its address: fetched within limits, saved with its origin, or refused.

Against a real HTTP server on 127.0.0.1 (tests/local_web.py), never the internet. Each
failure is one line naming the address, and leaves nothing in the folder.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.web.fetch import Fetcher, WebError
from assistant.web.origin import read_origin, sidecar
from assistant.web.pages import add_pages
from tests.local_web import LocalWeb, Reply, news_page, web_server  # noqa: F401 - `web`

STORY = [
    "The harbour authority of Riverton approved a new ferry line on Tuesday, linking the "
    "old town with the airport in under twenty minutes.",
    "The line will run every ten minutes at peak hours, the authority's chair, Maria Lind, "
    "told reporters after the vote, which passed by nine votes to two.",
    "Construction of the two piers is due to start in March and to cost 48 million euros, "
    "paid in part by a regional fund for clean transport.",
]
MENU_ONLY = "<html><body><nav><a href='/'>Home</a><a href='/login'>Log in</a></nav></body></html>"
MB = 1_000_000


def fetcher(**kw: object) -> Fetcher:
    values: dict[str, object] = {"max_bytes": MB, "timeout": 5.0, **kw}
    return Fetcher(**values)  # type: ignore[arg-type]


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def add_one(web: LocalWeb, folder: Path, url: str, **kw: object) -> str:
    """The one-line error adding `url` gives (the test fails if it is saved)."""
    with fetcher(**kw) as f:
        added = add_pages([url], folder, f)
    assert not added.saved, f"{url} was saved"
    [line] = added.failed
    assert "\n" not in line and line.startswith(url)
    return line


def test_a_page_is_saved_under_a_readable_name_with_its_origin(
    web: LocalWeb, tmp_path: Path
) -> None:
    url = web.add("/news/2024/ferry-line.html", news_page("Riverton approves ferry line", STORY))
    with fetcher() as f:
        added = add_pages([url], tmp_path, f)
    assert added.failed == [] and [s.name for s in added.saved] == [
        "127.0.0.1-riverton-approves-ferry-line.html"
    ]
    page = tmp_path / added.saved[0].name
    assert page.read_bytes() == web.routes["/news/2024/ferry-line.html"].body
    # the origin is kept beside the file, hidden from ingest, for these very bytes
    kept = json.loads(sidecar(page).read_text())
    assert kept["url"] == url and kept["fetched_at"].endswith("+00:00")
    import hashlib

    origin = read_origin(page, hashlib.sha256(page.read_bytes()).hexdigest())
    assert origin is not None and origin.url == url and origin.site == "127.0.0.1"
    assert read_origin(page, "0" * 64) is None  # another file under that name: no origin
    assert web.requests[0].headers["user-agent"].startswith("news-assistant/")


def test_the_same_address_again_keeps_one_file(web: LocalWeb, tmp_path: Path) -> None:
    url = web.add("/ferry", news_page("Riverton approves ferry line", STORY))
    with fetcher() as f:
        first = add_pages([url], tmp_path, f).saved[0]
        again = add_pages([url], tmp_path, f).saved[0]
        updated = [*STORY, STORY[0] + " Update."]
        web.add("/ferry", news_page("Riverton approves ferry line", updated))
        changed = add_pages([url], tmp_path, f).saved[0]
    assert first.changed and not again.changed and changed.changed
    assert first.name == again.name == changed.name
    assert len([n for n in files(tmp_path) if n.endswith(".html")]) == 1
    assert b"Update." in (tmp_path / first.name).read_bytes()


def test_redirects_are_followed_and_the_final_address_kept(web: LocalWeb, tmp_path: Path) -> None:
    final = web.add("/story", news_page("Riverton approves ferry line", STORY))
    web.redirect("/b", "/story", 302)
    start = web.redirect("/a", web.url("/b"), 301)
    with fetcher() as f:
        [saved] = add_pages([start], tmp_path, f).saved
    origin = json.loads(sidecar(tmp_path / saved.name).read_text())
    assert origin["url"] == start and origin["final_url"] == final
    assert web.paths() == ["/a", "/b", "/story"]


def test_a_redirect_loop_and_too_many_redirects_are_named(web: LocalWeb, tmp_path: Path) -> None:
    web.redirect("/loop-a", "/loop-b")
    loop = web.redirect("/loop-b", "/loop-a")
    line = add_one(web, tmp_path, loop)
    assert "a redirect loop" in line and "/loop-a" in line
    for n in range(4):
        web.redirect(f"/hop{n}", f"/hop{n + 1}")
    web.add("/hop4", news_page("Riverton approves ferry line", STORY))
    line = add_one(web, tmp_path, web.url("/hop0"), max_redirects=2)
    assert "more than 2 redirects" in line
    assert files(tmp_path) == []


@pytest.mark.parametrize(
    ("status", "said", "transient"),
    [(404, "the server answered 404 Not Found", False), (500, "answered 500", True)],
)
def test_an_error_status_is_named(
    web: LocalWeb, tmp_path: Path, status: int, said: str, transient: bool
) -> None:
    url = web.add("/broken", Reply(b"<html>oops</html>", status=status))
    assert said in add_one(web, tmp_path, url)
    with fetcher() as f, pytest.raises(WebError) as refused:
        f.get(url)
    assert refused.value.status == status and refused.value.transient is transient
    assert files(tmp_path) == []


def test_a_slow_server_hits_the_timeout(web: LocalWeb, tmp_path: Path) -> None:
    url = web.add("/slow", Reply(news_page("Slow", STORY).encode(), delay=2.0))
    line = add_one(web, tmp_path, url, timeout=0.3)
    assert line == f"{url}: no answer within 0.3s"
    assert files(tmp_path) == []


@pytest.mark.parametrize("declared", [True, False])
def test_a_page_over_the_cap_is_refused(web: LocalWeb, tmp_path: Path, declared: bool) -> None:
    big = news_page("Riverton approves ferry line", STORY * 400).encode()
    url = web.add("/big", Reply(big, length=declared))
    line = add_one(web, tmp_path, url, max_bytes=50_000)
    assert ("is 0.2 MB" if declared else "is more than 0.05 MB") in line
    assert "the limit is 0.05 MB (settings max_html_mb, max_file_mb)" in line
    assert files(tmp_path) == []


def test_a_page_with_no_article_text_or_of_another_type_is_not_saved(
    web: LocalWeb, tmp_path: Path
) -> None:
    menus = web.add("/menus", MENU_ONLY)
    assert "no article text" in add_one(web, tmp_path, menus)
    data = web.add("/data.json", Reply(b'{"a": 1}', "application/json"))
    line = add_one(web, tmp_path, data)
    assert "is application/json, not text/html or application/xhtml+xml or application/pdf" in line
    assert files(tmp_path) == []


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("file:///etc/passwd", "only http:// and https:// addresses are fetched (file:// is not)"),
        ("ftp://127.0.0.1/news.html", "(ftp:// is not)"),
        ("example.com/news", "(no scheme is not)"),
        ("http://", "not a valid web address"),
    ],
)
def test_other_schemes_and_invalid_addresses_are_refused_before_any_request(
    web: LocalWeb, tmp_path: Path, url: str, said: str
) -> None:
    assert said in add_one(web, tmp_path, url)
    assert web.requests == []


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "localhost", "10.1.2.3", "192.168.0.7", "169.254.169.254", "[::1]"]
)
def test_a_ui_open_to_the_network_refuses_its_own_network(
    web: LocalWeb, tmp_path: Path, host: str
) -> None:
    port = web.url("/").rsplit(":", 1)[1].rstrip("/")
    url = f"http://{host}:{port}/ferry"
    web.add("/ferry", news_page("Riverton approves ferry line", STORY))
    line = add_one(web, tmp_path, url, allow_private=False)
    assert "refused" in line and "address" in line and "own network" in line
    assert web.requests == []  # checked before connecting: nothing reached the server


def test_a_host_that_does_not_resolve_is_named(
    web: LocalWeb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = socket.getaddrinfo

    def no_such_host(host: object, *args: object, **kw: object) -> object:
        if host == "news.invalid":  # no DNS is asked: the failure is made here
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    line = add_one(web, tmp_path, "https://news.invalid/story")
    assert line == "https://news.invalid/story: cannot find the host news.invalid (DNS)"


def test_assistant_add_saves_ingests_and_names_each_failure(
    web: LocalWeb, tmp_path: Path, model_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = web.add("/ferry", news_page("Riverton approves ferry line", STORY))
    gone = web.url("/gone")
    folder, store = tmp_path / "news", tmp_path / "store"
    flags = ["--source", str(folder), "--persist-dir", str(store)]
    code = main(["add", good, gone, *flags, "--model-cache-dir", str(model_cache)])
    out, err = capsys.readouterr()
    assert code == 2  # one address failed: said on stderr, the other saved
    assert err.strip() == f"error: {gone}: the server answered 404 Not Found"
    assert f"Saved 127.0.0.1-riverton-approves-ferry-line.html from {good}" in out
    assert "1 added" in out and "now answer from this folder" in out

    from assistant.core import Assistant
    from tests.conftest import settings_for

    assistant = Assistant(
        settings_for(source_dir=folder, persist_dir=store, model_cache_dir=model_cache)
    )
    found = assistant.retriever.retrieve("ferry line to the airport", top_k=1)
    assert found[0].source == "127.0.0.1-riverton-approves-ferry-line.html"
    assert "Maria Lind" in assistant.article_text(found[0].source)


def test_the_demo_articles_are_not_written_to(
    web: LocalWeb, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from assistant.settings import DEFAULT_SOURCE_DIR

    url = web.add("/ferry", news_page("Riverton approves ferry line", STORY))
    code = main(["add", url, "--source", str(DEFAULT_SOURCE_DIR), "--persist-dir", str(tmp_path)])
    assert code == 2 and "holds the demo articles and is not written to" in capsys.readouterr().err
    assert web.requests == []


def test_the_chat_page_adds_by_address_and_refuses_its_network_when_exposed(
    web: LocalWeb,
    make_settings,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    pytest.importorskip("gradio")
    from assistant.core import Assistant
    from assistant.ui.articles import ArticleHandlers

    folder = tmp_path / "mine"
    folder.mkdir()
    url = web.add("/ferry", news_page("Riverton approves ferry line", STORY))
    assistant = Assistant(make_settings(source_dir=folder))
    said, rows, _ = ArticleHandlers(assistant, exposed=True).add_addresses(url)
    assert "Not added: " in said and "127.0.0.1 is a loopback address" in said and rows == []
    assert web.requests == []
    said, rows, _ = ArticleHandlers(assistant).add_addresses(f"{url} ftp://x/y")
    name = "127.0.0.1-riverton-approves-ferry-line.html"
    assert f"- Added {name} from {url}." in said
    assert "- Not added: ftp://x/y: only http:// and https://" in said
    assert rows == [[name, "Riverton approves ferry line", rows[0][2], url]]
