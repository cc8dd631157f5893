"""`python -m benchmarks`: run every group, print the table, write benchmarks/results.md."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from assistant.core import Assistant
from assistant.ingest.embeddings import build_embedder
from assistant.llm.model_files import default_gguf
from assistant.settings import Settings
from benchmarks import (
    answering,
    ingesting,
    report,
    retrieval,
    startup,
    synthetic,
)
from benchmarks.measure import CACHE, Figure, machine

GROUPS = ("ingest", "retrieval", "startup", "answer", "ui")


def seed_probes() -> list[retrieval.Probe]:
    from evals.runner import load_questions

    return [
        retrieval.Probe(q.question, set(q.sources), by_file=True)
        for q in load_questions()
        if q.answerable and q.kind in ("single", "multi") and q.sources
    ]


def needle_probes(settings: Settings, size: int) -> list[retrieval.Probe]:
    from assistant.ingest.embeddings import fingerprint
    from assistant.ingest.store import ArticleStore

    got = ArticleStore(settings, fingerprint(settings)).get_all(["documents"])
    probes = []
    for needle in synthetic.load_needles(size):
        relevant = {
            i for i, doc in zip(got["ids"], got["documents"], strict=True) if needle.sentence in doc
        }
        if relevant:
            probes.append(retrieval.Probe(needle.query, relevant))
    return probes


def ui_figures(persist_dir: str, memory_floor: float | None) -> list[Figure]:
    from benchmarks.ui_memory import ui_memory  # needs the test extra (Playwright)

    return ui_memory(persist_dir, memory_floor)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="repeats of each timed figure")
    parser.add_argument("--groups", default=",".join(GROUPS), help=f"subset of {','.join(GROUPS)}")
    parser.add_argument("--sizes", default="10000,100000", help="synthetic corpus sizes (chunks)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the synthetic stores")
    parser.add_argument("--out", type=Path, default=report.RESULTS, help="Markdown results file")
    args = parser.parse_args(argv)
    groups = set(args.groups.split(","))
    if groups - set(GROUPS):
        parser.error(f"unknown groups {sorted(groups - set(GROUPS))}; choose from {GROUPS}")
    sizes = [int(s) for s in args.sizes.split(",") if s]

    seeds = Settings(persist_dir=CACHE / "seeds-store")
    embedder = build_embedder(seeds)
    ingesting.ensure_store(seeds, embedder)
    figures: list[Figure] = []
    failures: list[str] = []

    def run(group: str, measure: Callable[[], list[Figure]]) -> list[Figure]:
        if group not in groups:
            return []
        try:
            new = measure()
        except Exception as exc:  # one broken group must not lose the others' figures
            failures.append(f"{group}: {type(exc).__name__}: {exc}")
            print(f"group {group} failed: {exc}", file=sys.stderr)
            return []
        report.print_table(new)
        figures.extend(new)
        return new

    run("ingest", lambda: ingesting.reingest(seeds, embedder, args.runs))
    run("ingest", lambda: ingesting.throughput(embedder, max(2, args.runs // 2)))
    run("ingest", lambda: [ingesting.store_size("seeds", seeds)])
    stores: dict[int, Settings] = {}
    if groups & {"ingest", "retrieval"}:
        for size in sizes:
            stores[size], built = ingesting.synthetic_store(size, args.rebuild)
            run(
                "ingest",
                lambda b=built, s=size: [*b, ingesting.store_size(f"synthetic {s:,}", stores[s])],
            )
    run("retrieval", lambda: retrieval.measure("seeds", seeds, embedder, seed_probes()))
    for size, settings in stores.items():
        name = f"synthetic {size:,}"
        run(
            "retrieval",
            lambda n=name, s=settings, z=size: retrieval.measure(
                n, s, embedder, needle_probes(s, z)
            ),
        )
    started = run(
        "startup",
        lambda: startup.cold_start(
            seeds, Path(embedder.onnx_file), default_gguf(seeds.model_cache_dir), args.runs
        ),
    )
    run("answer", lambda: answering.warm_and_llm(Assistant(seeds)))
    memory_floor = started[-1].floor if started else None
    run("ui", lambda: ui_figures(str(seeds.persist_dir), memory_floor))

    command = "python -m benchmarks " + " ".join(argv if argv is not None else sys.argv[1:])
    figures.sort(key=lambda f: f.group)
    notes = ""
    if failures:
        notes = "## Groups that failed in this run\n\n" + "\n".join(f"- {f}" for f in failures)
    args.out.write_text(report.markdown(figures, machine(), notes, command.strip()))
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
