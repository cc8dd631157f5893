"""A sentence-transformers model run by ONNX Runtime: the same vectors, a fast start.

Why: loading MiniLM through sentence-transformers imports torch, transformers
and scikit-learn into every process (about 9 s here) for six transformer layers
and a mean. ONNX Runtime is already installed with Chroma and imports in 0.4 s.
The BERT encoder's ONNX graph is built once, without torch, from the very
safetensors the package ships (read here; the format is a JSON header and raw
arrays) and the folder's config.json; it is checked, as ONNX Runtime runs it,
against a plain numpy forward pass over the same weights, and cached next to
the local LLM. tests/test_onnx_export.py compares the vectors with torch's.
Tokenizing, pooling and normalizing follow the model folder's own
sentence-transformers config.
"""

from __future__ import annotations

import hashlib
import json
import math
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from assistant.atomic import replaced_on_success
from assistant.errors import ModelFileError

if TYPE_CHECKING:  # onnx is imported only to build a graph: it takes 0.6 s
    import onnx

EXPORT_VERSION = 2  # 2: the graph is built from the safetensors, without torch
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
PROBE = ["Biden and Kishida met at the White House.", "Export controls on chips.", "a"]
MAX_EXPORT_ERROR = 1e-4  # on the last hidden state, against the numpy forward pass
ENCODE_BATCH = 32  # texts per forward pass; LlamaIndex hands over larger lists
OPSET = 17  # has LayerNormalization; IR version 8 is the one that goes with it
IR_VERSION = 8
MASKED = float(np.finfo(np.float32).min)  # added to attention scores of padding, as in BERT
Getter = Callable[[str], np.ndarray]  # a weight by name, in the numpy check's precision
SAFETENSORS_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4"}


def _read_json(path: Path, default: dict[str, Any]) -> dict[str, Any]:
    return json.loads(path.read_text()) if path.is_file() else default


def _weights(model_dir: Path) -> Path:
    if (model_dir / "model.safetensors").is_file():
        return model_dir / "model.safetensors"
    raise ModelFileError(
        f"No model weights (model.safetensors) in {model_dir}; a pytorch_model.bin alone"
        " cannot be read without torch."
    )


def onnx_path(model_dir: Path, cache_dir: Path) -> Path:
    """Where the export of this model folder lives; a changed weights file gets a new one."""
    weights = _weights(model_dir).stat()
    key = f"{EXPORT_VERSION} {model_dir.resolve()} {weights.st_size} {weights.st_mtime_ns}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    return cache_dir / f"embedding-{digest}.onnx"


# --- the model folder: config.json and model.safetensors ---------------------------------


@dataclass(frozen=True)
class BertShape:
    """The dimensions of a BERT encoder, from its config.json."""

    hidden: int
    heads: int
    layers: int
    eps: float
    max_positions: int

    @property
    def head_size(self) -> int:
        return self.hidden // self.heads


