"""Write a file or folder beside its final place, then move it there in one rename.

A model assembled from parts, an exported ONNX graph and a BM25 index are all
read by other processes (a second CLI, the UI, the tests running in parallel).
Written in place, a crash or a reader at the wrong moment would see half of
one. Here the writer fills a private `.partial` path; only a complete, checked
result is renamed over the old one, and a failure leaves the old one as it was.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replaced_on_success(target: Path) -> Iterator[Path]:
    """Yield a private path to write; when the block ends without error it becomes
    `target` (a file is replaced atomically; a folder is swapped with its old self)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    _remove(partial)
    try:
        yield partial
        if partial.is_dir() and target.exists():
            old = target.with_name(f"{target.name}.{os.getpid()}.old")
            _remove(old)
            target.rename(old)
            partial.rename(target)
            _remove(old)
        else:
            partial.replace(target)
    finally:
        _remove(partial)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
