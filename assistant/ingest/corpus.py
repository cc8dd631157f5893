"""Read a folder of articles, exactly as `open(path).read()` sees them.

Offsets everywhere in the assistant index into the text this module returns, so
it decodes files the same way Python's text mode does (UTF-8, universal
newlines; a text with a UTF-16 or UTF-32 byte order mark is decoded as that).
Files that cannot be read as articles are reported, not fatal: whatever goes
wrong with one file (a name that is not UTF-8, a FIFO, a library's error) makes
it a `Skipped` with the reason, and the rest of the folder is read.
`iter_corpus` reads one file at a time, so ingest holds one article's text
however large the folder; a file over its size limit (`rules`) is skipped before
it is read, and a saved page's or PDF's text is extracted in a worker process
that is stopped past its time or memory budget (`worker`). The title is read
here from the header; the date is `dates.publication_date`'s, worked out only
when asked for.
"""

from __future__ import annotations

import codecs
import datetime
import hashlib
import logging
import os
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import yaml

from assistant.atomic import replaced_on_success
from assistant.dates import ArticleDate, described, publication_date, reading, resolve
from assistant.dates.article import HEADER_LINES
from assistant.errors import ArticleUnavailable, CorpusUnavailable
from assistant.ingest.rules import (
    ARTICLE_SUFFIXES,
    EXTRACTED_SUFFIXES,
    MAX_FILE_MB,
    TEXT_SUFFIXES,
    Limits,
    kind_reason,
    name_reason,
    not_regular,
    size_reason,
)
from assistant.ingest.shown import shown_name, utf8_name
from assistant.ingest.worker import Extractor
from assistant.schema import DateNote

__all__ = ["ARTICLE_SUFFIXES", "EXTRACTED_SUFFIXES", "MAX_FILE_MB", "TEXT_SUFFIXES"]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Article:
    source: str  # path relative to the corpus folder, with forward slashes
    path: Path
    text: str
    sha256: str
    title: str | None = None
    # a saved page's publication dates from its own metadata, (YYYY-MM-DD, where from),
    # the most trusted first
    stated: tuple[tuple[str, str], ...] = ()

    # Worked out only for the files ingest embeds, not for every file it reads.
    @cached_property
    def published(self) -> ArticleDate:
        """Its date and how we know it: the page's metadata, else its text's; a date that
        cannot be a publication date is ignored (`dates.publication_date`)."""
        today = datetime.date.today()
        return publication_date(self.text, self.stated, self.source, today)

    @property
    def date(self) -> str | None:
        """Its date as ISO 8601 (YYYY-MM-DD) when its header states one, else None."""
        return _stated_iso(self.published)

    @property
    def date_basis(self) -> str:
        """Its date and where that came from (`dates.described`)."""
        return described(self.published)

    @cached_property
    def dates(self) -> tuple[DateNote, ...]:
        """Its relative date expressions, resolved."""
        return date_notes(self.text, self.published)


@dataclass(frozen=True)
class Skipped:
    source: str  # as it can be printed (`shown.shown_name`)
    reason: str


class UnreadableArticle(Exception):
    pass


def discover(folder: Path, exclude: Sequence[Path] = ()) -> Iterator[Path]:
    """Every file under `folder`, in a stable order; hidden files and folders left out,
    and the folders in `exclude` (the store, when it is kept inside the folder). The
    others are read, or listed as skipped with the reason."""
    root = folder.resolve()
    left_out = [e.resolve().relative_to(root).parts for e in exclude if _inside(e, root)]
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).parts
        if any(part.startswith(".") for part in rel):
            continue
        if any(rel[: len(parts)] == parts for parts in left_out):
            continue
        if not path.is_dir():  # a FIFO or a broken link too: listed as skipped, and why
            yield path


def _inside(path: Path, root: Path) -> bool:
    return path.resolve().is_relative_to(root) and path.resolve() != root


