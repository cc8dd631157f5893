"""`python -m benchmarks`: run every group, print the table, write benchmarks/results.md."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from assistant.offline import go_offline

go_offline()

from assistant.embeddings import build_embedder  # noqa: E402
from assistant.model_files import default_gguf  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from benchmarks import ingesting, report, retrieval, synthetic  # noqa: E402
from benchmarks.measure import CACHE, Figure, machine  # noqa: E402

GROUPS = ("ingest", "retrieval", "startup", "answer", "ui")
ANALYSIS = Path(__file__).resolve().parent / "analysis.md"


def seed_probes() -> list[retrieval.Probe]:
    from evals.runner import load_questions

    return [
        retrieval.Probe(q.question, set(q.sources), by_file=True)
        for q in load_questions()
        if q.answerable and q.kind in ("single", "multi") and q.sources
    ]


def needle_probes(settings: Settings, size: int) -> list[retrieval.Probe]:
    from assistant.embeddings import fingerprint
    from assistant.store import ArticleStore

    got = ArticleStore(settings, fingerprint(settings)).get_all(["documents"])
    probes = []
    for needle in synthetic.load_needles(size):
        relevant = {
            i for i, doc in zip(got["ids"], got["documents"], strict=True) if needle.sentence in doc
        }
        if relevant:
            probes.append(retrieval.Probe(needle.query, relevant))
    return probes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="repeats of each timed figure")
    parser.add_argument("--groups", default=",".join(GROUPS), help=f"subset of {','.join(GROUPS)}")
    parser.add_argument("--sizes", default="10000,100000", help="synthetic corpus sizes (chunks)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the synthetic stores")
    parser.add_argument("--out", type=Path, default=report.RESULTS, help="Markdown results file")
    args = parser.parse_args(argv)
    groups = set(args.groups.split(","))
    sizes = [int(s) for s in args.sizes.split(",") if s]

    seeds = Settings(persist_dir=CACHE / "seeds-store")
    embedder = build_embedder(seeds)
    figures: list[Figure] = []
    ingesting.ensure_store(seeds, embedder)

    def add(new: list[Figure]) -> None:
        report.print_table(new)
        figures.extend(new)

    if "ingest" in groups:
        add(ingesting.reingest(seeds, embedder, args.runs))
        add(ingesting.throughput(embedder, max(2, args.runs // 2)))
        add([ingesting.store_size("seeds", seeds)])
    stores = {}
    for size in sizes:
        stores[size], built = ingesting.synthetic_store(size, args.rebuild)
        if "ingest" in groups:
            add([*built, ingesting.store_size(f"synthetic {size:,}", stores[size])])
    if "retrieval" in groups:
        add(
            retrieval.measure("seeds", ingesting.open_store(seeds), seeds, embedder, seed_probes())[
                0
            ]
        )
        for size, settings in stores.items():
            store = ingesting.open_store(settings)
            add(
                retrieval.measure(
                    f"synthetic {size:,}", store, settings, embedder, needle_probes(settings, size)
                )[0]
            )
    if "startup" in groups:
        from benchmarks.startup import cold_start

        add(
            cold_start(
                seeds, Path(embedder.onnx_file), default_gguf(seeds.model_cache_dir), args.runs
            )
        )
    if "answer" in groups:
        from assistant.core import Assistant
        from benchmarks.answering import warm_and_llm

        add(warm_and_llm(Assistant(seeds, chat_model=None)))
    if "ui" in groups:
        from benchmarks.ui_memory import ui_memory

        add(ui_memory(str(seeds.persist_dir)))

    command = "python -m benchmarks " + " ".join(argv if argv is not None else sys.argv[1:])
    notes = ANALYSIS.read_text() if ANALYSIS.is_file() else ""
    figures.sort(key=lambda f: f.group)
    args.out.write_text(report.markdown(figures, machine(), notes, command.strip()))
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
