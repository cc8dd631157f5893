"""The ONNX path must give the vectors sentence-transformers would: torch, mean pooling, L2."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.ingest.embeddings import bundled_minilm_path
from assistant.ingest.onnx_embedding import OnnxEmbedding, onnx_path
from tests.conftest import SEEDS


def torch_reference(model_dir: Path, texts: list[str]) -> np.ndarray:
    import torch
    from tokenizers import Tokenizer
    from transformers import AutoModel

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=256)
    tokenizer.no_padding()  # tokenizer.json pads to 128 by default
    model = AutoModel.from_pretrained(str(model_dir)).eval()
    rows = []
    for text in texts:  # one at a time: no padding at all in the reference
        ids = torch.tensor([tokenizer.encode(text).ids])
        with torch.no_grad():
            hidden = model(input_ids=ids, attention_mask=torch.ones_like(ids)).last_hidden_state
        pooled = hidden[0].mean(dim=0).numpy()
        rows.append(pooled / np.linalg.norm(pooled))
    return np.stack(rows)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> OnnxEmbedding:
    return OnnxEmbedding(bundled_minilm_path(), tmp_path_factory.mktemp("models"))


def test_export_matches_torch(exported: OnnxEmbedding) -> None:
    texts = [p.read_text()[:n] for p in sorted(SEEDS.glob("*")) for n in (80, 900, 3000)]
    texts += ["When did Biden meet Kishida?", "x"]
    got = np.array(exported.get_text_embedding_batch(texts))
    expected = torch_reference(bundled_minilm_path(), texts)
    assert got.shape == (len(texts), 384)
    assert np.abs(got - expected).max() < 1e-4
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_batching_and_padding_do_not_change_vectors(exported: OnnxEmbedding) -> None:
    texts = ["short", "a much longer sentence about chip export controls " * 5, "mid length text"]
    together = exported.embed(texts)
    alone = np.stack([exported.embed([t])[0] for t in texts])
    assert np.abs(together - alone).max() < 1e-5
    assert exported.get_query_embedding("short") == pytest.approx(list(alone[0]), abs=1e-6)


def test_export_is_cached(exported: OnnxEmbedding, tmp_path: Path) -> None:
    cached = Path(exported.onnx_file)
    assert cached == onnx_path(bundled_minilm_path(), cached.parent)
    stamp = cached.stat().st_mtime_ns
    again = OnnxEmbedding(bundled_minilm_path(), cached.parent)
    assert again.onnx_file == str(cached) and cached.stat().st_mtime_ns == stamp
    assert not list(cached.parent.glob("*.partial"))
