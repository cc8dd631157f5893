"""What a run leaves behind: tables, JSON and Markdown reports, the baseline and the gate.

A report and a baseline have the same JSON shape (meta, summary per split, the
per-question results), so any report can serve as a baseline. Comparisons never
trust a stored summary: both sides are recomputed from the per-question results
on the items they share, so `--only` and `--split` runs compare like with like.
"""

from __future__ import annotations

import json
import tomllib
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError
from evals.metrics import METRICS, ItemResult, Metric, Summary, summarize

SPLITS = ("all", "dev", "heldout")
_BY_KEY = {m.key: m for m in METRICS}
_EPSILON = 1e-9


@dataclass
class Baseline:
    path: Path
    meta: dict[str, Any]
    items: list[ItemResult]


@dataclass
class Comparison:
    """Baseline and current summaries per split, on the items both runs scored alike."""

    path: str
    model: str
    prompt: str
    compared: list[str]
    not_in_baseline: list[str]  # new or edited since the baseline (question hash differs)
    summaries: dict[str, tuple[Summary, Summary]]  # split -> (baseline, current)


@dataclass
class Check:
    metric: str
    passed: bool
    message: str


@dataclass
class Gate:
    passed: bool
    checks: list[Check] = field(default_factory=list)
    note: str = ""


def split_summaries(items: Sequence[ItemResult]) -> dict[str, Summary]:
    """The summary of all items, of the dev split and of the heldout split."""
    return {s: summarize([i for i in items if s in ("all", i.split)]) for s in SPLITS}


def fmt(metric: Metric, value: float | int | None, signed: bool = False) -> str:
    """A metric's value for a table ("85.0%", "0.714", "1.23s", "874"); signed for changes."""
    if value is None:
        return "n/a"
    sign = "+" if signed else ""
    if metric.unit == "rate":
        return f"{value * 100:{sign}.1f}{' pt' if signed else '%'}"
    if metric.unit == "score":
        return f"{value:{sign}.3f}"
    return f"{value:{sign}.2f}s" if metric.unit == "seconds" else f"{value:{sign}.0f}"


def fmt_change(metric: Metric, before: float | int | None, after: float | int | None) -> str:
    return "n/a" if before is None or after is None else fmt(metric, after - before, signed=True)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table with padded columns, readable in a terminal too."""
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows, strict=True)]
    lines = [headers, ["-" * w for w in widths], *rows]
    return "\n".join(
        "| " + " | ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)) + " |"
        for line in lines
    )


def item_table(items: Sequence[ItemResult]) -> str:
    rows = []
    for i in items:
        answerable = i.answerable
        hit = (
            "-" if not answerable else "yes" if i.retrieval_rank and i.retrieval_rank <= 3 else "no"
        )
        abstained = "yes" if i.abstained else "no, corrects" if i.premise_rejected else "no"
        rows.append(
            [
                i.id,
                i.kind,
                i.split,
                f"{i.facts_found}/{i.facts_expected}" if answerable else "-",
                f"{i.sources_cited}/{i.sources_expected}" if answerable else f"{i.citations} cited",
                abstained,
                hit,
                "ok" if i.ok else "FAIL",
                f"{i.total_s:.1f}",
            ]
        )
    headers = ["id", "kind", "split", "facts", "sources", "abstained", "hit@3", "result", "s"]
    return table(headers, rows)


def summary_table(summaries: dict[str, Summary]) -> str:
    counts = ["items"] + [str(summaries[s]["n_items"]) for s in SPLITS]
    rows = [counts] + [[m.label] + [fmt(m, summaries[s][m.key]) for s in SPLITS] for m in METRICS]
    return table(["metric", *SPLITS], rows)


def comparison_table(comparison: Comparison) -> str:
    base, current = comparison.summaries["all"]
    rows = []
    for m in METRICS:
        per_split = [
            fmt_change(m, *(side[m.key] for side in comparison.summaries[s])) for s in SPLITS[1:]
        ]
        before, after = base[m.key], current[m.key]
        change = fmt_change(m, before, after)
        rows.append([m.label, fmt(m, before), fmt(m, after), change, *per_split])
    return table(["metric", "baseline", "current", "change", "dev change", "heldout change"], rows)


def load_baseline(path: Path) -> Baseline | None:
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        items = [ItemResult.model_validate(i) for i in data["items"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise AssistantError(f"cannot read the baseline {path}: {exc}") from None
    return Baseline(path, dict(data.get("meta", {})), items)


def compare(items: Sequence[ItemResult], baseline: Baseline) -> Comparison:
    """Recompute both sides on the items the baseline scored with the same question."""
    known = {(b.id, b.question_hash): b for b in baseline.items}
    current = [i for i in items if (i.id, i.question_hash) in known]
    before = [known[(i.id, i.question_hash)] for i in current]
    after_splits, before_splits = split_summaries(current), split_summaries(before)
    return Comparison(
        path=str(baseline.path),
        model=str(baseline.meta.get("model", "")),
        prompt=str(baseline.meta.get("prompt", "")),
        compared=[i.id for i in current],
        not_in_baseline=[i.id for i in items if (i.id, i.question_hash) not in known],
        summaries={s: (before_splits[s], after_splits[s]) for s in SPLITS},
    )


def load_floors(path: Path, backend: str) -> dict[str, float]:
    """The gate's floors (and ceilings, for lower-is-better metrics) for one backend."""
    if not path.is_file():
        return {}
    try:
        table_ = tomllib.loads(path.read_text(encoding="utf-8")).get(backend, {})
    except tomllib.TOMLDecodeError as exc:
        raise AssistantError(f"cannot read the gate floors {path}: {exc}") from None
    unknown = sorted(k for k in table_ if k not in _BY_KEY or _BY_KEY[k].better is None)
    if unknown:
        raise AssistantError(f"{path} [{backend}]: no floor possible for {', '.join(unknown)}")
    return {k: float(v) for k, v in table_.items()}


