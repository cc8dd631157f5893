"""Group 1 (cold start) and the memory of one `assistant ask` process.

A fresh `assistant ask --json` is timed from the moment it is spawned to the
moment it hands the prompt to the LLM (its answer records both the Unix time
the question arrived and the seconds until the prompt went out). The floor is
`benchmarks.floor` in a fresh process: the same libraries and models, loaded
and nothing else. The bare interpreter start is shown for scale.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from assistant.ingest.store import collection_name, with_folder
from assistant.settings import Settings
from benchmarks.measure import Figure, assistant_command, median, run_child

QUESTION = "Where did Biden and Kishida meet a day before the G7 summit?"


def cold_start(settings: Settings, onnx_file: Path, gguf: Path, runs: int) -> list[Figure]:
    """Cold-start figures; the last, `ask`'s memory, carries the floor process's memory."""
    env = {**os.environ, "ASSISTANT_PERSIST_DIR": str(settings.persist_dir)}
    ask = [assistant_command(), "ask", "--json", "--max-answer-tokens", "16", QUESTION]
    floor = [
        sys.executable,
        "-m",
        "benchmarks.floor",
        str(settings.persist_dir),
        collection_name(with_folder(settings)),  # the collection `ask` answers from
        str(gguf),
        str(onnx_file),
        str(Path(settings.embed_model) if settings.embed_model else onnx_model_dir()),
        str(settings.n_ctx),
    ]
    ours, floors, bare, rss, floor_rss = [], [], [], [], []
    for _ in range(runs):
        run = run_child(ask, env)
        timings = json.loads(run.stdout)["timings"]
        ours.append(timings["started_at"] + timings["prompt_ready_s"] - run.spawned_at)
        rss.append(run.peak_rss_mb)
        ready = run_child(floor, env)
        floors.append(json.loads(ready.stdout)["ready_at"] - ready.spawned_at)
        floor_rss.append(ready.peak_rss_mb)
        bare.append(run_child([sys.executable, "-c", "pass"]).seconds)
    return [
        Figure(
            "1 cold start",
            "`assistant ask` spawn → prompt handed to the LLM",
            median(ours),
            "s",
            floor=median(floors),
            floor_name="import LlamaIndex, Chroma, ONNX Runtime, tokenizers, llama.cpp; "
            "load MiniLM (ONNX) and the GGUF; open the store",
            target="≤ 1.5× floor",
            met=median(ours) <= 1.5 * median(floors),
        ),
        Figure("1 cold start", "bare `python -c pass`, for scale", median(bare), "s"),
        Figure(
            "6 memory",
            "peak RSS of `assistant ask` (a whole answer)",
            median(rss),
            "MB",
            floor=median(floor_rss),
            floor_name="the cold-start floor process: libraries imported, both models loaded",
            note="GGUF weights are memory-mapped and count as resident once read",
        ),
    ]


def onnx_model_dir() -> Path:
    from assistant.ingest.embeddings import bundled_minilm_path

    return bundled_minilm_path()
