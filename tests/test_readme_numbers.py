"""The README's numbers are the measured ones.

A figure typed into prose goes stale the day the code changes. The README's eval
table, its question counts, its time per answer and its memory figure are read back
here and compared with what they come from: the committed eval baselines
(`evals/results/`), the question files, and `benchmarks/results.md`. When a new
baseline is written, this test names the README line to update.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from evals.metrics import METRICS
from evals.report import fmt
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
RESULTS = ROOT / "evals" / "results"
BASELINES = {"seed articles": "baseline-local.json", "second corpus": "baseline-local-corpus2.json"}
QUESTIONS = {"seeds": "questions.yaml", "corpus2": "questions_corpus2.yaml"}


def summary(name: str) -> dict[str, Any]:
    data = json.loads((RESULTS / name).read_text(encoding="utf-8"))
    return dict(data["summary"]["all"])


def questions(name: str) -> list[dict[str, Any]]:
    data = yaml.safe_load((ROOT / "evals" / name).read_text(encoding="utf-8"))
    return list(data if isinstance(data, list) else data["questions"])


def eval_table() -> tuple[list[str], list[list[str]]]:
    """The README's eval table: its column heads and its rows of cells."""
    found = re.search(r"<!-- eval-table:.*?-->\n(.*?)<!-- /eval-table -->", README, re.S)
    assert found, "the README's eval table (between its eval-table comments) is missing"
    lines = [line.strip().strip("|").split("|") for line in found[1].strip().splitlines()]
    heads, rows = [c.strip() for c in lines[0]], [[c.strip() for c in r] for r in lines[2:]]
    return heads, rows


def test_the_eval_table_gives_the_baselines_figures() -> None:
    heads, rows = eval_table()
    metrics = {m.label: m for m in METRICS}
    assert rows and set(BASELINES) <= set(heads)
    for row in rows:
        metric = metrics.get(row[0])
        assert metric, f"README eval table: {row[0]!r} is not a metric of evals/metrics.py"
        for column, baseline in BASELINES.items():
            expected = fmt(metric, summary(baseline)[metric.key])
            shown = row[heads.index(column)]
            assert shown == expected, f"README: {row[0]}, {column}: {shown}; {baseline}: {expected}"


def test_the_question_counts_are_those_of_the_question_files() -> None:
    seeds, corpus2 = (questions(QUESTIONS[k]) for k in ("seeds", "corpus2"))
    everything = [*seeds, *corpus2]
    heldout = sum(1 for q in everything if q.get("split") == "heldout")
    traps = sum(summary(name)["n_traps"] for name in BASELINES.values())
    prose = " ".join(README.split())
    said = re.search(
        r"holds (\d+) hand-written questions over the five seed articles and (\d+)", prose
    )
    assert said and (int(said[1]), int(said[2])) == (len(seeds), len(corpus2))
    assert f"and {traps} trap items" in prose
    assert f"{heldout} of the {len(everything)} are held out" in prose


def test_the_time_per_answer_is_the_seed_evals_median() -> None:
    median = summary(BASELINES["seed articles"])["latency_median_s"]
    said = re.search(r"\(median (\d+\.\d) s on the seed eval,[^)]*\)", " ".join(README.split()))
    assert said, "the README's time per answer is not where expected"
    assert float(said[1]) == pytest.approx(median, abs=0.05)


def benchmark_peak_mb(figure: str) -> float:
    """A peak-memory row of benchmarks/results.md, in MB."""
    text = (ROOT / "benchmarks" / "results.md").read_text(encoding="utf-8")
    row = next((r for r in text.splitlines() if figure in r), None)
    assert row, f"benchmarks/results.md has no row {figure!r}"
    return float(row.split("|")[3].strip().split()[0].replace(",", ""))


def test_the_memory_figure_covers_the_measured_peaks() -> None:
    said = re.search(r"and ([\d.]+) GB of free memory while it answers", " ".join(README.split()))
    assert said, "the README's memory figure is not where expected"
    peaks = [
        benchmark_peak_mb("peak RSS of `assistant ask` (a whole answer)"),
        benchmark_peak_mb("peak RSS of `assistant ui` after answering a question"),
    ]
    assert max(peaks) <= float(said[1]) * 1000 <= max(peaks) * 1.25, peaks


def test_no_stale_figures_of_the_old_pipeline() -> None:
    """Figures the issue found wrong: an old model name, an old share held out."""
    for stale in ("Qwen2.5 1.5B", "a fifth held out", "answer@3 as the default"):
        assert stale not in README, stale


def test_the_files_it_reads_exist() -> None:
    for name in BASELINES.values():
        assert (RESULTS / name).is_file(), name
    assert Path(ROOT / "benchmarks" / "results.md").is_file()


def table_rows(path: Path, section: str) -> list[dict[str, str]]:
    """The rows of the first table under a `## section` heading of a Markdown file."""
    text = path.read_text(encoding="utf-8")
    body = text.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in body.splitlines() if line.startswith("|")]
    heads = [c.strip() for c in lines[0].strip("|").split("|")]
    return [
        dict(zip(heads, (c.strip() for c in r.strip("|").split("|")), strict=True))
        for r in lines[2:]
    ]


def test_the_concurrency_figures_are_the_benchmarks() -> None:
    concurrency = ROOT / "benchmarks" / "concurrency.md"
    local = {r["users"]: r for r in table_rows(concurrency, "local: the in-process model")}
    server = {r["users"]: r for r in table_rows(concurrency, "server: llama.cpp's server, 4 slots")}
    prose = " ".join(README.split())
    alone, ten = local["1"]["answers/min"], local["10"]["answers/min"]
    assert f"{alone} with 1 user, {ten} with 10" in prose
    assert f"answer is {float(local['10']['answer p50 s']):.0f} s" in prose
    per_minute = float(server["10"]["answers/min"])
    assert f"about the same ({per_minute:.1f} a minute)" in prose
    assert f"changed {server['10']['differ from U=1']} of 10 answers" in prose


def test_the_passages_show_within_a_second_in_the_browser() -> None:
    timing = ROOT / "benchmarks" / "ui_timing.md"
    text = timing.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| first passage |"))
    p50 = float(row.strip("|").split("|")[2])
    assert "reading within a second" in " ".join(README.split())
    assert p50 < 1.0, f"benchmarks/ui_timing.md: first passage p50 {p50} s"
