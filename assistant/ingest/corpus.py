"""Read a folder of articles, exactly as `open(path).read()` sees them.

Offsets everywhere in the assistant index into the text this module returns, so
it decodes files the same way Python's text mode does (UTF-8, universal
newlines). Files that cannot be read as articles are reported, not fatal.
`iter_corpus` reads one file at a time, so ingest holds one article's text
however large the folder; a file over the size limit is skipped before it is
read, since its text, and the time to embed it, grow with it. The title is read
here from the header; the date is `dates.article_date`'s, the one parser of an
article's date, worked out only when asked for.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import yaml

from assistant.atomic import replaced_on_success
from assistant.dates import ArticleDate, article_date, described, reading, resolve
from assistant.dates.article import HEADER_LINES
from assistant.errors import ArticleUnavailable, CorpusUnavailable
from assistant.schema import DateNote

TEXT_SUFFIXES = (".txt", ".md")  # read as they are: offsets index the file itself
EXTRACTED_SUFFIXES = (".html", ".htm", ".pdf")  # offsets index the text extracted from them
ARTICLE_SUFFIXES = TEXT_SUFFIXES + EXTRACTED_SUFFIXES
MAX_FILE_MB = 50  # the default of the max_file_mb setting


@dataclass(frozen=True)
class Article:
    source: str  # path relative to the corpus folder, with forward slashes
    path: Path
    text: str
    sha256: str
    title: str | None = None
    # a saved page's publication date from its own metadata: (YYYY-MM-DD, where from)
    stated: tuple[str, str] | None = None

    # Worked out only for the files ingest embeds, not for every file it reads.
    @cached_property
    def published(self) -> ArticleDate:
        """Its date and how we know it: the page's metadata, else `dates.article_date`."""
        if self.stated is not None:
            return metadata_date(*self.stated, source=self.source)
        return article_date(self.text, self.source)

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
    source: str
    reason: str


class UnreadableArticle(Exception):
    pass


def discover(folder: Path) -> Iterator[Path]:
    """Every file under `folder`, in a stable order; hidden files and folders left out
    (the others are read, or listed as skipped with the reason)."""
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.is_file():
            yield path


