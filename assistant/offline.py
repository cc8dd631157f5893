"""Keep every library off the network before it is imported.

Several of the libraries we use phone home or download data on first use:
Hugging Face hub look-ups (about 80 s of retries with no network), tiktoken's
encoding download, Chroma's telemetry and Gradio's analytics. The only network
traffic this program may make is to the LLM or Chroma server the user
configured, so these switches are set before any of those libraries loads.
"""

from __future__ import annotations

import os
from importlib.util import find_spec
from pathlib import Path


def _llama_index_static(name: str) -> str | None:
    """A folder of data that ships inside llama-index-core (a dependency), if it is there."""
    spec = find_spec("llama_index.core")  # found without importing llama_index.core itself
    locations = spec.submodule_search_locations if spec else None
    if not locations:  # only a broken install: llama-index-core is a dependency
        return None
    path = Path(next(iter(locations))) / "_static" / name
    return str(path) if path.is_dir() else None


def go_offline() -> None:
    """Set the environment switches; values the user already set win."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # model-loading progress bars and advisories are noise on a CLI's stderr
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    # llama-index-core ships the tiktoken encodings; tiktoken used outside
    # LlamaIndex would download them unless pointed there.
    tiktoken_cache = _llama_index_static("tiktoken_cache")
    if tiktoken_cache:
        os.environ.setdefault("TIKTOKEN_CACHE_DIR", tiktoken_cache)
