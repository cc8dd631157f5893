"""The ONNX graph built without torch must give the vectors torch gives.

assistant/ingest/onnx_embedding.py writes the BERT encoder's graph itself from
the shipped safetensors and config.json, and checks it at export time against a
numpy forward pass only. Here it is compared with what a sentence-transformers
user gets (transformers' BertModel in torch, mean pooling, L2), when torch is
installed (the `test` extra), and with a few torch values stored below, when it
is not; and its export check is shown to catch a wrong graph.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.errors import ModelFileError
from assistant.ingest import onnx_embedding
from assistant.ingest.embeddings import bundled_minilm_path
from assistant.ingest.onnx_embedding import OnnxEmbedding, export_onnx, open_session
from tests.conftest import SEEDS

MAX_ERROR = 1e-4  # on the final, normalized sentence vectors
# torch 2.13.0 / transformers 5.25, mean pooled and normalized: dimensions 0, 48, ..., 336
STORED = {
    "When did Biden meet Kishida?": [
        -0.093541, 0.0669259, -0.0043198, -0.0283827,
        0.0359802, 0.1032802, -0.0916675, 0.0754679,
    ],
    "Export controls on advanced chips were tightened.": [
        -0.0411299, -0.0015597, 0.0634876, -0.0048789,
        0.0366173, -0.0387427, -0.000195, -0.054521,
    ],
    "x": [
        -0.0979096, -0.0099615, 0.0289841, 0.0441789,
        0.0122576, 0.1332727, -0.0228129, -0.0101575,
    ],
}  # fmt: skip


NO_TORCH = "torch or transformers is not installed: the reference needs the 'test' extra"


def torch_or_skip() -> Any:
    pytest.importorskip("transformers", reason=NO_TORCH)
    return pytest.importorskip("torch", reason=NO_TORCH)


def torch_vectors(model_dir: Path, texts: list[str]) -> np.ndarray:
    """sentence-transformers' recipe: a padded batch through BertModel, the mean over the
    attention mask, L2-normalized."""
    torch = torch_or_skip()
    from tokenizers import Tokenizer
    from transformers import AutoModel

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=256)
    tokenizer.enable_padding()
    encodings = tokenizer.encode_batch(texts)
    feeds = {
        name: torch.tensor([getattr(e, attribute) for e in encodings])
        for name, attribute in [
            ("input_ids", "ids"),
            ("attention_mask", "attention_mask"),
            ("token_type_ids", "type_ids"),
        ]
    }
    model = AutoModel.from_pretrained(str(model_dir)).eval()
    with torch.no_grad():
        hidden = model(**feeds).last_hidden_state
    mask = feeds["attention_mask"][..., None].float()
    pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1)
    return torch.nn.functional.normalize(pooled, dim=1).numpy()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> OnnxEmbedding:
    return OnnxEmbedding(bundled_minilm_path(), tmp_path_factory.mktemp("built"))


def test_vectors_match_torch(built: OnnxEmbedding) -> None:
    texts = [p.read_text()[:n] for p in sorted(SEEDS.glob("*")) for n in (60, 700, 4000)]
    texts += ["When did Biden meet Kishida?", "x", ""]  # 4000 characters: truncated at 256
    expected = torch_vectors(bundled_minilm_path(), texts)
    got = built.embed(texts)
    error = float(np.abs(got - expected).max())
    print(f"max abs error against torch: {error:.2e}")
    assert got.shape == expected.shape == (len(texts), 384)
    assert error < MAX_ERROR


def test_vectors_match_stored_torch_values(built: OnnxEmbedding) -> None:
    """Runs without torch too."""
    got = built.embed(list(STORED))[:, ::48]
    assert np.abs(got - np.array(list(STORED.values()))).max() < MAX_ERROR


def test_graph_interface(built: OnnxEmbedding) -> None:
    import onnx

    model = onnx.load(built.onnx_file)
    onnx.checker.check_model(model)
    dims = {
        value.name: [d.dim_param or d.dim_value for d in value.type.tensor_type.shape.dim]
        for value in [*model.graph.input, *model.graph.output]
    }
    assert dims == {
        "input_ids": ["batch", "tokens"],
        "attention_mask": ["batch", "tokens"],
        "token_type_ids": ["batch", "tokens"],
        "last_hidden_state": ["batch", "tokens", 384],
    }


def test_safetensors_reader_matches_the_library() -> None:
    numpy_api = pytest.importorskip("safetensors.numpy", reason="safetensors is not installed")
    path = bundled_minilm_path() / "model.safetensors"
    ours, theirs = onnx_embedding.read_safetensors(path), numpy_api.load_file(str(path))
    assert ours.keys() == theirs.keys()
    for name, value in theirs.items():
        assert ours[name].dtype == value.dtype and np.array_equal(ours[name], value), name


def tiny_bert(folder: Path) -> Path:
    """A randomly initialized BERT with other dimensions than MiniLM's, and its tokenizer."""
    torch = torch_or_skip()
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    config = BertConfig(
        hidden_size=48,
        num_attention_heads=4,
        num_hidden_layers=2,
        intermediate_size=80,
        max_position_embeddings=300,
        layer_norm_eps=1e-5,
    )
    BertModel(config).eval().save_pretrained(str(folder))
    shutil.copy(bundled_minilm_path() / "tokenizer.json", folder)
    return folder