BOM = "\ufeff"  # a UTF-8 byte order mark, as it decodes
BOMS = (  # the UTF-32 marks first: FF FE 00 00 starts with UTF-16's FF FE
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode(data: bytes) -> str:
    """Bytes to text as `open(path, encoding='utf-8').read()` would give it (a UTF-8
    byte order mark is kept, as it does); UTF-16 and UTF-32 by their byte order mark."""
    codec = next((name for bom, name in BOMS if data.startswith(bom)), None)
    if codec is None and b"\x00" in data:
        raise UnreadableArticle(_nul_reason(data))
    try:
        text = data.decode(codec or "utf-8")
    except UnicodeDecodeError as exc:
        said = f"{codec.upper()} text, as its byte order mark says" if codec else "UTF-8 text"
        raise UnreadableArticle(f"not {said} (byte {exc.start})") from None
    if "\x00" in text:
        raise UnreadableArticle("binary file (contains NUL characters)")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _nul_reason(data: bytes) -> str:
    """Why bytes with NULs are not read: binary, or UTF-16 without a byte order mark."""
    head = data[:4096]
    odd, even = head[1::2].count(0), head[0::2].count(0)
    if len(head) >= 8 and max(odd, even) > 0.3 * len(head) / 2 and min(odd, even) == 0:
        return "UTF-16 text without a byte order mark: save it as UTF-8"
    return "binary file (contains NUL bytes)"


# source -> the article's text as offsets see it, or None if it cannot be read
ReadText = Callable[[str], str | None]


def text_reader(
    root: Path,
    max_mb: float = MAX_FILE_MB,
    texts: Path | None = None,
    limits: Limits | None = None,
) -> ReadText:
    """source -> the article's text as offsets see it, or None if it cannot be read
    (or has grown past its size limit since it was ingested: it is not read into
    memory; `limits`, when given, holds the limits, else `max_mb` is the one). For a
    saved page or a PDF that is the text extracted from it, kept under `texts` by the
    file's sha256 (so a quote never moves while the file is unchanged). Only regular
    files are read: a FIFO named like an article gives None at once."""

    folder = root.resolve()
    within = limits or Limits(max_file_mb=max_mb)

    def read_text(source: str) -> str | None:
        path = (folder / source).resolve()
        if not path.is_relative_to(folder):  # a source name from the store is not trusted
            return None
        try:
            data = read_regular(path, within)
            if path.suffix.lower() in EXTRACTED_SUFFIXES:
                kept = _kept(data, texts)
                if kept:
                    return _read_kept(kept)
                with Extractor(within) as extractor:
                    return extracted(path, data, texts, extractor).text
            return decode(data)
        except (OSError, UnreadableArticle):
            return None

    return read_text


def article_text(read: ReadText, source: str, folder: Path) -> str:
    """The text `read` gives for `source`, or an `ArticleUnavailable` that says so."""
    text = read(source)
    if text is None:
        try:
            odd = not_regular(os.stat(folder / source).st_mode)
        except (OSError, ValueError):
            odd = None
        if odd:
            raise ArticleUnavailable(f"{source!r} in {folder} is {odd}: it is not an article.")
        raise ArticleUnavailable(
            f"No readable article {source!r} in {folder} (names are as in an answer's "
            "sources, relative to the folder; `assistant ingest --list` shows the folders)."
        )
    return text


def read_regular(path: Path, limits: Limits) -> bytes:
    """The bytes of a regular file within its size limit; `UnreadableArticle` saying
    why not. Opened without blocking, so a FIFO is refused, never waited on."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise UnreadableArticle(f"cannot read ({exc.strerror or exc})") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        reason = not_regular(info.st_mode) or size_reason(info.st_size, path.suffix, limits)
        if reason:
            raise UnreadableArticle(reason)
        data = handle.read(info.st_size + 1)
    reason = size_reason(len(data), path.suffix, limits)  # grew while it was read
    if reason:
        raise UnreadableArticle(reason)
    return data


@dataclass(frozen=True)
class Text:
    """An article's text and what its file says of it (title, stated dates)."""

    text: str
    title: str | None = None
    stated: tuple[tuple[str, str], ...] = ()


def extracted(path: Path, data: bytes, texts: Path | None, extractor: Extractor) -> Text:
    """The main text of a saved page or a PDF: read from `texts/<sha256>.txt` when an
    earlier run kept it, else extracted (`formats.py`, in `extractor`'s worker) and
    kept there."""
    from assistant.ingest.formats import NotAnArticle

    try:
        page = extractor.extract(path, data)
    except NotAnArticle as exc:
        raise UnreadableArticle(str(exc)) from None
    kept = _kept(data, texts)
    if kept is not None:  # the text kept before is the one the offsets index
        return Text(_read_kept(kept), page.title, page.stated)
    if texts is not None:
        target = texts / f"{hashlib.sha256(data).hexdigest()}.txt"
        with replaced_on_success(target) as partial:
            partial.write_text(page.text, encoding="utf-8", newline="")
    return Text(page.text, page.title, page.stated)


def _kept(data: bytes, texts: Path | None) -> Path | None:
    """The text kept for these bytes, if an earlier run kept it."""
    kept = texts / f"{hashlib.sha256(data).hexdigest()}.txt" if texts else None
    return kept if kept is not None and kept.is_file() else None


def _read_kept(kept: Path) -> str:
    with kept.open(encoding="utf-8", newline="") as handle:  # exactly as written
        return handle.read()


def too_large(size: int, max_mb: float) -> str | None:
    """Why a file of `size` bytes is not read under `max_file_mb` alone, or None
    (`rules.size_reason` applies the limit of each kind of file too)."""
    return size_reason(size, "", Limits(max_file_mb=max_mb))


def read_article(
    path: Path, root: Path, limits: Limits, texts: Path | None, extractor: Extractor
) -> Article:
    """The article in `path`: a text or Markdown file as it is; a saved page or a PDF as
    its extracted text (kept under `texts`). Raises `UnreadableArticle` with the reason."""
    source = path.relative_to(root).as_posix()
    suffix = path.suffix.lower()
    reason = kind_reason(suffix)
    if reason:
        raise UnreadableArticle(reason)
    real = path.resolve()
    if not real.is_relative_to(root.resolve()):  # a link out of the folder: not an article
        raise UnreadableArticle("a link to a file outside the article folder")
    data = read_regular(path, limits)
    if suffix in EXTRACTED_SUFFIXES:
        found = extracted(path, data, texts, extractor)
    else:
        text = decode(data)
        found = Text(text, extract_title(text, markdown=suffix == ".md"))
    if not found.text.strip():
        raise UnreadableArticle("empty file" if not data.strip() else "no article text in it")
    return Article(
        source=source,
        path=real,
        text=found.text,
        sha256=hashlib.sha256(data).hexdigest(),
        title=found.title,
        stated=found.stated,
    )


def _stated_iso(published: ArticleDate) -> str | None:
    """The stated day as "YYYY-MM-DD", else None: an inferred month is only the date's
    basis (`Article.date_basis`), never shown as the article's date."""
    if published.basis != "stated" or published.date is None:
        return None
    return published.date.isoformat()


def date_notes(text: str, published: ArticleDate) -> tuple[DateNote, ...]:
    """Each relative date expression of the article and the date it means."""
    notes = []
    for r in resolve(text, published):
        said, label = reading(r), r.label
        if said is not None:
            iso = label if r.date is not None and label and not label.startswith("week") else None
            notes.append(
                DateNote(
                    start=r.start, end=r.end, expression=r.text, reading=said, iso=iso, note=r.note
                )
            )
    return tuple(notes)


def check_folder(folder: Path) -> None:
    if not folder.is_dir():
        raise CorpusUnavailable(
            f"The article folder {folder} does not exist: point --source-dir "
            "(ASSISTANT_SOURCE_DIR) at a folder of articles (.txt, .md, .html, .htm, .pdf)."
        )


def iter_corpus(
    folder: Path,
    max_mb: float = MAX_FILE_MB,
    texts: Path | None = None,
    limits: Limits | None = None,
    exclude: Sequence[Path] = (),
) -> Generator[Article | Skipped, None, None]:
    """Each article of the folder, read when it is asked for, or why it was skipped
    (`limits`, when given, holds the limits, else `max_mb` is the one; the folders in
    `exclude` are not read). Saved pages and PDFs are extracted in one worker process,
    stopped when the iteration ends."""
    check_folder(folder)
    within = limits or Limits(max_file_mb=max_mb)
    with Extractor(within) as extractor:
        for path in discover(folder, exclude):
            source = path.relative_to(folder).as_posix()
            reason = name_reason(source) if not utf8_name(source) else None
            try:
                if reason:
                    raise UnreadableArticle(reason)
                yield read_article(path, folder, within, texts, extractor)
            except UnreadableArticle as exc:
                yield Skipped(shown_name(source), str(exc))
            except Exception as exc:  # a bug on one strange file: that file is skipped
                log.debug("reading %s failed", shown_name(source), exc_info=True)
                yield Skipped(shown_name(source), f"cannot be read ({type(exc).__name__}: {exc})")


def load_corpus(
    folder: Path, max_mb: float = MAX_FILE_MB, texts: Path | None = None
) -> tuple[list[Article], list[Skipped]]:
    """Every article in memory at once: for small folders (tests, evals), not for ingest."""
    articles: list[Article] = []
    skipped: list[Skipped] = []
    for item in iter_corpus(folder, max_mb, texts):
        if isinstance(item, Article):
            articles.append(item)
        else:
            skipped.append(item)
    return articles, skipped


# --- title --------------------------------------------------------------------


def _looks_like_title(line: str, next_line: str) -> bool:
    """A headline: a standalone line of mostly Latin words, not a sentence."""
    if next_line.strip() or not 20 <= len(line) <= 200:
        return False
    letters = [c for c in line if c.isalpha()]
    if not letters or sum(c.isascii() for c in letters) / len(letters) < 0.9:
        return False
    return not line.rstrip().endswith((".", ",", ":", ";")) or line.endswith("...")


def _head_lines(text: str) -> list[str]:
    """The lines up to the one after the header's last: not a split of a 50 MB text."""
    lines: list[str] = []
    found, start = 0, 0
    while True:
        end = text.find("\n", start)
        lines.append(text[start:] if end < 0 else text[start:end])
        if end < 0 or found == HEADER_LINES:  # the text ended, or that was the line after
            return lines
        found += bool(lines[-1].strip())
        start = end + 1


FRONT_MATTER_CHARS = 65_536  # a longer "front matter" is not one (nor YAML to parse)


def _front_matter_title(text: str) -> str | None:
    """The `title:` of a Markdown file's YAML front matter, if it has one (a plain value:
    a YAML alias can make a list that prints to gigabytes)."""
    end = text.find("\n---", 4, FRONT_MATTER_CHARS) if text.startswith("---\n") else -1
    if end < 0:
        return None
    try:
        meta = yaml.safe_load(text[4:end]) or {}
    except yaml.YAMLError:
        return None
    title = meta.get("title") if isinstance(meta, dict) else None
    plain = isinstance(title, str | int | float | datetime.date) and not isinstance(title, bool)
    return str(title) if plain and title != "" else None


def extract_title(text: str, markdown: bool = False) -> str | None:
    """The article's title, where its header states one: a Markdown file's front
    matter `title:` or `# heading`, else a standalone headline line."""
    text = text.removeprefix(BOM)  # a UTF-8 byte order mark is not part of the title
    title = _front_matter_title(text) if markdown else None
    lines = _head_lines(text)
    header = [(i, line.strip()) for i, line in enumerate(lines) if line.strip()][:HEADER_LINES]
    for i, line in header:
        if title is not None:
            break
        if markdown and line.startswith("# "):
            title = line[2:].strip()
        elif _looks_like_title(line, lines[i + 1] if i + 1 < len(lines) else ""):
            title = line
    return title
