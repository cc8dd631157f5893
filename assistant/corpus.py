"""Read a folder of articles, exactly as `open(path).read()` sees them.

Offsets everywhere in the assistant index into the text this module returns, so
it decodes files the same way Python's text mode does (UTF-8, universal
newlines). Files that cannot be read as articles are reported, not fatal.
`iter_corpus` reads one file at a time, so ingest holds one article's text
however large the folder; a file over the size limit is skipped before it is
read, since its text, and the time to embed it, grow with it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import yaml

from assistant.answer import DateNote
from assistant.dates import ArticleDate, article_date, described, reading, resolve
from assistant.errors import CorpusUnavailable

ARTICLE_SUFFIXES = (".txt", ".md")
MAX_FILE_MB = 50  # the default of the max_file_mb setting


@dataclass(frozen=True)
class Article:
    source: str  # path relative to the corpus folder, with forward slashes
    path: Path
    text: str
    sha256: str
    title: str | None = None
    date: str | None = None  # ISO 8601 (YYYY-MM-DD) when the article states it

    # Worked out only for the files ingest embeds, not for every file it reads.
    @cached_property
    def published(self) -> ArticleDate:
        return article_date(self.text, self.source)

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
    """Every article file under `folder`, in a stable order; hidden files left out."""
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.is_file() and path.suffix.lower() in ARTICLE_SUFFIXES:
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


def text_reader(root: Path, max_mb: float = MAX_FILE_MB) -> ReadText:
    """source -> the article's text as offsets see it, or None if it cannot be read
    (or has grown past `max_mb` since it was ingested: it is not read into memory)."""

    folder = root.resolve()

    def read_text(source: str) -> str | None:
        path = (folder / source).resolve()
        if not path.is_relative_to(folder):  # a source name from the store is not trusted
            return None
        try:
            if too_large(path.stat().st_size, max_mb):
                return None
            return decode(path.read_bytes())
        except (OSError, UnreadableArticle):
            return None

    return read_text


def too_large(size: int, max_mb: float) -> str | None:
    """Why a file of `size` bytes is not read, or None if it is within the limit."""
    if size <= max_mb * 1_000_000:
        return None
    mb = size / 1e6
    shown = f"{mb:.1f}" if mb < 10 else f"{mb:.0f}"
    return f"the file is {shown} MB; the limit is {max_mb:g} MB (setting max_file_mb)"


def read_article(path: Path, root: Path, max_mb: float = MAX_FILE_MB) -> Article:
    source = path.relative_to(root).as_posix()
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
    text = decode(data)
    if not text.strip():
        raise UnreadableArticle("empty file")
    title, date = extract_title_and_date(text, markdown=path.suffix.lower() == ".md")
    return Article(
        source=source,
        path=path.resolve(),
        text=text,
        sha256=hashlib.sha256(data).hexdigest(),
        title=title,
        date=date,
    )


def date_notes(text: str, published: ArticleDate) -> tuple[DateNote, ...]:
    """Each relative date expression of the article and the date it means."""
    notes = []
    for r in resolve(text, published):
        said = reading(r)
        if said is not None:
            iso = r.label if r.date is not None and not r.label.startswith("week") else None
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
            "(ASSISTANT_SOURCE_DIR) at a folder of .txt or .md articles."
        )


def iter_corpus(folder: Path, max_mb: float = MAX_FILE_MB) -> Iterator[Article | Skipped]:
    """Each article of the folder, read when it is asked for, or why it was skipped."""
    check_folder(folder)
    for path in discover(folder):
        try:
            yield read_article(path, folder, max_mb)
        except UnreadableArticle as exc:
            yield Skipped(path.relative_to(folder).as_posix(), str(exc))


def load_corpus(folder: Path, max_mb: float = MAX_FILE_MB) -> tuple[list[Article], list[Skipped]]:
    """Every article in memory at once: for small folders (tests, evals), not for ingest."""
    articles: list[Article] = []
    skipped: list[Skipped] = []
    for item in iter_corpus(folder, max_mb):
        if isinstance(item, Article):
            articles.append(item)
        else:
            skipped.append(item)
    return articles, skipped


# --- title and date --------------------------------------------------------

_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}
_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE_PATTERNS = [
    (re.compile(rf"\b(\d{{1,2}}) {_MONTH},? (\d{{4}})", re.I), ("d", "m", "y")),
    (re.compile(rf"\b{_MONTH} (\d{{1,2}}),? (\d{{4}})", re.I), ("m", "d", "y")),
    (re.compile(r"\b(\d{4})[-./] ?(\d{1,2})[-./] ?(\d{1,2})\b"), ("y", "m", "d")),
]
HEADER_LINES = 8


def parse_date(line: str) -> str | None:
    for pattern, order in _DATE_PATTERNS:
        match = pattern.search(line)
        if not match:
            continue
        parts = dict(zip(order, match.groups(), strict=True))
        month = parts["m"]
        m = int(month) if month.isdigit() else _MONTHS.get(month.lower().rstrip("."))
        d, y = int(parts["d"]), int(parts["y"])
        if m and 1 <= m <= 12 and 1 <= d <= 31 and 1900 <= y <= 2100:
            return f"{y:04d}-{m:02d}-{d:02d}"
    return None


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


def extract_title_and_date(text: str, markdown: bool = False) -> tuple[str | None, str | None]:
    """Title and publication date, where the article's header states them."""
    title = date = None
    if markdown and text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end > 0:
            try:
                meta = yaml.safe_load(text[4:end]) or {}
            except yaml.YAMLError:
                meta = {}
            if isinstance(meta, dict):
                title = str(meta["title"]) if meta.get("title") else None
                date = parse_date(str(meta.get("date", ""))) or None
    lines = _head_lines(text)
    header = [(i, line.strip()) for i, line in enumerate(lines) if line.strip()][:HEADER_LINES]
    for i, line in header:
        if title is None and markdown and line.startswith("# "):
            title = line[2:].strip()
        elif title is None and _looks_like_title(line, lines[i + 1] if i + 1 < len(lines) else ""):
            title = line
        if date is None:
            date = parse_date(line)
    return title, date
