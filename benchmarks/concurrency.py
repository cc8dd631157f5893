"""`python -m benchmarks.concurrency`: what U people asking at once get from `assistant ui`.

Why: the UI answers through Gradio's queue, `ui_concurrency` answers at a time. With
the in-process model that is one (the others wait their turn); with an LLM server it
can be several. This measures what a user sees, over HTTP, through the documented
`/ask` endpoint: `assistant ui` runs as its own process on 127.0.0.1, then for each
level U (`--users 1,4,10`) U threads start at once, each a user with its own
`gradio_client.Client`, and ask `--questions` Q distinct eval questions between them
(single-article answerable ones of evals/questions.yaml, assigned round-robin; a user
asks its next one when the last is answered). Each level starts from a fresh engine
(server and UI restarted, then warmed with one more question), so no level finds the
same prompts in a cache that an earlier level filled. Per level it reports:

- answers per minute: questions answered / wall time of the level;
- p50 time to the passages: submit → the "ranked" output (the passages being read;
  with the in-process model a queued question reads none until its turn);
- p50 / p95 time to evidence: submit → the "evidence" output (the quotes chosen);
- p50 / p95 time to answer: submit → the final answer (queue wait included);
- differ from U=1: answers whose text or citations differ from the same question's
  answer in this run's U=1 level (every level is compared with it).

Two engines (`--engine`):

- `local`: the default in-process model, `ui_concurrency` 1 (a queue);
- `server --slots N`: llama.cpp's server (xllamacpp, `benchmarks.llama_server`) in its
  own process with N parallel slots and n_ctx 4096·N; the UI uses the `openai` backend
  at its URL with `ui_concurrency` N.

The full measurement, one run per engine (3 levels of 10 questions; one answer takes
~10 s on 2 cores, so about 15-20 minutes each):

    python -m benchmarks.concurrency --engine local --write
    python -m benchmarks.concurrency --engine server --slots 4 --write

Each prints a Markdown table; `--write` puts it in benchmarks/concurrency.md (one
section per engine, a rerun replaces its own). Timings are printed, never asserted.
A quick check that it runs: `--users 1,2 --questions 2`.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant.offline import go_offline
from benchmarks.llama_server import Served, serve
from benchmarks.measure import CACHE, ROOT, assistant_command, machine, percentile, stop

RESULTS = ROOT / "benchmarks" / "concurrency.md"
READY_TIMEOUT_S = 600  # the first start ingests the seeds and exports MiniLM
POLL_S = 0.02  # how often a user looks for new outputs (gradio_client's own loop spins)
TITLE = "# Concurrency: answers per minute and waits when several people ask at once"


@dataclass
class Asked:
    """One question of one level: when its evidence and its answer arrived."""

    question: str
    user: int
    ranked_s: float | None = None  # the "ranked" output: the passages being read
    evidence_s: float | None = None
    answer_s: float | None = None
    answer: dict[str, Any] | None = None
    evidence: dict[str, Any] | None = None  # the "evidence" output, kept for --save
    error: str = ""


@dataclass
class Level:
    users: int
    wall_s: float
    asked: list[Asked] = field(default_factory=list)


@dataclass(frozen=True)
class Engine:
    """What answers: its name for the report and the UI's settings for it."""

    name: str
    concurrency: int
    env: dict[str, str]


def eval_questions(count: int) -> list[str]:
    """The first `count` distinct single-article answerable questions of the eval set."""
    from evals.runner import load_questions

    picked = [q.question for q in load_questions() if q.kind == "single" and q.answerable]
    distinct = list(dict.fromkeys(picked))
    if count > len(distinct):
        raise SystemExit(f"--questions {count}: the eval set has {len(distinct)} to ask")
    return distinct[:count]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"`assistant ui` exited with {process.returncode}: see {log}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"`assistant ui` did not listen on port {port}: see {log}")


