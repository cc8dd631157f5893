"""`python -m benchmarks.llama_server`: llama.cpp's own HTTP server with N parallel slots.

Why: the assistant scales by pointing its `openai` backend at an OpenAI-compatible
server, and llama.cpp's server is the one that runs the same GGUF on a CPU, with
parallel slots and continuous batching. xllamacpp (a PyPI wheel) embeds that C++
server, so nothing needs building. This runs it in a process of its own, as a
deployment would (the UI's process stays what `assistant ui` is), prints one JSON
line `{"url": ".../v1", "model": ...}` once it listens on 127.0.0.1, and serves
until its stdin closes (the parent exited) or it is terminated. `serve()` does all
that from Python, for `benchmarks.concurrency`:

    python -m benchmarks.llama_server --slots 4     (Ctrl-D or Ctrl-C stops it)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.measure import CACHE, ROOT, stop

CTX_PER_SLOT = 4096  # the assistant's own n_ctx: each slot holds a whole answer's prompt
READY_TIMEOUT_S = 300


@dataclass(frozen=True)
class Served:
    """A running server: its OpenAI base URL and the model name it reports."""

    url: str
    model: str


def default_model() -> Path:
    from assistant.llm.model_files import default_gguf
    from assistant.settings import Settings

    return default_gguf(Settings(_env_file=None).model_cache_dir)  # type: ignore[call-arg]


def server_params(model: Path, slots: int, threads: int) -> Any:
    """llama.cpp's defaults (prompt cache, continuous batching) with N slots of 4096 tokens."""
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = str(model)
    params.model_alias = {model.stem}  # what /v1/models and every reply call the model
    params.n_parallel = slots
    params.n_ctx = CTX_PER_SLOT * slots
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.verbosity = -1
    return params


def base_url(listening_address: str) -> str:
    """The `/v1` URL of `Server.listening_address` (which may already carry http://)."""
    address = listening_address.rstrip("/")
    return f"{address if '://' in address else 'http://' + address}/v1"


def run(model: Path, slots: int, threads: int) -> None:
    """Start the server, announce it on stdout, serve until stdin closes."""
    import xllamacpp

    server = xllamacpp.Server(server_params(model, slots, threads))
    served = Served(base_url(server.listening_address), model.stem)
    print(json.dumps({"url": served.url, "model": served.model}), flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        sys.stdin.read()  # EOF: the parent closed the pipe, or exited
    del server


@contextmanager
def serve(slots: int, model: Path | None = None, threads: int | None = None) -> Iterator[Served]:
    """Run the server in a child process for the duration of the block."""
    threads = threads or os.cpu_count() or 2
    command = [sys.executable, "-m", "benchmarks.llama_server", "--slots", str(slots)]
    command += ["--threads", str(threads), *(["--model", str(model)] if model else [])]
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / "llama-server.log").open("w") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True
        )
    try:
        yield announced(process)
    finally:
        if process.stdin:
            process.stdin.close()
        stop(process)


def announced(process: subprocess.Popen[str]) -> Served:
    """The JSON line the child prints once it listens (or an error naming its log)."""
    lines: list[str] = []
    reader = threading.Thread(
        target=lambda: lines.append(process.stdout.readline() if process.stdout else ""),
        daemon=True,
    )
    reader.start()
    reader.join(READY_TIMEOUT_S)
    if not lines or not lines[0].strip():
        process.kill()
        raise RuntimeError(f"llama.cpp's server did not start: see {CACHE / 'llama-server.log'}")
    found = json.loads(lines[0])
    return Served(found["url"], found["model"])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.llama_server", description=__doc__)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--slots", type=int, default=4, help="parallel slots (n_parallel)")
    parser.add_argument("--model", type=Path, help="GGUF file (default: the assistant's own)")
    parser.add_argument(
        "--threads", type=int, default=os.cpu_count() or 2, help="CPU threads (default: all)"
    )
    args = parser.parse_args(argv)
    run(args.model or default_model(), args.slots, args.threads)
    return 0


if __name__ == "__main__":
    sys.exit(main())
