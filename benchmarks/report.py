"""The benchmark table: printed for the terminal, written as `benchmarks/results.md`.

Everything in results.md comes from one run: the table, the verdict on each target
(from the figures themselves) and a guide to reading it that states no number. Prose
about what a run's numbers mean belongs under that run's file and is dropped by the
next run, so a fresh table never sits under stale analysis.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.measure import Figure

RESULTS = Path(__file__).resolve().parent / "results.md"


def _number(value: float | None, unit: str = "") -> str:
    if value is None:
        return ""
    digits = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2 if abs(value) >= 1 else 3
    return f"{value:,.{digits}f}{f' {unit}' if unit else ''}"


def _verdict(figure: Figure) -> str:
    if figure.met is None:
        return figure.target
    return f"{figure.target}: {'met' if figure.met else 'MISSED'}"


def rows(figures: list[Figure]) -> list[list[str]]:
    table = []
    for f in figures:
        ratio = f.ratio
        table.append(
            [
                f.group,
                f.name,
                _number(f.value, f.unit),
                _number(f.floor, f.unit) + (f" ({f.floor_name})" if f.floor_name else ""),
                "" if ratio is None else f"{ratio:.2f}×",
                _verdict(f),
                f.note,
            ]
        )
    return table


HEADER = ["group", "figure", "value", "floor", "ratio", "target", "note"]


def print_table(figures: list[Figure]) -> None:
    for row in rows(figures):
        group, name, value, floor, ratio, target, _ = row
        floor_short = floor.split(" (")[0]
        print(f"{group:<16} {name[:70]:<70} {value:>14} {floor_short:>14} {ratio:>7}  {target}")


READING = """## How to read the table

- **Floor**: the cost of work that cannot be avoided, measured in the same run.
  - Cold start: a bare script that imports the libraries a question needs and loads its two
    models, nothing else.
  - Warm overhead: the time spent inside the LLM calls of the same answers.
  - Retrieval: NumPy's exact dot product over every stored vector, query embedding included.
  - Ingest: MiniLM encoding the same chunk texts in one call.
  - Memory: the cold-start floor process (libraries imported, both models loaded).
  - A ratio below 1× means faster (or smaller) than the floor.
- **Peak memory** is each process's own high-water mark (Linux VmHWM, polled while it runs).
  GGUF weights are memory-mapped: file-backed pages count as resident once read, and the
  kernel can reclaim them.
- **Synthetic corpora**: recombined seed sentences with 50 held-back "needle" sentences; each
  needle's chunks are the known relevant ones for its query (`benchmarks/synthetic.py`).
  Their vectors are composed (each chunk gets the normalized sum of its sentences' real
  MiniLM vectors), which packs them into a narrow space: a stress test for approximate
  search, not a picture of real news vectors. Everything else is the real code: chunking,
  Chroma writes, the HNSW index, BM25, the retrievers.
- **The machine matters**: on 2 cores the LLM's prompt reading is compute-bound, and the
  same code reads prompts 40 to 170 tokens/s on the machines it has run on. Compare
  figures within one run, against their floors."""


def targets(figures: list[Figure]) -> list[str]:
    """The figures that carry a target, with the verdict of this run."""
    lines = [
        "## Against the targets",
        "",
        "| target | figure | measured | verdict |",
        "|---|---|---|---|",
    ]
    for f in figures:
        if f.met is None:
            continue
        measured = _number(f.value, f.unit) + (f" ({f.ratio:.2f}× floor)" if f.ratio else "")
        verdict = "met" if f.met else "MISSED"
        lines.append(f"| {f.target} | {f.group}: {f.name} | {measured} | {verdict} |")
    return lines


def markdown(figures: list[Figure], machine: dict[str, str], notes: str, command: str) -> str:
    lines = ["# Benchmark results", "", f"Produced by `{command}`.", ""]
    lines += [f"- **{key}**: {value}" for key, value in machine.items()]
    lines += [
        "",
        "Each figure is the median of several runs; its floor is measured in the same run.",
        "",
    ]
    lines += ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for row in rows(figures):
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    lines += ["", *targets(figures), "", READING, ""]
    if notes.strip():
        lines += [notes.strip(), ""]
    return "\n".join(lines)
