"""The floor of a cold `assistant ask`: import what it needs and load its models, nothing else.

Run as `python -m benchmarks.floor STORE COLLECTION GGUF ONNX MODEL_DIR N_CTX`; prints the
Unix time at which everything is loaded. The libraries are the ones the
question truly needs: LlamaIndex (the retrievers are built on it), Chroma,
ONNX Runtime and tokenizers (the embedding model), llama.cpp (the LLM).
"""

from __future__ import annotations

import json
import os
import sys
import time


def main(
    store: str, collection: str, gguf: str, onnx_file: str, model_dir: str, n_ctx: int
) -> None:
    import chromadb
    import llama_cpp
    import llama_index.core  # noqa: F401
    import onnxruntime
    import tokenizers

    onnxruntime.InferenceSession(onnx_file, providers=["CPUExecutionProvider"])
    tokenizers.Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
    chromadb.PersistentClient(path=store).get_collection(collection)
    llama_cpp.Llama(model_path=gguf, n_ctx=n_ctx, n_threads=os.cpu_count() or 2, verbose=False)
    print(json.dumps({"ready_at": time.time()}))


if __name__ == "__main__":
    store, collection, gguf, onnx_file, model_dir, n_ctx = sys.argv[1:7]
    main(store, collection, gguf, onnx_file, model_dir, int(n_ctx))