def gate(summary: Summary, floors: dict[str, float], full_run: bool) -> Gate:
    """Quote validity 100%, always; on a full run, every floor too (a crash fails the run).

    Floors are absolute and sit a few points under what was measured, with the
    margin set from how many items flip between two builds of llama.cpp (see
    evals/README.md), so the gate holds on any CPU instead of replaying one.
    """
    validity = summary["quote_validity"]
    checks = [
        Check(
            "quote_validity",
            validity is None or validity >= 1.0 - _EPSILON,
            f"quote validity {fmt(_BY_KEY['quote_validity'], validity)} (must be 100%)",
        ),
    ]
    if not floors:
        return Gate(all(c.passed for c in checks), checks, "no floors: quote validity only")
    if not full_run:
        note = "a subset run: floors apply to the full set only"
        return Gate(all(c.passed for c in checks), checks, note)
    for key, bound in floors.items():
        metric = _BY_KEY[key]
        value = summary[key]
        if value is None:
            checks.append(Check(key, False, f"{metric.label}: not measured"))
            continue
        higher = metric.better != "lower"
        passed = value >= bound - _EPSILON if higher else value <= bound + _EPSILON
        sign = ">=" if higher else "<="
        checks.append(
            Check(key, passed, f"{metric.label} {fmt(metric, value)} ({sign} {fmt(metric, bound)})")
        )
    return Gate(all(c.passed for c in checks), checks)


def gate_text(result: Gate) -> str:
    lines = [f"[{'ok' if c.passed else 'FAIL'}] {c.message}" for c in result.checks]
    if result.note:
        lines.append(result.note)
    lines.append(f"gate: {'PASSED' if result.passed else 'FAILED'}")
    return "\n".join(lines)


def report_data(meta: dict[str, Any], items: Sequence[ItemResult]) -> dict[str, Any]:
    """The JSON shared by reports and baselines."""
    return {
        "meta": meta,
        "summary": split_summaries(items),
        "items": [i.model_dump(mode="json") for i in items],
    }


def markdown(
    meta: dict[str, Any],
    items: Sequence[ItemResult],
    comparison: Comparison | None,
    result: Gate,
) -> str:
    about = ", ".join(
        f"{k}: {meta.get(k) or '-'}" for k in ("backend", "model", "prompt", "created")
    )
    parts = [f"# Evaluation report\n\n{about}", "## Summary", summary_table(split_summaries(items))]
    if comparison is not None:
        parts += [
            f"## Change against the baseline\n\n{comparison.path} "
            f"(model {comparison.model or '-'}, prompt {comparison.prompt or '-'}), "
            f"on {len(comparison.compared)} shared items; "
            f"not in the baseline: {', '.join(comparison.not_in_baseline) or 'none'}",
            comparison_table(comparison),
        ]
    parts += ["## Answer check", check_text(items)]
    parts += ["## Gate", gate_text(result).replace("\n", "  \n"), "## Questions", item_table(items)]
    failures = [i for i in items if not i.ok]
    if failures:
        parts.append("## Failures")
        for i in failures:
            missing = f"\n- missing facts: {', '.join(i.missing_facts)}" if i.missing_facts else ""
            parts.append(
                f"**{i.id}** ({i.kind}) {i.question}\n\n- searched: {i.standalone_question}\n"
                f"- answer: {' '.join(i.answer.split())}\n"
                f"- cited: {', '.join(i.cited_sources) or 'nothing'}{missing}"
            )
    return "\n\n".join(parts) + "\n"


def check_text(items: Sequence[ItemResult]) -> str:
    """How often the answer check kept, moved, quoted or refused an answer, and the
    wrong-but-cited items (answers that cite and are wrong)."""
    outcomes = Counter(i.check or "not reached" for i in items)
    counts = ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))
    wrong = [i.id for i in items if i.wrong_but_cited]
    return (
        f"Outcomes over {len(items)} items: {counts}.  \n"
        f"Wrong but cited ({len(wrong)}): {', '.join(wrong) or 'none'}"
    )


def write_reports(out: Path, name: str, data: dict[str, Any], text: str) -> list[Path]:
    """`<name>.json/.md` and `latest-<backend>.json/.md` in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    latest = f"latest-{data['meta']['backend']}"
    paths = []
    for stem in (name, latest):
        for suffix, content in ((".json", json.dumps(data, indent=2)), (".md", text)):
            path = out / f"{stem}{suffix}"
            path.write_text(content + ("\n" if suffix == ".json" else ""), encoding="utf-8")
            paths.append(path)
    return paths


def write_baseline(
    path: Path, meta: dict[str, Any], items: Sequence[ItemResult], subset: bool
) -> str:
    """Write the baseline; a subset run updates its items in a baseline of the same model."""
    old = load_baseline(path)
    merged = list(items)
    same = old is not None and all(old.meta.get(k) == meta.get(k) for k in ("model", "prompt"))
    if subset and old is not None and same:
        fresh = {i.id: i for i in items}
        merged = [fresh.pop(b.id, b) for b in old.items] + list(fresh.values())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report_data(meta, merged), indent=2) + "\n", encoding="utf-8")
    if len(merged) > len(items):
        return f"baseline: updated {len(items)} of {len(merged)} items in {path}"
    replaced = " (replaced one of another model or prompt)" if old and not same else ""
    return f"baseline: wrote {len(items)} items to {path}{replaced}"


def as_json(comparison: Comparison | None, result: Gate) -> dict[str, Any]:
    """The comparison and gate parts of a report."""
    return {
        "comparison": asdict(comparison) if comparison else None,
        "gate": asdict(result),
    }
