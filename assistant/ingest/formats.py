"""Saved web pages and text PDFs as articles: their text, title and publication date.

Why: `corpus` reads `.txt`/`.md` exactly as `open().read()`, and citations are
character offsets into that text. A saved page or a PDF is not its text, so this
module extracts the text once; ingest stores it, and offsets refer to it. The text
is deterministic (the same bytes give the same text) and is paragraphs separated
by a blank line, with trailing whitespace stripped and "\\n" line endings.

Pages: trafilatura, chosen by `python -m benchmarks.extraction` (benchmarks/extraction.md)
on the 7 saved news pages of evals/corpus2 (78 body paragraphs, 135 furniture strings:
navigation, ads, cookie banners, comments, related links, newsletter boxes). All three
candidates kept every body paragraph, so furniture decided: trafilatura 2.3.1 let none
through (0/135) at 3.3 ms a page; newspaper4k 0.9.6 let 3 through (2%) at 25 ms and
pins python-dateutil<3, which clashes with this venv; readability-lxml 0.9 let 12
through (9%: newsletter boxes, ads, polls, "related" links) at 4.2 ms. trafilatura's
favor_precision mode tied, and favor_recall let 2 through, so the default balanced
mode is used. On the 3 pages of tests/test_formats.py the order is the same
(readability-lxml let 5 of 31 through, newspaper4k 1). The text is trafilatura's XML
tree, one paragraph per block (paragraph, heading, list, quote, table), less a leading
headline that repeats the title.

The date is the page's own statement of PUBLICATION, never of modification.
In order we read `article:published_time`, JSON-LD `datePublished` (of an
Article-like node, also inside `@graph`), `itemprop="datePublished"`, the other
usual meta names, then a `<time datetime>` that is not an update's. We do not use
htmldate (trafilatura's date finder): even with `original_date=True` it falls
back to `article:modified_time`, an "updated" `<time>` or the copyright year
when it finds nothing better. With no date, `dates.article_date` reads the text.

PDFs: pypdf, the text of every page, pages separated by a blank line; within a page
the lines are pypdf's, since a PDF does not mark its paragraphs. pypdf is pure Python and
reads the text layer only: a scanned PDF is refused with a reason (OCR it first).

Offline: nothing here opens a connection. trafilatura and htmldate download only
when handed a URL (htmldate fetches any `str` starting with "http"), so they get
the file's bytes or its parsed tree, never a `str`, and no `url`. Deduplication stays
off because its cache spans calls and would make the text depend on earlier files. The
libraries are imported inside the functions, so `import assistant` stays cheap.
"""

from __future__ import annotations

import datetime
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.ingest.rules import Limits

if TYPE_CHECKING:
    from lxml.html import HtmlElement
    from pypdf import PdfReader

SUFFIXES = (".html", ".htm", ".pdf")


@dataclass(frozen=True)
class Extracted:
    text: str  # the article's main text: paragraphs separated by a blank line
    title: str | None
    published: str | None  # ISO date "YYYY-MM-DD" of publication, from the file's own metadata
    published_from: str  # where that came from, for people; "" when there is none
    extractor: str  # e.g. "trafilatura 2.3.1", "pypdf 7.1.1"
    # every publication date the metadata states, (day, where), the first most trusted:
    # `published` is the first; the others may conflict with it
    stated: tuple[tuple[str, str], ...] = ()


class NotAnArticle(Exception):
    """Why a file gives no article text (the message is shown to the user)."""


def extract(path: Path, data: bytes, limits: Limits | None = None) -> Extracted:
    """The article in a saved page (`.html`, `.htm`) or a PDF, from the file's bytes
    (a PDF within `limits`' page count and inflated size). In this process: ingest
    calls it in a worker that it can stop (`worker.Extractor`)."""
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        return _from_html(data)
    if suffix == ".pdf":
        return _from_pdf(data, limits or Limits())
    raise NotAnArticle(f"not a saved web page or PDF (the suffix is {path.suffix or 'missing'!r})")


