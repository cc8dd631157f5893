"""`assistant add`, `follow`, `feeds`, `unfollow` and `refresh`: news from the web.

These are the only commands that use the network, and only for the addresses given and
the feeds followed (`assistant/web/`). Each works on the folder the assistant answers
from (`--source DIR`, else the one ingested last), making it if need be, but never on the
demo articles; what it saved is ingested at once, so `assistant ask` answers from it.
An address that fails is one line on stderr naming it, after the others were done, and
the command then exits 2.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from collections.abc import Callable
from pathlib import Path

from assistant.cli.commands import ingest_folder
from assistant.cli.flags import settings_from
from assistant.errors import AssistantError
from assistant.settings import DEFAULT_SOURCE_DIR, Settings


def web_settings(args: argparse.Namespace, make: bool = False) -> Settings:
    """The settings, with the folder to save into (never the demo articles); `make`: the
    folder named by --source is made first if it does not exist."""
    from assistant.ingest.store import with_folder

    named = getattr(args, "source_dir", None)
    if make and named is not None and not Path(named).expanduser().exists():
        Path(named).expanduser().mkdir(parents=True)
    settings = with_folder(settings_from(args))
    if settings.folder.resolve() == DEFAULT_SOURCE_DIR.resolve():
        raise AssistantError(
            f"{settings.folder} holds the demo articles and is not written to: name your "
            "own folder with --source DIR (it is made if need be)."
        )
    return settings


def cmd_add(args: argparse.Namespace) -> int:
    """`assistant add URL...`: each page fetched, checked, saved and ingested."""
    from assistant.web.fetch import Fetcher, page_limit
    from assistant.web.pages import add_pages

    settings = web_settings(args, make=True)
    with Fetcher(max_bytes=page_limit(settings)) as fetcher:
        added = add_pages(args.url, settings.folder, fetcher)
    for saved in added.saved:
        done = "Saved" if saved.changed else "Unchanged since it was saved:"
        print(f"{done} {saved.name} from {saved.url}")
    if any(saved.changed for saved in added.saved):
        ingest_folder(settings)
    return failed(added.failed)


def cmd_follow(args: argparse.Namespace) -> int:
    """`assistant follow FEED_URL`: the feed is read once (it must parse) and listed."""
    from assistant.web.feeds import follow
    from assistant.web.fetch import Fetcher, page_limit

    settings = web_settings(args, make=True)
    with Fetcher(max_bytes=page_limit(settings)) as fetcher:
        feed = follow(settings.folder, args.url, fetcher)
    named = f"{feed.title} ({feed.url})" if feed.title else feed.url
    print(f"Following {named} in {settings.folder}: `assistant refresh` fetches its items.")
    return 0


def cmd_feeds(args: argparse.Namespace) -> int:
    """`assistant feeds`: the folder's feeds, with their last refresh and counts."""
    from assistant.web.feeds import Registry

    settings = with_folder_only(args)
    feeds = Registry(settings.folder).feeds
    if not feeds:
        print(f"No feeds followed in {settings.folder}: `assistant follow FEED_URL` adds one.")
        return 0
    print(f"Feeds followed in {settings.folder}:")
    for feed in feeds:
        print(f"  {feed.url}" + (f" ({feed.title})" if feed.title else ""))
        last = f"last refresh {shown_time(feed.refreshed_at)}: {feed.last_result}"
        print(
            f"    {feed.saved} pages saved; " + (last if feed.refreshed_at else "never refreshed")
        )
    return 0


def cmd_unfollow(args: argparse.Namespace) -> int:
    """`assistant unfollow FEED_URL`: off the list; the pages saved from it stay."""
    from assistant.web.feeds import unfollow

    settings = with_folder_only(args)
    feed = unfollow(settings.folder, args.url)
    print(f"No longer following {feed.url}; the {feed.saved} pages saved from it stay.")
    return 0


def cmd_refresh(args: argparse.Namespace) -> int:
    """`assistant refresh [FEED_URL...]`: new items of the feeds saved and ingested."""
    from assistant.web.feeds import Refresh
    from assistant.web.fetch import Fetcher, page_limit

    settings = web_settings(args)
    with Fetcher(max_bytes=page_limit(settings)) as fetcher:
        results = Refresh(settings.folder, fetcher, args.max_items).run(args.url or None)
    if not results:
        print(f"No feeds followed in {settings.folder}: `assistant follow FEED_URL` adds one.")
    problems = []
    for result in results:
        print(f"{result.feed.url}: {result.summary()}")
        print("".join(f"  saved {s.name}\n" for s in result.saved if s.changed), end="")
        problems += [result.error] if result.error else result.failed
    if any(s.changed for result in results for s in result.saved):
        ingest_folder(settings)
    return failed(problems)


def with_folder_only(args: argparse.Namespace) -> Settings:
    from assistant.ingest.store import with_folder

    return with_folder(settings_from(args))


def failed(lines: list[str]) -> int:
    """Each failure as an error line on stderr; the exit code."""
    for line in lines:
        print(f"error: {line}", file=sys.stderr)
    return 2 if lines else 0


def positive(value: str) -> int:
    """A whole number of 1 or more, for `--max-items`."""
    if not value.strip().isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r}: must be a whole number of 1 or more")
    return int(value)


def shown_time(iso: str) -> str:
    """An ISO time in UTC as the local "2025-05-01 14:03"."""
    try:
        return datetime.datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


def add_web_commands(
    command: Callable[..., argparse.ArgumentParser],
) -> list[tuple[str, argparse.ArgumentParser]]:
    """The five commands, made with the parser's `command(name, about)`."""
    add = command("add", "fetch web pages by address into the folder, then ingest them")
    add.add_argument("url", nargs="+", help="the page's address (http:// or https://)")
    add.set_defaults(run=cmd_add)
    follow = command("follow", "follow an RSS or Atom feed: `assistant refresh` fetches its items")
    follow.add_argument("url", help="the feed's address")
    follow.set_defaults(run=cmd_follow)
    feeds = command("feeds", "list the feeds the folder follows, with their last refresh")
    feeds.set_defaults(run=cmd_feeds)
    unfollow = command("unfollow", "stop following a feed (the pages saved from it stay)")
    unfollow.add_argument("url", help="the feed's address, as `assistant feeds` lists it")
    unfollow.set_defaults(run=cmd_unfollow)
    refresh = command("refresh", "fetch the new items of the feeds followed, then ingest them")
    refresh.add_argument("url", nargs="*", help="only these feeds (default: all)")
    refresh.add_argument(
        "--max-items", type=positive, default=20, metavar="N",
        help="new items fetched per feed per refresh; the rest wait for the next (default: 20)",
    )  # fmt: skip
    refresh.set_defaults(run=cmd_refresh)
    return [("add", add), ("follow", follow), ("feeds", feeds), ("unfollow", unfollow),
            ("refresh", refresh)]  # fmt: skip