def decode(data: bytes) -> str:
    """Bytes to text as `open(path, encoding='utf-8').read()` would give it."""
    if b"\x00" in data:
        raise UnreadableArticle("binary file (contains NUL bytes)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnreadableArticle(f"not UTF-8 text (byte {exc.start})") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


# source -> the article's text as offsets see it, or None if it cannot be read
ReadText = Callable[[str], str | None]


def text_reader(root: Path, max_mb: float = MAX_FILE_MB, texts: Path | None = None) -> ReadText:
    """source -> the article's text as offsets see it, or None if it cannot be read
    (or has grown past `max_mb` since it was ingested: it is not read into memory).
    For a saved page or a PDF that is the text extracted from it, kept under `texts`
    by the file's sha256 (so a quote never moves while the file is unchanged)."""

    folder = root.resolve()

    def read_text(source: str) -> str | None:
        path = (folder / source).resolve()
        if not path.is_relative_to(folder):  # a source name from the store is not trusted
            return None
        try:
            if too_large(path.stat().st_size, max_mb):
                return None
            data = path.read_bytes()
            if path.suffix.lower() in EXTRACTED_SUFFIXES:
                kept = _kept(data, texts)
                return _read_kept(kept) if kept else extracted(path, data, texts).text
            return decode(data)
        except (OSError, UnreadableArticle):
            return None

    return read_text


def article_text(read: ReadText, source: str, folder: Path) -> str:
    """The text `read` gives for `source`, or an `ArticleUnavailable` that says so."""
    text = read(source)
    if text is None:
        raise ArticleUnavailable(
            f"No readable article {source!r} in {folder} (names are as in an answer's "
            "sources, relative to the folder; `assistant ingest --list` shows the folders)."
        )
    return text


@dataclass(frozen=True)
class Text:
    """An article's text and what its file says of it (title, stated date)."""

    text: str
    title: str | None = None
    stated: tuple[str, str] | None = None


def extracted(path: Path, data: bytes, texts: Path | None) -> Text:
    """The main text of a saved page or a PDF: read from `texts/<sha256>.txt` when an
    earlier run kept it, else extracted (`formats.py`) and kept there."""
    from assistant.ingest.formats import NotAnArticle, extract

    try:
        page = extract(path, data)
    except NotAnArticle as exc:
        raise UnreadableArticle(str(exc)) from None
    stated = (page.published, page.published_from) if page.published else None
    kept = _kept(data, texts)
    if kept is not None:  # the text kept before is the one the offsets index
        return Text(_read_kept(kept), page.title, stated)
    if texts is not None:
        target = texts / f"{hashlib.sha256(data).hexdigest()}.txt"
        with replaced_on_success(target) as partial:
            partial.write_text(page.text, encoding="utf-8", newline="")
    return Text(page.text, page.title, stated)


def _kept(data: bytes, texts: Path | None) -> Path | None:
    """The text kept for these bytes, if an earlier run kept it."""
    kept = texts / f"{hashlib.sha256(data).hexdigest()}.txt" if texts else None
    return kept if kept is not None and kept.is_file() else None


def _read_kept(kept: Path) -> str:
    with kept.open(encoding="utf-8", newline="") as handle:  # exactly as written
        return handle.read()


def too_large(size: int, max_mb: float) -> str | None:
    """Why a file of `size` bytes is not read, or None if it is within the limit."""
    if size <= max_mb * 1_000_000:
        return None
    mb = size / 1e6
    shown = f"{mb:.1f}" if mb < 10 else f"{mb:.0f}"
    return f"the file is {shown} MB; the limit is {max_mb:g} MB (setting max_file_mb)"


def read_article(
    path: Path, root: Path, max_mb: float = MAX_FILE_MB, texts: Path | None = None
) -> Article:
    """The article in `path`: a text or Markdown file as it is; a saved page or a PDF as
    its extracted text (kept under `texts`). Raises `UnreadableArticle` with the reason."""
    source = path.relative_to(root).as_posix()
    suffix = path.suffix.lower()
    if suffix not in ARTICLE_SUFFIXES:
        raise UnreadableArticle(
            f"not a kind of file read as an article ({suffix or 'no extension'}): "
            f"{', '.join(ARTICLE_SUFFIXES)} are"
        )
    real = path.resolve()
    if not real.is_relative_to(root.resolve()):  # a link out of the folder: not an article
        raise UnreadableArticle("a link to a file outside the article folder")
    try:
        reason = too_large(path.stat().st_size, max_mb)
        if reason:
            raise UnreadableArticle(reason)
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableArticle(f"cannot read ({exc.strerror or exc})") from None
    if suffix in EXTRACTED_SUFFIXES:
        found = extracted(path, data, texts)
    else:
        text = decode(data)
        found = Text(text, extract_title(text, markdown=suffix == ".md"))
    if not found.text.strip():
        raise UnreadableArticle("empty file" if not data.strip() else "no article text in it")
    return Article(
        source=source,
        path=path.resolve(),
        text=found.text,
        sha256=hashlib.sha256(data).hexdigest(),
        title=found.title,
        stated=found.stated,
    )


def metadata_date(iso: str, origin: str, source: str = "") -> ArticleDate:
    """A saved page's publication date as its metadata states it (`origin` says which
    field: "the page's metadata (article:published_time)")."""
    day = datetime.date.fromisoformat(iso)
    return ArticleDate(day, "day", "stated", None, 0.95, note=origin, source=source)


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
    folder: Path, max_mb: float = MAX_FILE_MB, texts: Path | None = None
) -> Iterator[Article | Skipped]:
    """Each article of the folder, read when it is asked for, or why it was skipped."""
    check_folder(folder)
    for path in discover(folder):
        try:
            yield read_article(path, folder, max_mb, texts)
        except UnreadableArticle as exc:
            yield Skipped(path.relative_to(folder).as_posix(), str(exc))


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


def _front_matter_title(text: str) -> str | None:
    """The `title:` of a Markdown file's YAML front matter, if it has one."""
    end = text.find("\n---", 4) if text.startswith("---\n") else -1
    if end < 0:
        return None
    try:
        meta = yaml.safe_load(text[4:end]) or {}
    except yaml.YAMLError:
        return None
    return str(meta["title"]) if isinstance(meta, dict) and meta.get("title") else None


def extract_title(text: str, markdown: bool = False) -> str | None:
    """The article's title, where its header states one: a Markdown file's front
    matter `title:` or `# heading`, else a standalone headline line."""
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