def _joined(blocks: Iterable[str]) -> str:
    """Blocks as paragraphs: "\\n" line endings, no trailing spaces, one blank line between."""
    cleaned = []
    for block in blocks:
        lines = block.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        text = "\n".join(line.rstrip() for line in lines).strip("\n")
        if text.strip():
            cleaned.append(text)
    return re.sub(r"\n{3,}", "\n\n", "\n\n".join(cleaned))


# --- web pages -------------------------------------------------------------------

PUBLISHED_META = (  # meta name/property -> the date of publication, most specific first
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publication_date",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.issued",
    "citation_publication_date",
    "dc.date",
    "date",
)
NOT_PUBLISHED = re.compile(r"modif|updat|edit|revis", re.I)  # a <time> of a later change
ISO_DAY = re.compile(
    r"\s*(?:(\d{4})-(\d{2})-(\d{2})|(\d{4})(\d{2})(\d{2})|(\d{4})/(\d{2})/(\d{2}))(?!\d)"
)
TIME_PLACES = (  # where a <time> states the article's date, most telling first
    "//time[@pubdate][@datetime]",
    "(//article)[1]//time[@datetime]",
    "//time[@datetime][not(ancestor::aside or ancestor::nav or ancestor::footer"
    " or ancestor::*[contains(@class, 'comment') or contains(@class, 'related')])]",
)
SITE_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ", " • ")


def _iso_day(value: str | None) -> str | None:
    """The day an ISO-like date/time states, as written (no time zone conversion)."""
    match = ISO_DAY.match(value or "")
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups() if g is not None)
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        return None


def _clean(text: str | None) -> str | None:
    text = " ".join((text or "").split())
    return text or None


def _meta(tree: HtmlElement, key: str) -> str | None:
    for elem in tree.iter("meta"):
        name = (elem.get("property") or elem.get("name") or elem.get("itemprop") or "").lower()
        if name == key and _clean(elem.get("content")):
            return _clean(elem.get("content"))
    return None


