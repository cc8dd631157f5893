"""A sentence-transformers model run by ONNX Runtime: the same vectors, a fast start.

Why: loading MiniLM through sentence-transformers imports torch, transformers
and scikit-learn into every process (about 9 s here) for six transformer layers
and a mean. ONNX Runtime is already installed with Chroma and imports in 0.4 s.
The model is exported to ONNX once, from the very safetensors the package ships
(torch and transformers are needed for that step only), checked against the
torch output, and cached next to the local LLM. Tokenizing, pooling and
normalizing follow the model folder's own sentence-transformers config.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from assistant.atomic import replaced_on_success
from assistant.errors import MissingExtra, ModelFileError

EXPORT_VERSION = 1
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
PROBE = ["Biden and Kishida met at the White House.", "Export controls on chips.", "a"]
MAX_EXPORT_ERROR = 1e-4
ENCODE_BATCH = 32  # texts per forward pass; LlamaIndex hands over larger lists


def _read_json(path: Path, default: dict[str, Any]) -> dict[str, Any]:
    return json.loads(path.read_text()) if path.is_file() else default


def _weights(model_dir: Path) -> Path:
    for name in ("model.safetensors", "pytorch_model.bin"):
        if (model_dir / name).is_file():
            return model_dir / name
    raise ModelFileError(f"No model weights (model.safetensors) in {model_dir}.")


def onnx_path(model_dir: Path, cache_dir: Path) -> Path:
    """Where the export of this model folder lives; a changed weights file gets a new one."""
    weights = _weights(model_dir).stat()
    key = f"{EXPORT_VERSION} {model_dir.resolve()} {weights.st_size} {weights.st_mtime_ns}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    return cache_dir / f"embedding-{digest}.onnx"


def export_onnx(model_dir: Path, target: Path) -> None:
    """Export the transformer to ONNX and check it against torch on a probe batch."""
    try:
        import torch
        from transformers import AutoModel
    except ImportError:
        raise MissingExtra("Exporting the embedding model to ONNX", "local") from None

    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # a one-time step; no bar on a CLI's stderr
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()

    class Hidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    tokenizer = load_tokenizer(model_dir)
    feeds = encode_batch(tokenizer, PROBE)
    args = tuple(torch.from_numpy(feeds[name]) for name in INPUTS)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "last_hidden_state")}
    with torch.no_grad():  # before exporting: tracing leaves the module altered
        expected = Hidden()(*args).numpy()
    with replaced_on_success(target) as partial:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the tracer's advisories about shape-dependent code
            torch.onnx.export(
                Hidden(),
                args,
                str(partial),
                input_names=list(INPUTS),
                output_names=["last_hidden_state"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
        got = open_session(partial).run(None, feeds)[0]
        mask = feeds["attention_mask"].astype(bool)
        error = float(np.abs(got - expected)[mask].max())
        if error > MAX_EXPORT_ERROR:
            raise ModelFileError(f"The ONNX export of {model_dir} differs from torch by {error}.")


def load_tokenizer(model_dir: Path) -> Any:
    from tokenizers import Tokenizer

    config = _read_json(model_dir / "sentence_bert_config.json", {"max_seq_length": 256})
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=int(config["max_seq_length"]))
    tokenizer.enable_padding(pad_id=tokenizer.token_to_id("[PAD]") or 0, pad_token="[PAD]")
    return tokenizer


def encode_batch(tokenizer: Any, texts: list[str]) -> dict[str, np.ndarray]:
    encodings = tokenizer.encode_batch(texts)
    return {
        "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
        "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
        "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
    }


def open_session(path: Path) -> Any:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    # idle worker threads would otherwise spin for a while after each call, taking
    # the CPU from Chroma, BM25 and llama.cpp that run next (2 cores: +50% latency)
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return onnxruntime.InferenceSession(
        str(path), sess_options=options, providers=["CPUExecutionProvider"]
    )


class OnnxEmbedding(BaseEmbedding):
    """LlamaIndex embedding model over an ONNX export of a sentence-transformers folder."""

    model_dir: str
    onnx_file: str
    normalize: bool = True
    pooling: str = "mean"
    _session: Any = PrivateAttr()
    _tokenizer: Any = PrivateAttr()

    def __init__(self, model_dir: Path, cache_dir: Path, embed_batch_size: int = 512) -> None:
        target = onnx_path(model_dir, cache_dir)
        if not target.is_file():
            export_onnx(model_dir, target)
        pooling = _read_json(model_dir / "1_Pooling" / "config.json", {})
        modules = _read_json(model_dir / "modules.json", {"modules": []})
        super().__init__(
            model_name=model_dir.name,
            embed_batch_size=embed_batch_size,
            model_dir=str(model_dir),
            onnx_file=str(target),
            pooling="cls" if pooling.get("pooling_mode_cls_token") else "mean",
            normalize=any("Normalize" in str(m) for m in modules) or not modules,
        )
        self._session = None  # loaded on first use: an unchanged re-ingest never needs it
        self._tokenizer = load_tokenizer(model_dir)

    @classmethod
    def class_name(cls) -> str:
        return "OnnxEmbedding"

    def embed(self, texts: list[str]) -> np.ndarray:
        """Vectors for texts, in order; batches are sorted by length to pad less."""
        if self._session is None:
            self._session = open_session(Path(self.onnx_file))
        inputs = [i.name for i in self._session.get_inputs()]
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        parts = []
        for begin in range(0, len(order), ENCODE_BATCH):
            feeds = encode_batch(
                self._tokenizer, [texts[i] for i in order[begin : begin + ENCODE_BATCH]]
            )
            hidden = self._session.run(None, {k: feeds[k] for k in inputs})[0]
            if self.pooling == "cls":
                pooled = hidden[:, 0]
            else:
                mask = feeds["attention_mask"][..., None].astype(np.float32)
                pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
            if self.normalize:
                pooled = pooled / np.clip(
                    np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None
                )
            parts.append(pooled.astype(np.float32))
        if not parts:
            return np.zeros((0, 0), dtype=np.float32)
        in_length_order = np.concatenate(parts)
        vectors = np.empty_like(in_length_order)
        vectors[order] = in_length_order  # back to the callers' order
        return vectors

    def _get_query_embedding(self, query: str) -> list[float]:
        return self.embed([query])[0].tolist()

    def _get_text_embedding(self, text: str) -> list[float]:
        return self.embed([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self.embed(texts).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    async def _aget_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embedding(text)
