"""The feeds a folder follows, and their refresh: new items fetched and saved as pages.

Why: news arrives through a site's RSS or Atom feed; following it means the folder gains
each new article without the user saving pages by hand. The list lives in the folder
(`.feeds.json`, hidden, so ingest never reads it), so it goes where the folder goes.

A refresh is polite and cheap:
- conditional requests: the feed's ETag and Last-Modified are sent back, and an
  unchanged feed costs one request (a 304, or the same items, fetches nothing else);
- robots.txt of an article's site is read (once a refresh) and obeyed, with its
  Crawl-delay (at most `MAX_CRAWL_DELAY_S`); the feed itself, which the user chose to
  follow, is fetched as a reader would;
- one request at a time, and at least `delay` seconds between two to the same host;
- at most `max_items` new items a feed per refresh: the rest wait for the next one. While
  items wait, or one failed in a way that may pass (no answer, a 5xx), the validators are
  not kept, so the next refresh reads the feed again instead of being told "unchanged".
An item that fails for good (a 404, no article text, refused by robots.txt) is reported
once and not fetched again. Feeds are parsed by feedparser, from bytes (handed a string
it would fetch it, or open it as a file name).
"""

from __future__ import annotations

import datetime
import io
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

from assistant.atomic import replaced_on_success
from assistant.errors import AssistantError
from assistant.web.fetch import USER_AGENT, Fetched, Fetcher, WebError, checked_url
from assistant.web.origin import saved_addresses
from assistant.web.pages import Extract, Saved, save_page

REGISTRY = ".feeds.json"
MAX_ITEMS = 20  # new items fetched per feed per refresh
HOST_DELAY_S = 1.0  # between two requests to one host
MAX_CRAWL_DELAY_S = 30.0  # a robots.txt Crawl-delay above this is taken as this
ROBOTS_BYTES = 500_000
HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass
class Feed:
    url: str
    title: str = ""
    followed_at: str = ""
    refreshed_at: str = ""  # the last refresh that reached it
    last_result: str = ""  # what that refresh did, in words
    saved: int = 0  # pages saved from it, over all refreshes
    etag: str = ""
    last_modified: str = ""
    seen: list[str] = field(default_factory=list)  # ids of the items already handled


def now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


class Registry:
    """The feeds one folder follows, read from and written to its `.feeds.json`."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / REGISTRY
        self.feeds: list[Feed] = []
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            raise AssistantError(f"Cannot read the feed list {self.path}: {exc}") from None
        names = Feed.__dataclass_fields__
        try:
            self.feeds = [Feed(**{k: v for k, v in f.items() if k in names}) for f in data["feeds"]]
        except (KeyError, TypeError, AttributeError):
            raise AssistantError(
                f"Cannot read the feed list {self.path}: not one this "
                "assistant wrote (move it aside to start a new one)"
            ) from None

    def find(self, url: str) -> Feed | None:
        return next((f for f in self.feeds if f.url == url.strip()), None)

    def save(self) -> None:
        with replaced_on_success(self.path) as partial:
            feeds = [asdict(f) for f in self.feeds]
            partial.write_text(json.dumps({"feeds": feeds}, indent=1), encoding="utf-8")


def parse_feed(got: Fetched) -> Any:
    """The feed feedparser reads in the fetched bytes, or a `WebError` naming the address."""
    import feedparser

    headers = {"content-type": got.content_type, "content-location": got.final_url}
    parsed = feedparser.parse(io.BytesIO(got.body), response_headers=headers)
    if any(entry.get("link") for entry in parsed.entries):  # read, even if partly broken
        return parsed
    if got.content_type in HTML_TYPES:
        raise WebError(f"{got.url}: is a web page, not an RSS or Atom feed")
    problem = parsed.get("bozo_exception")
    benign = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
    if problem is not None and not isinstance(problem, benign):
        said = " ".join(str(problem).split())
        raise WebError(f"{got.url}: not an RSS or Atom feed (malformed XML: {said})")
    if not parsed.get("version"):
        raise WebError(f"{got.url}: not an RSS or Atom feed")
    return parsed  # a feed with no items yet


def follow(folder: Path, url: str, fetcher: Fetcher) -> Feed:
    """Read the feed once (it must parse) and add it to the folder's list."""
    registry = Registry(folder)
    url = str(checked_url(url))
    if registry.find(url) is not None:
        raise AssistantError(f"{url} is already followed in {folder} (`assistant feeds`).")
    parsed = parse_feed(fetcher.get(url, accept=None))
    feed = Feed(url, title=str(parsed.feed.get("title") or ""), followed_at=now())
    folder.mkdir(parents=True, exist_ok=True)
    registry.feeds.append(feed)
    registry.save()
    return feed


