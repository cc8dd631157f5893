"""Feeds followed and refreshed: new items saved with their addresses, an unchanged feed
costs one request, robots.txt and the per-host delay obeyed, a cap per refresh.

Against a real HTTP server on 127.0.0.1 (tests/local_web.py) whose feed changes between
two refreshes and answers ETag and Last-Modified with 304, never the internet.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.cli import main
from assistant.errors import AssistantError
from assistant.web.feeds import Pacer, Refresh, Registry, follow
from assistant.web.fetch import Fetcher
from assistant.web.origin import read_origin
from tests.local_web import LocalWeb, Reply, feed_xml, news_page, web_server  # noqa: F401

FERRY = [
    "The harbour authority of Riverton approved a new ferry line on Tuesday, linking the "
    "old town with the airport in under twenty minutes.",
    "The line will run every ten minutes at peak hours, the authority's chair, Maria Lind, "
    "told reporters after the vote, which passed by nine votes to two.",
]
MARKET = [
    "Riverton's covered market will close for eight months from June while its roof is "
    "replaced, the city council said on Wednesday.",
    "Its 62 traders will move to a temporary hall on Quay Street, where rents will be "
    "frozen at last year's level until the market reopens.",
]
BRIDGE = [
    "The old swing bridge over the Riverton canal will be lit at night from next month, "
    "after a public vote chose a design of warm white lamps.",
    "The lighting will cost 310,000 euros and run on power from panels on the lock-keeper's "
    "house, according to the canal trust.",
]
MB = 1_000_000


def serve_items(web: LocalWeb, *stories: tuple[str, str, list[str]]) -> list[tuple[str, str, str]]:
    """Serve each (path, title, paragraphs) as a page; the feed items for them."""
    items = []
    for path, title, paragraphs in stories:
        url = web.add(path, news_page(title, paragraphs))
        items.append((f"tag:riverton,{path}", url, title))
    return items


def serve_feed(web: LocalWeb, items: list[tuple[str, str, str]], **headers: str) -> str:
    names = {"etag": "ETag", "modified": "Last-Modified"}
    sent = {names[k]: v for k, v in headers.items()}
    body = feed_xml("Riverton News", items).encode()
    return web.add("/feed.xml", Reply(body, "application/rss+xml", headers=sent))


def refresh(folder: Path, max_items: int = 20, pacer: Pacer | None = None) -> Refresh:
    fetcher = Fetcher(max_bytes=MB, timeout=5.0)
    return Refresh(folder, fetcher, max_items, pacer or Pacer(0.0))


def followed(web: LocalWeb, folder: Path, url: str) -> None:
    with Fetcher(max_bytes=MB, timeout=5.0) as fetcher:
        follow(folder, url, fetcher)
    web.requests.clear()


def pages(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.html"))


def test_follow_reads_the_feed_once_and_lists_it(web: LocalWeb, tmp_path: Path) -> None:
    url = serve_feed(web, serve_items(web, ("/news/ferry", "Ferry line approved", FERRY)))
    with Fetcher(max_bytes=MB) as fetcher:
        feed = follow(tmp_path, url, fetcher)
        assert feed.title == "Riverton News" and web.paths() == ["/feed.xml"]
        with pytest.raises(AssistantError, match="is already followed"):
            follow(tmp_path, url, fetcher)
    [listed] = Registry(tmp_path).feeds
    assert listed.url == url and listed.etag == "" and pages(tmp_path) == []


@pytest.mark.parametrize(
    ("reply", "said"),
    [
        (Reply(b"<<<not xml at all", "application/rss+xml"), "(malformed XML: "),
        (Reply(news_page("A page", FERRY).encode()), "is a web page, not an RSS or Atom feed"),
        (Reply(b"", "application/rss+xml", status=500), "the server answered 500"),
    ],
)
def test_follow_refuses_what_is_not_a_feed(
    web: LocalWeb, tmp_path: Path, reply: Reply, said: str
) -> None:
    url = web.add("/feed.xml", reply)
    with Fetcher(max_bytes=MB) as fetcher, pytest.raises(AssistantError) as refused:
        follow(tmp_path, url, fetcher)
    line = str(refused.value)
    assert line.startswith(url) and said in line and "\n" not in line
    assert Registry(tmp_path).feeds == []


def test_a_second_refresh_of_an_unchanged_feed_fetches_nothing(
    web: LocalWeb, tmp_path: Path
) -> None:
    items = serve_items(
        web,
        ("/news/ferry", "Ferry line approved", FERRY),
        ("/news/market", "Market to close", MARKET),
    )
    url = serve_feed(web, items, etag='"v1"')
    followed(web, tmp_path, url)

    [first] = refresh(tmp_path).run()
    assert [s.name for s in first.saved] == [
        "127.0.0.1-ferry-line-approved.html",
        "127.0.0.1-market-to-close.html",
    ]
    assert first.requests == 4 and web.paths() == [
        "/feed.xml", "/robots.txt", "/news/ferry", "/news/market"
    ]  # fmt: skip
    assert Registry(tmp_path).feeds[0].etag == '"v1"'

    web.requests.clear()
    [second] = refresh(tmp_path).run()
    assert second.unchanged and second.requests == 1 and second.saved == []
    assert web.paths() == ["/feed.xml"] and web.requests[0].headers["if-none-match"] == '"v1"'
    assert second.summary() == "unchanged (1 request)"

    # the feed changes: only its new item is fetched
    items = [*serve_items(web, ("/news/bridge", "Bridge to be lit", BRIDGE)), *items]
    serve_feed(web, items, etag='"v2"')
    web.requests.clear()
    [third] = refresh(tmp_path).run()
    assert [s.name for s in third.saved] == ["127.0.0.1-bridge-to-be-lit.html"]
    assert web.paths() == ["/feed.xml", "/robots.txt", "/news/bridge"]
    assert len(pages(tmp_path)) == 3
    page = tmp_path / "127.0.0.1-bridge-to-be-lit.html"
    import hashlib

    origin = read_origin(page, hashlib.sha256(page.read_bytes()).hexdigest())
    assert origin is not None and origin.url == web.url("/news/bridge") and origin.feed == url
    listed = Registry(tmp_path).feeds[0]
    assert listed.saved == 3 and listed.last_result == "1 new page saved (3 requests)"


def test_last_modified_is_sent_back_and_a_feed_without_validators_costs_one_request(
    web: LocalWeb, tmp_path: Path
) -> None:
    items = serve_items(web, ("/news/ferry", "Ferry line approved", FERRY))
    stamp = "Tue, 07 May 2024 08:00:00 GMT"
    url = serve_feed(web, items, modified=stamp)
    followed(web, tmp_path, url)
    refresh(tmp_path).run()
    web.requests.clear()
    [again] = refresh(tmp_path).run()
    assert again.unchanged and web.requests[0].headers["if-modified-since"] == stamp
    serve_feed(web, items)  # no validators: read whole, and nothing in it is new
    web.requests.clear()
    [plain] = refresh(tmp_path).run()
    assert plain.unchanged and plain.requests == 1 and web.paths() == ["/feed.xml"]


def test_robots_txt_is_obeyed_and_a_refused_item_not_asked_for_again(
    web: LocalWeb, tmp_path: Path
) -> None:
    web.add("/robots.txt", Reply(b"User-agent: *\nDisallow: /private/\n", "text/plain"))
    items = serve_items(
        web,
        ("/private/memo", "Internal memo", MARKET),
        ("/news/ferry", "Ferry line approved", FERRY),
    )
    url = serve_feed(web, items, etag='"v1"')
    followed(web, tmp_path, url)
    [first] = refresh(tmp_path).run()
    assert first.failed == [f"{web.url('/private/memo')}: not fetched: the site's robots.txt "
                            "disallows it"]  # fmt: skip
    assert "/private/memo" not in web.paths() and pages(tmp_path) == [
        "127.0.0.1-ferry-line-approved.html"
    ]
    serve_feed(web, items, etag='"v2"')  # read again: the refused item is not tried again
    web.requests.clear()
    [second] = refresh(tmp_path).run()
    assert second.unchanged and web.paths() == ["/feed.xml"]


def test_the_cap_leaves_the_rest_for_the_next_refresh(web: LocalWeb, tmp_path: Path) -> None:
    items = serve_items(
        web,
        ("/news/bridge", "Bridge to be lit", BRIDGE),
        ("/news/market", "Market to close", MARKET),
        ("/news/ferry", "Ferry line approved", FERRY),
    )
    url = serve_feed(web, items, etag='"v1"')
    followed(web, tmp_path, url)
    [first] = refresh(tmp_path, max_items=2).run()
    assert len(first.saved) == 2 and first.waiting == 1
    assert first.summary() == "2 new pages saved, 1 waiting for the next refresh (4 requests)"
    assert Registry(tmp_path).feeds[0].etag == ""  # so the next refresh reads it whole
    [second] = refresh(tmp_path, max_items=2).run()
    assert [s.name for s in second.saved] == ["127.0.0.1-ferry-line-approved.html"]
    assert Registry(tmp_path).feeds[0].etag == '"v1"'
    [third] = refresh(tmp_path, max_items=2).run()
    assert third.unchanged and third.requests == 1


def test_a_failed_item_is_tried_again_only_when_it_may_pass(web: LocalWeb, tmp_path: Path) -> None:
    web.add("/news/busy", Reply(b"busy", "text/plain", status=503))
    web.add("/news/gone", Reply(b"gone", "text/plain", status=404))
    items = [("a", web.url("/news/busy"), "Busy"), ("b", web.url("/news/gone"), "Gone")]
    url = serve_feed(web, items, etag='"v1"')
    followed(web, tmp_path, url)
    [first] = refresh(tmp_path).run()
    assert len(first.failed) == 2 and all(line.startswith("http://") for line in first.failed)
    assert Registry(tmp_path).feeds[0].etag == ""  # the busy one is tried next time
    web.requests.clear()
    refresh(tmp_path).run()
    assert web.paths() == ["/feed.xml", "/robots.txt", "/news/busy"]
    assert pages(tmp_path) == []


def test_requests_to_one_host_wait_the_delay_and_robots_crawl_delay(
    web: LocalWeb, tmp_path: Path
) -> None:
    web.add("/robots.txt", Reply(b"User-agent: *\nCrawl-delay: 4\n", "text/plain"))
    items = serve_items(
        web,
        ("/news/ferry", "Ferry line approved", FERRY),
        ("/news/market", "Market to close", MARKET),
    )
    url = serve_feed(web, items)
    followed(web, tmp_path, url)
    slept: list[float] = []
    now = [100.0]

    def sleep(seconds: float) -> None:  # a clock that moves only when waited on
        slept.append(round(seconds, 3))
        now[0] += seconds

    refresh(tmp_path, pacer=Pacer(1.5, sleep, lambda: now[0])).run()
    # feed, then robots.txt 1.5 s later, then each page the Crawl-delay (4 s) apart
    assert slept == [1.5, 4.0, 4.0]


def test_a_feed_that_breaks_is_one_line_and_keeps_its_state(web: LocalWeb, tmp_path: Path) -> None:
    items = serve_items(web, ("/news/ferry", "Ferry line approved", FERRY))
    url = serve_feed(web, items, etag='"v1"')
    followed(web, tmp_path, url)
    refresh(tmp_path).run()
    web.add("/feed.xml", Reply(b"<rss><channel><item>&&&", "application/rss+xml"))
    [broken] = refresh(tmp_path).run()
    assert broken.error.startswith(f"{url}: not an RSS or Atom feed (malformed XML: ")
    assert broken.saved == [] and "\n" not in broken.error
    feed = Registry(tmp_path).feeds[0]
    assert feed.last_result == broken.error and feed.saved == 1


def test_follow_refresh_feeds_unfollow_and_ask_with_addresses(
    web: LocalWeb,
    tmp_path: Path,
    model_cache: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    items = serve_items(
        web,
        ("/news/ferry", "Ferry line approved", FERRY),
        ("/news/market", "Market to close", MARKET),
    )
    url = serve_feed(web, items, etag='"v1"')
    folder, store = tmp_path / "news", tmp_path / "store"
    flags = ["--source", str(folder), "--persist-dir", str(store)]
    assert main(["follow", url, *flags]) == 0
    assert f"Following Riverton News ({url}) in {folder}" in capsys.readouterr().out
    assert main(["feeds", *flags]) == 0
    assert "0 pages saved; never refreshed" in capsys.readouterr().out

    assert main(["refresh", *flags, "--model-cache-dir", str(model_cache)]) == 0
    out = capsys.readouterr().out
    assert f"{url}: 2 new pages saved (4 requests)" in out and "2 added" in out
    assert main(["refresh", *flags, "--model-cache-dir", str(model_cache)]) == 0
    out = capsys.readouterr().out
    assert out.strip() == f"{url}: unchanged (1 request)"  # nothing fetched, nothing ingested
    assert main(["feeds", *flags]) == 0
    assert "2 pages saved; last refresh " in capsys.readouterr().out

    from assistant.answering.selection import RankSelector
    from assistant.cli.printing import print_answer
    from assistant.core import Assistant
    from assistant.ui.render import source_html
    from tests.conftest import settings_for
    from tests.test_stages import Replying

    settings = settings_for(
        source_dir=folder, persist_dir=store, model_cache_dir=model_cache, check_role_prompt=""
    )
    chat = Replying("The traders will move to a temporary hall on Quay Street.")
    answer = Assistant(settings, chat_model=chat, selector=RankSelector()).ask(
        "Where will the market traders move while the roof is replaced?"
    )
    assert not answer.abstained and answer.citations
    cited = answer.citations[0]
    assert cited.source == "127.0.0.1-market-to-close.html"
    assert cited.url == web.url("/news/market") and cited.also_published_by == []
    print_answer(answer, folder)
    assert f"    from {cited.url}" in capsys.readouterr().out
    assert f'href="{cited.url}"' in source_html(cited, None)

    assert main(["unfollow", url, *flags]) == 0
    assert "the 2 pages saved from it stay" in capsys.readouterr().out
    assert main(["feeds", *flags]) == 0
    assert "No feeds followed" in capsys.readouterr().out
    assert len(pages(folder)) == 2
