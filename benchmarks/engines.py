"""`python -m benchmarks.engines`: the local engines side by side, on this machine.

Why: the default engine was chosen by these numbers (benchmarks/engines.md). Each
engine runs the default GGUF in a process of its own, as the assistant runs it
(`embedded.ServerChat` for xllamacpp, `local.LocalChat` for llama-cpp-python), and
reads the same selection-sized prompt from a cold start (nothing cached), then
generates a reply. A llama-cpp-python build other than the venv's (say, the native
one) is measured from the folder it was installed to:

    python -m benchmarks.engines --llama-cpp portable= --llama-cpp native=/tmp/lcp-native

(`NAME=DIR`: DIR is put first on PYTHONPATH; an empty DIR is the venv's own build.)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence

from benchmarks.measure import ROOT

REPEATS = 3
REPLY_TOKENS = 48


def prompt_messages() -> list[dict[str, str]]:
    """A selection-sized prompt (about 500 tokens) from the first seed article."""
    article = sorted((ROOT / "seeds").glob("*.txt"))[0].read_text(encoding="utf-8")
    sentences = "\n".join(f"[{i}] {line}" for i, line in enumerate(article.split(". ")[:18], 1))
    return [
        {"role": "system", "content": "You find evidence in news articles."},
        {"role": "user", "content": f"Sentences:\n{sentences}\nQuestion: Who met whom?"},
    ]


def measure(engine: str) -> dict[str, float | str]:
    """One engine in this process: load time, prompt and generation tokens per second."""
    from assistant.llm import build_chat_model
    from assistant.schema import Usage
    from assistant.settings import Settings

    settings = Settings(_env_file=None, llm_backend="local", local_engine=engine)  # type: ignore[call-arg]
    began = time.perf_counter()
    chat = build_chat_model(settings)
    load = time.perf_counter() - began
    reading, writing = [], []
    for n in range(REPEATS):
        messages = prompt_messages()
        messages[1]["content"] += f" ({n})"  # a new exchange each time: read from the head
        usage, began = Usage(), time.perf_counter()
        with chat.session():  # type: ignore[attr-defined]
            chat.label_scores(messages, ["1", "2"], usage)
        reading.append(usage.prompt_tokens / (time.perf_counter() - began))
        usage, began = Usage(), time.perf_counter()
        with chat.session():  # type: ignore[attr-defined]
            first = None
            for _ in chat.stream(messages, REPLY_TOKENS, usage):
                first = first or time.perf_counter()
        end = time.perf_counter()
        if first and usage.completion_tokens > 1:
            writing.append((usage.completion_tokens - 1) / (end - first))
    return {
        "engine": getattr(chat, "engine", engine),
        "load_s": round(load, 2),
        "prompt_tok_s": round(statistics.median(reading), 1),
        "gen_tok_s": round(statistics.median(writing), 1) if writing else 0.0,
    }


def run_child(engine: str, path: str) -> dict[str, float | str]:
    env = dict(os.environ)
    if path:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [path, env.get("PYTHONPATH", "")]))
    cmd = [sys.executable, "-m", "benchmarks.engines", "--child", engine]
    out = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.engines", description=__doc__)
    parser.add_argument("--llama-cpp", action="append", default=[], metavar="NAME=DIR")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.child)))
        return 0
    rows = [("xllamacpp (prebuilt)", run_child("xllamacpp", ""))]
    for spec in args.llama_cpp:
        name, _, path = spec.partition("=")
        rows.append((f"llama-cpp-python {name}", run_child("llama-cpp-python", path)))
    print("| engine | build | load s | prompt tok/s | generation tok/s |")
    print("|---|---|---|---|---|")
    for name, row in rows:
        print(f"| {name} | {row['engine']} | {row['load_s']} | {row['prompt_tok_s']} "
              f"| {row['gen_tok_s']} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