def unfollow(folder: Path, url: str) -> Feed:
    """Take the feed off the folder's list (the pages saved from it stay)."""
    registry = Registry(folder)
    feed = registry.find(url) or registry.find(str(checked_url(url)))
    if feed is None:
        raise AssistantError(f"{url} is not followed in {folder}: `assistant feeds` lists them.")
    registry.feeds.remove(feed)
    registry.save()
    return feed


class Pacer:
    """One request at a time per host, `delay` seconds apart at least."""

    def __init__(
        self,
        delay: float = HOST_DELAY_S,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.delay, self.sleep, self.clock = delay, sleep, clock
        self.last: dict[str, float] = {}

    def wait(self, url: str, at_least: float = 0.0) -> None:
        host = urlsplit(url).netloc.lower()
        if host in self.last:
            left = self.last[host] + max(self.delay, at_least) - self.clock()
            if left > 0:
                self.sleep(left)
        self.last[host] = self.clock()


class Robots:
    """Each site's robots.txt, read once a refresh."""

    def __init__(self, fetcher: Fetcher, pacer: Pacer) -> None:
        self.fetcher, self.pacer = fetcher, pacer
        self.rules: dict[str, RobotFileParser] = {}

    def rules_for(self, url: str) -> RobotFileParser:
        parts = urlsplit(url)
        site = f"{parts.scheme}://{parts.netloc}"
        if site not in self.rules:
            rules = RobotFileParser(site + "/robots.txt")
            self.pacer.wait(site)
            try:
                got = self.fetcher.get(site + "/robots.txt", None, max_bytes=ROBOTS_BYTES)
                rules.parse(got.body.decode("utf-8", "replace").splitlines())
            except WebError as exc:
                if exc.status in (401, 403):
                    rules.parse(["User-agent: *", "Disallow: /"])
                elif 400 <= exc.status < 500:
                    rules.parse([])  # no robots.txt: no rules
                else:  # unreachable: nothing of the site is fetched this time
                    raise WebError(
                        f"{url}: not fetched: the site's robots.txt could not be read ({exc})",
                        transient=True,
                    ) from None
            self.rules[site] = rules
        return self.rules[site]

    def delay(self, url: str) -> float:
        said = self.rules_for(url).crawl_delay(USER_AGENT)
        return min(float(said or 0.0), MAX_CRAWL_DELAY_S)

    def check(self, url: str) -> None:
        if not self.rules_for(url).can_fetch(USER_AGENT, url):
            raise WebError(f"{url}: not fetched: the site's robots.txt disallows it")


@dataclass
class FeedResult:
    """What one refresh did with one feed."""

    feed: Feed
    requests: int = 0
    unchanged: bool = False
    saved: list[Saved] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # one line each, naming the address
    waiting: int = 0  # new items over the cap, for the next refresh
    error: str = ""  # the feed itself could not be read

    def summary(self) -> str:
        if self.error:
            return self.error
        if self.unchanged:
            return f"unchanged ({self.requests} request{'s' if self.requests != 1 else ''})"
        new = sum(s.changed for s in self.saved)
        said = [f"{new} new page{'s' if new != 1 else ''} saved"]
        same = len(self.saved) - new  # listed by another feed, or added before, unchanged
        said += [f"{same} saved before and unchanged"] if same else []
        said += [f"{len(self.failed)} failed"] if self.failed else []
        said += [f"{self.waiting} waiting for the next refresh"] if self.waiting else []
        return f"{', '.join(said)} ({self.requests} requests)"


class Refresh:
    """One refresh of some of a folder's feeds, with one fetcher, pacer and robots cache."""

    def __init__(
        self,
        folder: Path,
        fetcher: Fetcher,
        max_items: int = MAX_ITEMS,
        pacer: Pacer | None = None,
        extract: Extract | None = None,
    ) -> None:
        self.folder, self.fetcher, self.max_items = folder, fetcher, max_items
        self.pacer = pacer or Pacer()
        self.extract = extract
        self.robots = Robots(fetcher, self.pacer)
        self.known = saved_addresses(folder)

    def run(self, only: list[str] | None = None) -> list[FeedResult]:
        """Refresh the feeds named (all when None); the list is saved after each feed."""
        registry = Registry(self.folder)
        chosen = registry.feeds if not only else [self._named(registry, u) for u in only]
        results = []
        for feed in chosen:
            results.append(self.feed(feed))
            registry.save()
        return results

    def _named(self, registry: Registry, url: str) -> Feed:
        feed = registry.find(url)
        if feed is None:
            raise AssistantError(
                f"{url} is not followed in {self.folder}: `assistant follow {url}` first."
            )
        return feed

    def feed(self, feed: Feed) -> FeedResult:
        result = FeedResult(feed)
        before = self.fetcher.requests
        try:
            self._refresh(feed, result)
        except WebError as exc:
            result.error = str(exc)
        result.requests = self.fetcher.requests - before
        feed.refreshed_at, feed.last_result = now(), result.summary()
        feed.saved += sum(s.changed for s in result.saved)
        return result

    def _refresh(self, feed: Feed, result: FeedResult) -> None:
        asked = {"If-None-Match": feed.etag, "If-Modified-Since": feed.last_modified}
        self.pacer.wait(feed.url)
        got = self.fetcher.get(feed.url, None, headers={k: v for k, v in asked.items() if v})
        if got.not_modified:
            result.unchanged = True
            return
        parsed = parse_feed(got)
        items = [(item_id(e), item_link(e, got.final_url)) for e in parsed.entries]
        seen = set(feed.seen)
        new = [(key, link) for key, link in dict(items).items() if key not in seen]
        result.unchanged = not new
        retry = False
        for key, link in new[: self.max_items]:
            if not link:  # an item with no page to fetch
                seen.add(key)
                continue
            try:
                self.robots.check(link)
                self.pacer.wait(link, self.robots.delay(link))
                page = self.fetcher.get(link)
                saved = save_page(page, self.folder, self.known, feed.url, self.extract)
                result.saved.append(saved)
            except WebError as exc:
                result.failed.append(str(exc))
                if exc.transient:
                    retry = True
                    continue
            seen.add(key)
        result.waiting = max(len(new) - self.max_items, 0)
        # keep the ids the feed still lists (one that dropped off needs no remembering)
        feed.seen = [key for key, _ in items if key in seen]
        complete = not retry and not result.waiting
        feed.etag = got.etag if complete else ""
        feed.last_modified = got.last_modified if complete else ""


def item_id(entry: Any) -> str:
    """An item's identity: its id (guid), else its link, else its title."""
    return str(entry.get("id") or entry.get("link") or entry.get("title") or "")


def item_link(entry: Any, base: str) -> str:
    """The address of an item's page ("" when it has none), relative ones made whole."""
    link = str(entry.get("link") or "").strip()
    return urljoin(base, link) if link else ""