@contextmanager
def running_ui(settings: dict[str, str], log_name: str) -> Iterator[str]:
    """`assistant ui` over the seeds in its own process on a free loopback port, with
    these `ASSISTANT_*` variables on top; yields its URL."""
    port = free_port()
    env = {
        **os.environ,
        "ASSISTANT_SOURCE_DIR": str(ROOT / "seeds"),
        "ASSISTANT_PERSIST_DIR": str(CACHE / "seeds-store"),
        "ASSISTANT_UI_HOST": "127.0.0.1",
        "ASSISTANT_UI_PORT": str(port),
        **settings,
    }
    env.pop("ASSISTANT_UI_AUTH", None)
    CACHE.mkdir(parents=True, exist_ok=True)
    log = CACHE / log_name
    with log.open("wb") as out:
        process = subprocess.Popen(
            [assistant_command(), "ui"], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_for_port(port, process, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


def is_evidence(output: Any) -> bool:
    return isinstance(output, dict) and output.get("stage") == "evidence"


def is_ranked(output: Any) -> bool:
    return isinstance(output, dict) and output.get("stage") == "ranked"


def ask_one(client: Any, question: str, user: int, timeout: float) -> Asked:
    """Submit one question to `/ask` and note when each of its outputs arrived."""
    asked = Asked(question, user)
    began = time.perf_counter()
    job = client.submit(question, api_name="/ask")
    while not job.done():
        if asked.ranked_s is None and any(is_ranked(o) for o in job.outputs()):
            asked.ranked_s = time.perf_counter() - began
        if asked.evidence_s is None and any(is_evidence(o) for o in job.outputs()):
            asked.evidence_s = time.perf_counter() - began
        if time.perf_counter() - began > timeout:
            job.cancel()
            asked.error = f"no answer within {timeout:g} s"
            return asked
        time.sleep(POLL_S)
    done_s = time.perf_counter() - began
    try:
        asked.answer = job.result()
    except Exception as exc:  # the endpoint's error (a gr.Error) or a dropped connection
        asked.error = f"{type(exc).__name__}: {exc}"
        return asked
    asked.evidence = next((o for o in job.outputs() if is_evidence(o)), None)
    if asked.evidence_s is None and asked.evidence is not None:
        asked.evidence_s = done_s  # it arrived between the last look and the end
    asked.answer_s = done_s
    return asked


def run_level(url: str, questions: list[str], users: int, timeout: float) -> Level:
    """U users start together; user u asks questions u, u+U, u+2U, ... one after another."""
    from gradio_client import Client

    start = threading.Barrier(users + 1, timeout=READY_TIMEOUT_S)
    results: list[list[Asked]] = [[] for _ in range(users)]

    def user(u: int) -> None:
        client = Client(url, verbose=False)  # connected before the clock starts
        start.wait()
        for question in questions[u::users]:
            results[u].append(ask_one(client, question, u, timeout))

    threads = [threading.Thread(target=user, args=(u,), daemon=True) for u in range(users)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    asked = sorted((a for r in results for a in r), key=lambda a: questions.index(a.question))
    return Level(users, wall, asked)


def answer_key(answer: dict[str, Any] | None) -> tuple[Any, ...] | None:
    """What must be the same under load: the text and every citation's place and quote."""
    if answer is None:
        return None
    cited = tuple((c["file"], c["start"], c["end"], c["quote"]) for c in answer["citations"])
    return (answer["text"], cited)


def mismatches(level: Level, reference: Level | None) -> int | None:
    """Questions whose answer differs from (or failed, unlike) the U=1 level's."""
    if reference is None:
        return None
    alone = {a.question: answer_key(a.answer) for a in reference.asked}
    return sum(answer_key(a.answer) != alone.get(a.question) for a in level.asked)


def seconds(values: list[float], q: float) -> str:
    return f"{percentile(values, q):.1f}" if values else "–"


HEADER = [
    "users", "questions", "wall s", "answers/min", "passages p50 s", "evidence p50 s",
    "evidence p95 s",
    "answer p50 s", "answer p95 s", "abstained", "errors", "differ from U=1",
]  # fmt: skip


def table(levels: list[Level]) -> list[str]:
    reference = next((lv for lv in levels if lv.users == 1), None)
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---:|" * len(HEADER)]
    for level in levels:
        answered = [a for a in level.asked if a.answer is not None]
        evidence = [a.evidence_s for a in answered if a.evidence_s is not None]
        ranked = [a.ranked_s for a in answered if a.ranked_s is not None]
        answers = [a.answer_s for a in answered if a.answer_s is not None]
        differ = mismatches(level, reference)
        row = [
            str(level.users), str(len(level.asked)), f"{level.wall_s:.1f}",
            f"{60 * len(answered) / level.wall_s:.2f}",
            seconds(ranked, 50), seconds(evidence, 50), seconds(evidence, 95),
            seconds(answers, 50), seconds(answers, 95),
            str(sum(bool(a.answer and a.answer["abstained"]) for a in answered)),
            str(len(level.asked) - len(answered)),
            "–" if differ is None else str(differ),
        ]  # fmt: skip
        lines.append("| " + " | ".join(row) + " |")
    return lines


def section(engine: Engine, model: str, levels: list[Level], command: str) -> str:
    """The engine's Markdown section: what ran, then one row per level."""
    about = machine()
    lines = [
        f"## {engine.name}",
        "",
        f"Produced by `{command}` on {about['date']}; {about['cpu']}, {about['memory']}.",
        f"Model: {model}; `ui_concurrency` {engine.concurrency}.",
        "",
        *table(levels),
    ]
    errors = [
        f"- U={lv.users}: {a.question}: {a.error}" for lv in levels for a in lv.asked if a.error
    ]
    if errors:
        lines += ["", "Errors:", "", *errors]
    return "\n".join(lines) + "\n"


def write(text: str, path: Path = RESULTS) -> None:
    """Put an engine's section in the results file, replacing its earlier one."""
    sections = {text.splitlines()[0]: text}
    if path.is_file():
        for part in path.read_text().split("\n## ")[1:]:
            title, _, rest = part.partition("\n")
            sections.setdefault(f"## {title}", f"## {title}\n{rest.rstrip()}\n")
    head = f"{TITLE}\n\nMade by `python -m benchmarks.concurrency` (see its `--help`).\n"
    path.write_text("\n".join([head, *(sections[t] for t in sorted(sections))]))


def engine_for(args: argparse.Namespace, served: Served | None) -> Engine:
    if served is None:
        concurrency = args.concurrency or 1
        return Engine(
            "local: the in-process model", concurrency, {"ASSISTANT_LLM_BACKEND": "local"}
        )
    env = {
        "ASSISTANT_LLM_BACKEND": "openai",
        "ASSISTANT_OPENAI_BASE_URL": served.url,
        "ASSISTANT_OPENAI_MODEL": served.model,
    }
    concurrency = args.concurrency or args.slots
    return Engine(f"server: llama.cpp's server, {args.slots} slots", concurrency, env)


@contextmanager
def fresh_engine(args: argparse.Namespace) -> Iterator[tuple[Engine, str]]:
    """A new server (for `--engine server`) and a new `assistant ui`: no prompt of an
    earlier level is left in a cache to make this one's answers faster or different."""
    with serve(args.slots) if args.engine == "server" else nullcontext(None) as served:
        engine = engine_for(args, served)
        settings = {"ASSISTANT_UI_CONCURRENCY": str(engine.concurrency), **engine.env}
        with running_ui(settings, "concurrency-ui.log") as url:
            yield engine, url


def measure(args: argparse.Namespace) -> tuple[Engine, str, list[Level]]:
    """Each level on a fresh engine, warmed with a question outside the measured ones."""
    from gradio_client import Client

    *questions, warm_up = eval_questions(args.questions + 1)
    levels: list[Level] = []
    for users in args.users:
        with fresh_engine(args) as (engine, url):
            warmed = ask_one(Client(url, verbose=False), warm_up, 0, args.timeout)
            if warmed.answer is None:
                raise SystemExit(f"the warm-up question failed: {warmed.error}")
            made = warmed.answer
            model = f"{made['model']} ({made['backend']}, {made['server']})"
            print(f"{engine.name}: {users} user(s), {len(questions)} questions…", flush=True)
            levels.append(run_level(url, questions, users, args.timeout))
    return engine, model, levels


def save(levels: list[Level], path: Path) -> None:
    """Every question's timings and answer, as JSON (to see what differed, and why)."""
    records = [{"users": lv.users, **asdict(a)} for lv in levels for a in lv.asked]
    path.write_text(json.dumps(records, indent=1))


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.concurrency",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--engine", choices=["local", "server"], default="local", help="what answers (local)"
    )
    parser.add_argument("--slots", type=int, default=4, help="server: parallel slots (4)")
    parser.add_argument(
        "--concurrency", type=int, help="ui_concurrency (default: 1 local, --slots server)"
    )
    parser.add_argument("--users", default="1,4,10", help="simultaneous users per level (1,4,10)")
    parser.add_argument("--questions", type=int, default=10, help="questions per level (10)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per question (1800)")
    parser.add_argument("--save", type=Path, help="also write every answer and timing as JSON")
    parser.add_argument("--write", action="store_true", help=f"write the table to {RESULTS}")
    args = parser.parse_args(argv)
    args.users = [int(u) for u in args.users.split(",") if u]
    if not args.users or min(args.users) < 1 or args.questions < 1 or args.slots < 1:
        parser.error("--users, --questions and --slots must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    go_offline()  # gradio_client and the UI reach nothing but 127.0.0.1
    args = parse_args(argv)
    command = "python -m benchmarks.concurrency " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    engine, model, levels = measure(args)
    text = section(engine, model, levels, command.strip())
    print("\n" + text)
    if args.save:
        save(levels, args.save)
        print(f"wrote {args.save}")
    if args.write:
        write(text)
        print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