def bert_config(model_dir: Path) -> BertShape:
    """The folder's config.json, refused unless it describes what the graph builds: BERT
    with exact (erf) GELU and absolute position embeddings."""
    if not (model_dir / "config.json").is_file():
        raise ModelFileError(f"No config.json in {model_dir}: the embedding model's dimensions.")
    config = _read_json(model_dir / "config.json", {})
    required = {"model_type": "bert", "hidden_act": "gelu", "position_embedding_type": "absolute"}
    defaults = {"position_embedding_type": "absolute"}
    for key, wanted in required.items():
        value = config.get(key, defaults.get(key))
        if value != wanted:
            raise ModelFileError(
                f"{model_dir / 'config.json'}: {key} is {value!r}; the embedding model must be "
                f"a BERT encoder ({', '.join(f'{k} {v!r}' for k, v in required.items())})."
            )
    try:
        shape = BertShape(
            hidden=int(config["hidden_size"]),
            heads=int(config["num_attention_heads"]),
            layers=int(config["num_hidden_layers"]),
            eps=float(config["layer_norm_eps"]),
            max_positions=int(config["max_position_embeddings"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ModelFileError(f"{model_dir / 'config.json'} lacks or garbles {error}.") from None
    if shape.hidden % shape.heads:
        raise ModelFileError(f"{model_dir / 'config.json'}: heads do not divide hidden_size.")
    return shape


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The tensors of a .safetensors file: an 8-byte little-endian header length, a JSON
    header (each tensor's dtype, shape and byte range), then the raw little-endian data."""
    data = memoryview(path.read_bytes())
    try:
        (length,) = struct.unpack("<Q", data[:8])
        header = json.loads(bytes(data[8 : 8 + length]))
        body = data[8 + length :]
        return {
            name: _tensor(body[info["data_offsets"][0] : info["data_offsets"][1]], info)
            for name, info in header.items()
            if name != "__metadata__"
        }
    except (struct.error, ValueError, KeyError, TypeError) as error:
        raise ModelFileError(f"{path} is not a readable safetensors file ({error}).") from None


def _tensor(raw: memoryview, info: dict[str, Any]) -> np.ndarray:
    if info["dtype"] == "BF16":  # the upper half of a float32
        halves = np.frombuffer(raw, dtype="<u2").astype(np.uint32)
        return (halves << 16).view(np.float32).reshape(info["shape"])
    if info["dtype"] not in SAFETENSORS_DTYPES:
        raise ValueError(f"dtype {info['dtype']}")
    return np.frombuffer(raw, dtype=SAFETENSORS_DTYPES[info["dtype"]]).reshape(info["shape"])


def bert_weights(model_dir: Path) -> dict[str, np.ndarray]:
    """The encoder's tensors by their BertModel names (a `bert.` prefix, as a checkpoint
    of a task model has it, dropped)."""
    tensors = read_safetensors(_weights(model_dir))
    prefix = "bert." if any(name.startswith("bert.") for name in tensors) else ""
    return {name[len(prefix) :]: value for name, value in tensors.items()}


def _weight(weights: dict[str, np.ndarray], name: str) -> np.ndarray:
    if name not in weights:
        raise ModelFileError(f"The embedding model's weights have no tensor {name}.")
    return np.ascontiguousarray(weights[name], dtype=np.float32)


# --- the ONNX graph -----------------------------------------------------------------------


class _Graph:
    """The nodes and weights of an ONNX graph under construction; each node's output is
    named after its operator and position."""

    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        self.weights = weights
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: dict[str, onnx.TensorProto] = {}

    def const(self, name: str, value: np.ndarray | None = None) -> str:
        """A constant: `value`, or else the weight called `name`, stored once."""
        from onnx import numpy_helper

        if name not in self.initializers:
            array = _weight(self.weights, name) if value is None else value
            self.initializers[name] = numpy_helper.from_array(array, name)
        return name

    def op(self, op_type: str, *inputs: str, **attributes: Any) -> str:
        from onnx import helper

        output = f"{op_type.lower()}_{len(self.nodes)}"
        node = helper.make_node(op_type, list(inputs), [output], name=output, **attributes)
        self.nodes.append(node)
        return output

    def linear(self, x: str, prefix: str) -> str:
        """x @ W.T + b of a torch Linear (W stored transposed)."""
        weight = _weight(self.weights, f"{prefix}.weight").T.copy()
        product = self.op("MatMul", x, self.const(f"{prefix}.weight.T", weight))
        return self.op("Add", product, self.const(f"{prefix}.bias"))

    def layer_norm(self, x: str, prefix: str, eps: float) -> str:
        scale, bias = self.const(f"{prefix}.weight"), self.const(f"{prefix}.bias")
        return self.op("LayerNormalization", x, scale, bias, axis=-1, epsilon=eps)

    def scalar(self, name: str, value: float) -> str:
        return self.const(name, np.array(value, dtype=np.float32))

    def ints(self, name: str, values: list[int]) -> str:
        return self.const(name, np.array(values, dtype=np.int64))


def _embeddings(g: _Graph, config: BertShape) -> str:
    """Word + token type + position embeddings (positions 0..tokens-1), layer-normed."""
    words = g.op("Gather", g.const("embeddings.word_embeddings.weight"), "input_ids")
    types = g.op("Gather", g.const("embeddings.token_type_embeddings.weight"), "token_type_ids")
    tokens = g.op("Shape", "input_ids", start=1, end=2)
    table = _weight(g.weights, "embeddings.position_embeddings.weight")[: config.max_positions]
    positions = g.op(
        "Slice",
        g.const("embeddings.position_embeddings.weight", table),
        g.ints("zero", [0]),
        tokens,
        g.ints("zero", [0]),  # along axis 0
    )
    summed = g.op("Add", g.op("Add", words, types), positions)
    return g.layer_norm(summed, "embeddings.LayerNorm", config.eps)


def _mask_bias(g: _Graph) -> str:
    """0 for a real token, float32's minimum for padding: [batch, 1, 1, tokens]."""
    from onnx import TensorProto

    mask = g.op("Cast", "attention_mask", to=TensorProto.FLOAT)
    padding = g.op("Sub", g.scalar("one", 1.0), mask)
    return g.op(
        "Unsqueeze", g.op("Mul", padding, g.scalar("masked", MASKED)), g.ints("axes", [1, 2])
    )


def _attention(g: _Graph, x: str, bias: str, prefix: str, config: BertShape) -> str:
    """Multi-head self-attention over the unmasked tokens, then the residual LayerNorm."""
    split = g.ints("split_heads", [0, 0, config.heads, config.head_size])

    def heads(name: str, perm: list[int]) -> str:
        projected = g.linear(x, f"{prefix}.self.{name}")
        return g.op("Transpose", g.op("Reshape", projected, split), perm=perm)

    query, key = heads("query", [0, 2, 1, 3]), heads("key", [0, 2, 3, 1])
    value = heads("value", [0, 2, 1, 3])
    scale = g.scalar("attention_scale", 1 / math.sqrt(config.head_size))
    scores = g.op("Add", g.op("Mul", g.op("MatMul", query, key), scale), bias)
    context = g.op("MatMul", g.op("Softmax", scores, axis=-1), value)
    merged = g.op(
        "Reshape", g.op("Transpose", context, perm=[0, 2, 1, 3]), g.ints("merge_heads", [0, 0, -1])
    )
    out = g.linear(merged, f"{prefix}.output.dense")
    return g.layer_norm(g.op("Add", out, x), f"{prefix}.output.LayerNorm", config.eps)


def _gelu(g: _Graph, x: str) -> str:
    """GELU in BERT's exact form: x * 0.5 * (1 + erf(x / sqrt 2))."""
    erf = g.op("Erf", g.op("Div", x, g.scalar("sqrt2", math.sqrt(2.0))))
    return g.op(
        "Mul", g.op("Mul", x, g.op("Add", erf, g.scalar("one", 1.0))), g.scalar("half", 0.5)
    )


def _feed_forward(g: _Graph, x: str, prefix: str, config: BertShape) -> str:
    inner = _gelu(g, g.linear(x, f"{prefix}.intermediate.dense"))
    out = g.linear(inner, f"{prefix}.output.dense")
    return g.layer_norm(g.op("Add", out, x), f"{prefix}.output.LayerNorm", config.eps)


def build_graph(config: BertShape, weights: dict[str, np.ndarray]) -> onnx.ModelProto:
    """The BERT encoder as an ONNX model: int64 input_ids, attention_mask and
    token_type_ids [batch, tokens] in, float last_hidden_state [batch, tokens, hidden] out."""
    from onnx import TensorProto, helper

    g = _Graph(weights)
    x = _embeddings(g, config)
    bias = _mask_bias(g)
    for layer in range(config.layers):
        x = _attention(g, x, bias, f"encoder.layer.{layer}.attention", config)
        x = _feed_forward(g, x, f"encoder.layer.{layer}", config)
    g.nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"]))
    axes: list[str | int] = ["batch", "tokens"]
    inputs = [helper.make_tensor_value_info(name, TensorProto.INT64, axes) for name in INPUTS]
    output = helper.make_tensor_value_info(
        "last_hidden_state", TensorProto.FLOAT, [*axes, config.hidden]
    )
    graph = helper.make_graph(
        g.nodes, "bert", inputs, [output], initializer=list(g.initializers.values())
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="news-assistant"
    )
    model.ir_version = IR_VERSION  # onnx.checker is left to ONNX Runtime's loading (0.6 s)
    return model


# --- the check: the same forward pass in numpy --------------------------------------------


def reference_hidden(
    config: BertShape, weights: dict[str, np.ndarray], feeds: dict[str, np.ndarray]
) -> np.ndarray:
    """The last hidden state computed directly in numpy (float64), independent of the
    graph and of ONNX Runtime: what the export is checked against."""

    def get(name: str) -> np.ndarray:
        return _weight(weights, name).astype(np.float64)

    tokens = feeds["input_ids"].shape[1]
    words = _weight(weights, "embeddings.word_embeddings.weight")[feeds["input_ids"]]
    x = (
        words.astype(np.float64)
        + get("embeddings.token_type_embeddings.weight")[feeds["token_type_ids"]]
    )
    x = x + get("embeddings.position_embeddings.weight")[:tokens]
    x = _np_layer_norm(x, get, "embeddings.LayerNorm", config.eps)
    bias = (1.0 - feeds["attention_mask"][:, None, None, :]) * MASKED
    for layer in range(config.layers):
        x = _np_layer(x, bias, get, f"encoder.layer.{layer}", config)
    return x


_erf = np.frompyfunc(math.erf, 1, 1)


def _np_linear(x: np.ndarray, get: Getter, prefix: str) -> np.ndarray:
    return x @ get(f"{prefix}.weight").T + get(f"{prefix}.bias")


def _np_layer_norm(x: np.ndarray, get: Getter, prefix: str, eps: float) -> np.ndarray:
    centered = x - x.mean(axis=-1, keepdims=True)
    normed = centered / np.sqrt((centered**2).mean(axis=-1, keepdims=True) + eps)
    return normed * get(f"{prefix}.weight") + get(f"{prefix}.bias")


def _np_layer(
    x: np.ndarray, bias: np.ndarray, get: Getter, prefix: str, config: BertShape
) -> np.ndarray:
    batch, tokens, _ = x.shape
    attention = f"{prefix}.attention"
    query, key, value = (
        _np_linear(x, get, f"{attention}.self.{name}")
        .reshape(batch, tokens, config.heads, config.head_size)
        .transpose(0, 2, 1, 3)
        for name in ("query", "key", "value")
    )
    scores = query @ key.transpose(0, 1, 3, 2) / math.sqrt(config.head_size) + bias
    probs = np.exp(scores - scores.max(axis=-1, keepdims=True))
    probs /= probs.sum(axis=-1, keepdims=True)
    context = (probs @ value).transpose(0, 2, 1, 3).reshape(batch, tokens, config.hidden)
    out = _np_linear(context, get, f"{attention}.output.dense")
    x = _np_layer_norm(out + x, get, f"{attention}.output.LayerNorm", config.eps)
    inner = _np_linear(x, get, f"{prefix}.intermediate.dense")
    inner = inner * 0.5 * (1.0 + np.asarray(_erf(inner / math.sqrt(2.0)), dtype=np.float64))
    out = _np_linear(inner, get, f"{prefix}.output.dense")
    return _np_layer_norm(out + x, get, f"{prefix}.output.LayerNorm", config.eps)


def export_onnx(model_dir: Path, target: Path) -> None:
    """Build the encoder's ONNX graph from the model folder and check it, as ONNX Runtime
    runs it, against the numpy forward pass on a probe batch (padded: the mask counts)."""
    config, weights = bert_config(model_dir), bert_weights(model_dir)
    model = build_graph(config, weights)
    feeds = encode_batch(load_tokenizer(model_dir), PROBE)
    expected = reference_hidden(config, weights, feeds)
    with replaced_on_success(target) as partial:
        partial.write_bytes(model.SerializeToString())
        got = open_session(partial).run(None, feeds)[0]
        mask = feeds["attention_mask"].astype(bool)
        error = float(np.abs(got - expected)[mask].max())
        if not error <= MAX_EXPORT_ERROR:  # NaN fails too
            raise ModelFileError(
                f"The ONNX graph built from {model_dir} differs from the numpy forward pass"
                f" by {error}."
            )


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
