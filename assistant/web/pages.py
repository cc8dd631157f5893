"""A fetched page saved into the folder under a readable name, with where it came from.

Why: the assistant answers from a folder of files; a page from the web joins it as the
file a browser would have saved, so ingest, citations and `assistant show` treat it like
any other. It is saved only once it is known to hold article text (the same extraction
ingest runs), so a menu page, an error page or a paywall notice never lands in the
folder; the file and its origin (`origin.py`) are each written whole or not at all.
The name is the site and the headline, `example.com-chip-export-rules-tighten.html`; a
page fetched again from the same address replaces its file instead of adding another.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from assistant.atomic import replaced_on_success
from assistant.ingest.folder import free_name
from assistant.web.fetch import Fetched, Fetcher, WebError
from assistant.web.origin import Origin, read_origin, saved_addresses, write_origin

if TYPE_CHECKING:
    from assistant.ingest.formats import Extracted

Extract = Callable[[Path, bytes], "Extracted"]  # formats.extract, or one under limits
SUFFIXES = {"application/pdf": ".pdf"}  # any other accepted type is a web page: .html
NAME_CHARS = 60  # of the headline, in a file's name


@dataclass(frozen=True)
class Saved:
    url: str
    name: str  # the file, relative to the folder
    title: str | None
    changed: bool  # False: the page was saved before with these very bytes


def readable_name(url: str, title: str | None, suffix: str) -> str:
    """ "example.com-chip-export-rules-tighten.html": the site, then the headline (or the
    address's last part), in lower-case ASCII words."""
    parts = urlsplit(url)
    site = (parts.hostname or "page").removeprefix("www.")
    words = title or parts.path.rstrip("/").rsplit("/", 1)[-1].rsplit(".", 1)[0] or "page"
    plain = unicodedata.normalize("NFKD", words).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:NAME_CHARS].rstrip("-")
    return f"{site}-{slug or 'page'}{suffix}"


def save_page(
    fetched: Fetched,
    folder: Path,
    known: dict[str, Path],
    feed: str = "",
    extract: Extract | None = None,
) -> Saved:
    """Check the page holds an article (by `extract`: ingest's extraction, in this process
    unless another is given), then save it, into `known`'s file for its address if there
    is one, with its origin. Raises `WebError` naming the address otherwise."""
    from assistant.ingest.formats import NotAnArticle
    from assistant.ingest.formats import extract as in_process

    extract = extract or in_process
    suffix = SUFFIXES.get(fetched.content_type, ".html")
    try:
        article = extract(Path("page" + suffix), fetched.body)
    except NotAnArticle as exc:
        raise WebError(f"{fetched.url}: {exc}") from None
    sha256 = hashlib.sha256(fetched.body).hexdigest()
    target = known.get(fetched.url)
    if target is None or target.suffix.lower() != suffix or not target.is_file():
        target = free_name(folder, readable_name(fetched.url, article.title, suffix))
    elif target.read_bytes() == fetched.body and read_origin(target, sha256) is not None:
        return Saved(fetched.url, _source(target, folder), article.title, changed=False)
    final = fetched.final_url if fetched.final_url != fetched.url else ""
    # the origin first: a page whose origin is not written yet has none, never a wrong one
    write_origin(target, Origin(fetched.url, fetched.fetched_at, sha256, final, feed))
    with replaced_on_success(target) as partial:
        partial.write_bytes(fetched.body)
    known[fetched.url] = target
    return Saved(fetched.url, _source(target, folder), article.title, changed=True)


def _source(path: Path, folder: Path) -> str:
    return path.relative_to(folder).as_posix()


@dataclass
class Added:
    saved: list[Saved]
    failed: list[str]  # one line each, naming the address


def add_pages(
    urls: list[str], folder: Path, fetcher: Fetcher, extract: Extract | None = None
) -> Added:
    """Fetch each address and save its page into `folder` (none is saved half-way)."""
    known = saved_addresses(folder)
    added = Added([], [])
    for url in dict.fromkeys(u.strip() for u in urls if u.strip()):
        try:
            added.saved.append(save_page(fetcher.get(url), folder, known, extract=extract))
        except WebError as exc:
            added.failed.append(str(exc))
    return added