def _types(node: dict[str, Any]) -> list[str]:
    kinds = node.get("@type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return [str(k).rsplit("/", 1)[-1].rsplit(":", 1)[-1] for k in kinds if k]


def _json_ld(tree: HtmlElement) -> Iterator[dict[str, Any]]:
    """Every JSON-LD node of the page: top-level, in lists and in `@graph`."""

    def walk(data: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
        if depth > 8:
            return
        if isinstance(data, list):
            for item in data:
                yield from walk(item, depth + 1)
        elif isinstance(data, dict):
            yield data
            yield from walk(data.get("@graph"), depth + 1)

    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() == "application/ld+json":
            try:
                data = json.loads(script.text or "", strict=False)
            except ValueError:
                continue
            yield from walk(data)


def _is_article(node: dict[str, Any]) -> bool:
    return any(k.endswith(("Article", "BlogPosting")) or k == "Report" for k in _types(node))


def _stated_dates(tree: HtmlElement, articles: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Every publication date the page's metadata states, and where, most trusted first;
    a `<time datetime>` only when the metadata states none."""
    found = []
    day = _iso_day(_meta(tree, "article:published_time"))
    if day:
        found.append((day, "the page's metadata (article:published_time)"))
    for node in articles:
        day = _iso_day(str(node.get("datePublished") or ""))
        if day:
            found.append((day, f"JSON-LD datePublished ({_types(node)[0]})"))
    for elem in tree.xpath("//*[@itemprop='datePublished']"):
        day = _iso_day(elem.get("datetime") or elem.get("content") or elem.text_content())
        if day:
            found.append((day, 'the page\'s markup (itemprop="datePublished")'))
    for key in PUBLISHED_META[1:]:
        day = _iso_day(_meta(tree, key))
        if day:
            found.append((day, f"the page's metadata ({key})"))
    return list(dict.fromkeys(found)) or _time_date(tree)


def _time_date(tree: HtmlElement) -> list[tuple[str, str]]:
    """The date of the first `<time datetime>` that is not an update's, where it tells."""
    for where in TIME_PLACES:
        for elem in tree.xpath(where):
            marks = " ".join(elem.get(a) or "" for a in ("class", "itemprop", "id"))
            parent = elem.getparent()
            marks += " " + (parent.get("class") or "" if parent is not None else "")
            day = _iso_day(elem.get("datetime"))
            if day and not NOT_PUBLISHED.search(marks):
                return [(day, "<time datetime>")]
    return []


def _without_site(title: str | None, sites: set[str], heading: str | None) -> str | None:
    """A <title> less its " | Site name": only when the site name or the page's <h1> shows
    which part is the headline, so a headline with a dash in it is never cut."""
    if not title:
        return None
    for sep in SITE_SEPARATORS:
        head, found, tail = title.rpartition(sep)
        if found and (tail.casefold() in sites or head.casefold() == heading):
            return head.strip()
        tail, found, head = title.partition(sep)
        if found and tail.casefold() in sites:
            return head.strip()
    return title


def _titles(
    tree: HtmlElement, articles: list[dict[str, Any]], nodes: list[dict[str, Any]]
) -> list[str]:
    """The page's titles, the one to show first: og:title, the JSON-LD headline, <title>,
    each less a " | Site name" it is known to carry; then the <h1>."""
    sites = {_meta(tree, "og:site_name"), _meta(tree, "application-name")}
    for node in nodes:
        publisher = node.get("publisher")
        if isinstance(publisher, dict):
            sites.add(_clean(str(publisher.get("name") or "")))
        if "WebSite" in _types(node):
            sites.add(_clean(str(node.get("name") or "")))
    known = {s.casefold() for s in sites if s}
    h1 = next((_clean(h.text_content()) for h in tree.iter("h1")), None)
    heading = h1.casefold() if h1 else None
    headline = next((_clean(str(n["headline"])) for n in articles if n.get("headline")), None)
    found = [
        _meta(tree, "og:title") or _meta(tree, "twitter:title"),
        headline,
        _clean(next((t.text_content() for t in tree.iter("title")), None)),
    ]
    titles = [_without_site(t, known, heading) for t in found]
    return [t for t in [*titles, h1] if t]


def _has_prose(text: str) -> bool:
    """Whether some line reads as prose: trafilatura's fallbacks turn a page of menus into
    "Home\nWorld\nLog in", which is not an article."""
    lines = (line.strip() for line in text.split("\n"))
    return any(len(line) >= 30 and not line.startswith(("- ", "|")) for line in lines)


def _from_html(data: bytes) -> Extracted:
    import trafilatura
    from trafilatura.settings import Document
    from trafilatura.xml import xmltotxt

    tree = trafilatura.load_html(data)  # bytes, never a str: htmldate fetches an "http…" str
    if tree is None:
        raise NotAnArticle("not a web page: the file cannot be parsed as HTML")
    nodes = list(_json_ld(tree))
    articles = [n for n in nodes if _is_article(n)]
    stated = _stated_dates(tree, articles)
    published, published_from = stated[0] if stated else (None, "")
    titles = _titles(tree, articles, nodes)
    title = titles[0] if titles else None
    document = trafilatura.bare_extraction(
        tree,  # copied by trafilatura, which prunes its copy
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        deduplicate=False,  # its cache spans calls: the text would depend on earlier files
        with_metadata=False,  # the date would be htmldate's (see the docstring)
    )
    body = document.body if isinstance(document, Document) else None
    blocks = [xmltotxt(block, False) for block in body] if body is not None else []
    blocks = [b for b in blocks if b.strip()]
    if title is None and blocks:  # none in the page's markup: trafilatura's
        title = _clean(trafilatura.extract_metadata(tree, extensive=False).title)
    if blocks and " ".join(blocks[0].split()).casefold() in {t.casefold() for t in titles}:
        blocks = blocks[1:]  # the headline, shown as the title, not repeated as the first line
    text = _joined(blocks)
    if not _has_prose(text):
        raise NotAnArticle(
            "no article text: the page has no main text (only menus, links or forms)"
        )
    extractor = f"trafilatura {trafilatura.__version__}"
    return Extracted(text, title, published, published_from, extractor, tuple(stated))


# --- PDFs ------------------------------------------------------------------------

FILE_NAME = re.compile(r"\.(docx?|odt|rtf|pdf|indd|tex|pptx?)$|^untitled\b", re.I)


def _from_pdf(data: bytes, limits: Limits) -> Extracted:
    import pypdf
    from pypdf.errors import DependencyError, LimitReachedError

    inflated = int(limits.max_pdf_inflated_mb * 1_000_000)
    caps = {  # pypdf's own caps, per stream, no higher than ours in all
        key: min(inflated, getattr(pypdf.get_configuration(), key))
        for key in ("zlib_maximum_output_length", "lzw_maximum_output_length",
                    "run_length_maximum_output_length", "brotli_maximum_output_length",
                    "array_based_stream_maximum_output_length")
    }  # fmt: skip
    try:
        with pypdf.apply_configuration(jbig2dec_binary=None, **caps):
            reader = pypdf.PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not reader.decrypt(""):
                raise NotAnArticle("an encrypted PDF: it needs a password to be read")
            pages = _pdf_pages(reader, limits)
            info = reader.metadata
            info_title = _clean(info.title) if info is not None else None
    except NotAnArticle:
        raise
    except DependencyError as exc:  # AES encryption needs the `cryptography` package
        raise NotAnArticle(f"an encrypted PDF that cannot be decrypted here ({exc})") from None
    except LimitReachedError as exc:  # a stream past a cap (ours, or pypdf's own)
        if "decompress" in str(exc):
            raise NotAnArticle(
                f"a stream of the PDF inflates to more than {limits.max_pdf_inflated_mb:g} MB, "
                "the limit (setting max_pdf_inflated_mb)"
            ) from None
        raise NotAnArticle(f"the PDF is past a limit of its reader, pypdf ({exc})") from None
    except Exception as exc:  # a broken file fails in many ways inside pypdf
        raise NotAnArticle(f"not a readable PDF ({type(exc).__name__}: {exc})") from None
    if not pages:
        raise NotAnArticle("the PDF has no pages")
    text = _joined(pages)
    if not text.strip():
        raise NotAnArticle("no text layer: a scanned PDF (images only); run OCR first")
    first_line = next(line.strip() for line in text.split("\n") if line.strip())
    title = info_title if info_title and not FILE_NAME.search(info_title) else first_line
    # No `published`: the info's /CreationDate (and /ModDate) is when the file was
    # made, not when the article was published; `dates.article_date` reads the text.
    return Extracted(text, title, None, "", f"pypdf {pypdf.__version__}")


def _pdf_pages(reader: PdfReader, limits: Limits) -> list[str]:
    """The text of each page, within the page count and the total size the pages'
    contents inflate to (pages may share one stream: each counts it again, as
    extracting each page's text reads it again)."""
    count = len(reader.pages)
    if count > limits.max_pdf_pages:
        raise NotAnArticle(
            f"the PDF has {count} pages; the limit is {limits.max_pdf_pages} "
            "(setting max_pdf_pages)"
        )
    budget, total, pages = limits.max_pdf_inflated_mb * 1_000_000, 0, []
    for number, page in enumerate(reader.pages, 1):
        contents = page.get_contents()
        total += len(contents.get_data()) if contents is not None else 0
        if total > budget:
            raise NotAnArticle(
                f"the PDF's pages inflate to {total / 1e6:.0f} MB by page {number} of {count}; "
                f"the limit is {limits.max_pdf_inflated_mb:g} MB (setting max_pdf_inflated_mb)"
            )
        pages.append(page.extract_text() or "")
    return pages