def test_dimensions_come_from_the_config(tmp_path: Path) -> None:
    torch = torch_or_skip()
    from transformers import AutoModel

    folder = tiny_bert(tmp_path / "tiny")
    export_onnx(folder, tmp_path / "tiny.onnx")
    texts = ["a short one", "a somewhat longer sentence, so that the first one is padded"]
    feeds = onnx_embedding.encode_batch(onnx_embedding.load_tokenizer(folder), texts)
    got = open_session(tmp_path / "tiny.onnx").run(None, feeds)[0]
    with torch.no_grad():
        model = AutoModel.from_pretrained(str(folder)).eval()
        expected = model(**{k: torch.from_numpy(v) for k, v in feeds.items()}).last_hidden_state
    mask = feeds["attention_mask"].astype(bool)
    assert got.shape == (2, mask.shape[1], 48)
    assert np.abs(got - expected.numpy())[mask].max() < 1e-4


def test_the_export_check_catches_a_wrong_graph(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(onnx_embedding, "_gelu", lambda g, x: x)  # no activation at all
    target = tmp_path / "wrong.onnx"
    with pytest.raises(ModelFileError, match="differs from the numpy forward pass"):
        export_onnx(bundled_minilm_path(), target)
    assert not target.exists() and not list(tmp_path.glob("*.partial"))


def model_folder(tmp_path: Path, **config: object) -> Path:
    source = bundled_minilm_path()
    folder = tmp_path / "model"
    folder.mkdir()
    values = {**json.loads((source / "config.json").read_text()), **config}
    (folder / "config.json").write_text(json.dumps(values))
    (folder / "tokenizer.json").symlink_to(source / "tokenizer.json")
    (folder / "model.safetensors").symlink_to(source / "model.safetensors")
    return folder


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"hidden_act": "gelu_new"}, "hidden_act is 'gelu_new'"),
        ({"model_type": "roberta"}, "model_type is 'roberta'"),
        ({"position_embedding_type": "relative_key"}, "position_embedding_type"),
        ({"num_attention_heads": 5}, "heads do not divide"),
    ],
)
def test_refuses_what_the_graph_does_not_build(
    tmp_path: Path, config: dict[str, object], message: str
) -> None:
    with pytest.raises(ModelFileError, match=message):
        export_onnx(model_folder(tmp_path, **config), tmp_path / "e.onnx")


def test_refuses_a_folder_without_safetensors(tmp_path: Path) -> None:
    folder = model_folder(tmp_path)
    (folder / "model.safetensors").unlink()
    with pytest.raises(ModelFileError, match="model.safetensors"):
        OnnxEmbedding(folder, tmp_path / "cache")
