"""Add articles to a folder, or take one out, from the UI: with ingest's own checks.

Why: people drop the pages they saved into the chat page rather than into a
folder. An upload is copied into the current folder (never over a file already
there: a second "report.html" becomes "report (2).html") only when ingest would
read it: a known type, within `max_file_mb`, not a link. Taking an article out
moves it into the folder's hidden `.removed/` (which ingest never reads), so
nothing a user removed by mistake is lost.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from assistant.errors import ArticleUnavailable
from assistant.ingest.corpus import ARTICLE_SUFFIXES, Skipped, too_large

REMOVED = ".removed"


@dataclass
class Added:
    saved: list[str] = field(default_factory=list)  # names in the folder
    refused: list[Skipped] = field(default_factory=list)


def add_files(folder: Path, uploads: Sequence[Path], max_mb: float) -> Added:
    """Copy each upload into `folder` under its own name (made unique), or say why not."""
    added = Added()
    for upload in uploads:
        name = Path(upload.name).name
        reason = refusal(upload, max_mb)
        if reason:
            added.refused.append(Skipped(name, reason))
            continue
        target = free_name(folder, name)
        shutil.copyfile(upload, target)
        added.saved.append(target.name)
    return added


def refusal(upload: Path, max_mb: float) -> str | None:
    """Why ingest would not read this file, or None."""
    suffix = upload.suffix.lower()
    if suffix not in ARTICLE_SUFFIXES:
        kinds = ", ".join(ARTICLE_SUFFIXES)
        return f"not a kind of file read as an article ({suffix or 'no extension'}): {kinds} are"
    if upload.is_symlink():
        return "a link, not a file"
    return too_large(upload.stat().st_size, max_mb)


def free_name(folder: Path, name: str) -> Path:
    """`folder/name`, or `folder/stem (2).suffix` and so on when that is taken."""
    target = folder / name
    stem, suffix = Path(name).stem, Path(name).suffix
    n = 2
    while target.exists() or target.is_symlink():  # a link, even a broken one, is taken
        target = folder / f"{stem} ({n}){suffix}"
        n += 1
    return target


def remove_file(folder: Path, source: str) -> Path:
    """Move the entry `source` names out of the folder into `.removed/`; returns where it
    went. A link is moved as the link (its target is another entry, and stays)."""
    root = folder.resolve()
    path = Path(os.path.normpath(root / source))  # the entry itself: a last link not followed
    inside = path.is_relative_to(root) and path.parent.resolve().is_relative_to(root)
    entry = path.is_file() or path.is_symlink()
    if not inside or not entry or REMOVED in path.relative_to(root).parts:
        raise ArticleUnavailable(f"No article {source!r} in {folder} to remove.")
    target = free_name(root / REMOVED, path.name)
    target.parent.mkdir(exist_ok=True)
    path.rename(target)
    return target
