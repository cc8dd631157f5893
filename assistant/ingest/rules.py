"""Which files ingest reads, and the limits it reads each one within.

Why: a folder holds whatever its owner saved or was sent, so some files are huge,
hostile or odd, and one of them must never stop the rest from being read. The
limits are ingest's own, not the libraries' goodwill: a size limit per kind of file
(saved pages and PDFs cost far more to extract than their size, text costs its
size), a page count and a total inflated size for PDFs, and a time and memory
budget for the worker process that extracts a page or a PDF (`worker`). Each
reason a file is not read names the limit and the setting that sets it.

`skip_reason` says why ingest would not read a file, by its name, kind and size, so
that the chat page refuses an upload for the same reasons ingest skips a file.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.ingest.shown import utf8_name
from assistant.settings import Settings

TEXT_SUFFIXES = (".txt", ".md")  # read as they are: offsets index the file itself
PAGE_SUFFIXES = (".html", ".htm")
EXTRACTED_SUFFIXES = (*PAGE_SUFFIXES, ".pdf")  # offsets index the text extracted from them
ARTICLE_SUFFIXES = TEXT_SUFFIXES + EXTRACTED_SUFFIXES


def _default(name: str) -> Any:
    return Settings.model_fields[name].default


MAX_FILE_MB = _default("max_file_mb")


@dataclass(frozen=True)
class Limits:
    """What ingest reads a file within (the settings of the same names)."""

    max_file_mb: float = MAX_FILE_MB
    max_html_mb: float = _default("max_html_mb")
    max_pdf_mb: float = _default("max_pdf_mb")
    max_pdf_pages: int = _default("max_pdf_pages")
    max_pdf_inflated_mb: float = _default("max_pdf_inflated_mb")
    extract_timeout_s: float = _default("extract_timeout_s")
    extract_memory_mb: int = _default("extract_memory_mb")

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(**{name: getattr(settings, name) for name in cls.__dataclass_fields__})


def _mb(size: float) -> str:
    mb = size / 1e6
    return f"{mb:.1f}" if mb < 10 else f"{mb:.0f}"


def size_reason(size: int, suffix: str, limits: Limits) -> str | None:
    """Why a file of `size` bytes and this suffix is not read (the lowest limit that
    applies to it, and its setting), or None."""
    suffix = suffix.lower()
    applies = [(limits.max_file_mb, "max_file_mb", "")]
    if suffix in PAGE_SUFFIXES:
        applies.append((limits.max_html_mb, "max_html_mb", " for saved pages"))
    elif suffix == ".pdf":
        applies.append((limits.max_pdf_mb, "max_pdf_mb", " for PDFs"))
    mb, setting, kind = min(applies, key=lambda limit: limit[0])
    if size <= mb * 1_000_000:
        return None
    return f"the file is {_mb(size)} MB; the limit{kind} is {mb:g} MB (setting {setting})"


def kind_reason(suffix: str) -> str | None:
    """Why a file with this suffix is not an article, or None."""
    if suffix.lower() in ARTICLE_SUFFIXES:
        return None
    return (
        f"not a kind of file read as an article ({suffix or 'no extension'}): "
        f"{', '.join(ARTICLE_SUFFIXES)} are"
    )


def name_reason(name: str) -> str | None:
    """Why a file or folder of this name is not read, or None."""
    if name.startswith("."):
        return "a hidden name (starting with a dot): ingest does not read hidden files"
    if not utf8_name(name):
        return "the name is not UTF-8 (rename the file)"
    return None


def not_regular(mode: int) -> str | None:
    """Why a file of this `st_mode` is not read (a FIFO, a device, a folder), or None."""
    if stat.S_ISREG(mode):
        return None
    kinds = [
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a device"),
        (stat.S_ISBLK, "a device"),
    ]
    kind = next((k for test, k in kinds if test(mode)), "not a file")
    return f"{kind}, not a regular file"


def skip_reason(path: Path, settings: Settings | None = None) -> str | None:
    """Why ingest would not read the file at `path` (its name, its kind, not a regular
    file, its size for the settings' limits), or None when it would read it. A link is
    judged by its target. Whether the file holds an article is known only once read."""
    limits = Limits.of(settings) if settings is not None else Limits()
    reason = name_reason(path.name) or kind_reason(path.suffix)
    if reason:
        return reason
    try:
        info = os.stat(path)
    except OSError as exc:
        return f"cannot read ({exc.strerror or exc})"
    return not_regular(info.st_mode) or size_reason(info.st_size, path.suffix, limits)
