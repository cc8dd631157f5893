"""Fit the answer-or-abstain thresholds on the dev split of an eval report.

Every eval item records the signals the decision read (see
assistant/decision.py). This replays the rule over a grid of thresholds on
the dev items only, picks the pair with the best balanced accuracy (answered
answerable items and abstained not-answerable ones weigh the same), prefers
the widest margin among ties, and prints how the choice does on heldout.

On a report of a run with the decision switched off (`--select-threshold 0
--none-threshold 1 --coverage-threshold 0`), every item that reached the
decision was answered, so the run holds what any thresholds would give:
`replay` turns the items the rule would refuse into abstentions, and the
summary of the result is the run those thresholds would have made (the
thresholds are read in one place, the decision; an answer check that abstained
stays abstained). `--metrics` prints that summary per split, for the fitted
thresholds or for the ones given with `--thresholds`.

    python -m evals.calibrate evals/results/latest-local.json
    python -m evals.calibrate /tmp/open/latest-local.json --metrics
    python -m evals.calibrate /tmp/open/latest-local.json --metrics --thresholds 0.3 0.125 0.2

Several reports are read as one set (corpora together, or a run and a rerun of some
of its items: a later report's item replaces an earlier one's of the same id).
`--write PATH` writes the replayed run as a report (its answers are those a run with
these thresholds gives; its times and tokens are the decision-off run's, which also
phrased the answers the thresholds refuse; the meta says so).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from assistant.answering.decision import (
    LACKS_TERMS,
    LACKS_TYPE,
    NONE_ANSWERS,
    UNSURE,
    decision_margin,
)
from assistant.schema import ABSTAIN_TEXT, Thresholds
from evals.metrics import ItemResult, summarize
from evals.report import report_data

GRID = [round(0.05 * i, 2) for i in range(0, 21)]
NONE_GRID = [round(0.005 * i, 3) for i in range(1, 101)]  # finer: where the classes meet


def answers(item: ItemResult, t: Thresholds) -> bool:
    """The decision rule of assistant/decision.py, replayed from recorded signals; an
    item that the answer check abstained on after the decision stays abstained."""
    signals = (item.decision or {}).get("signals", {})
    if "selected" not in signals or item.check == "abstained":
        return False  # nothing relevant was retrieved (no selection ran), or the check refused
    return (
        signals["none"] <= t.none
        and signals["selected"] >= t.select
        and signals["coverage"] >= t.coverage
        and signals.get("answer_type", 1.0) >= 1.0
    )


def accuracy(items: Sequence[ItemResult], t: Thresholds) -> tuple[float, float]:
    """(answered share of answerable items, abstained share of the others)."""
    yes = [answers(i, t) for i in items if i.answerable]
    no = [not answers(i, t) for i in items if not i.answerable]
    return (sum(yes) / len(yes) if yes else 1.0, sum(no) / len(no) if no else 1.0)


def margin(items: Sequence[ItemResult], t: Thresholds) -> float:
    """The smallest distance of any item's scores from their thresholds."""
    gaps = []
    for item in items:
        signals = (item.decision or {}).get("signals", {})
        if "selected" in signals:
            gaps.append(min(abs(signals["selected"] - t.select), abs(signals["none"] - t.none)))
    return min(gaps, default=0.0)


def fit(items: Sequence[ItemResult]) -> Thresholds:
    """The thresholds with the best balanced accuracy on dev; the widest margin breaks ties."""
    dev = [i for i in items if i.split == "dev"]
    best: tuple[float, float, Thresholds] | None = None
    for select in GRID:
        for none in NONE_GRID:
            for cover in GRID:
                t = Thresholds(select, none, cover)
                answered, abstained = accuracy(dev, t)
                key = (round(0.5 * (answered + abstained), 6), margin(dev, t), t)
                if best is None or key[:2] > best[:2]:
                    best = key
    assert best is not None
    return best[2]


def replay(item: ItemResult, t: Thresholds) -> ItemResult:
    """The item as a run with thresholds `t` would have scored it: unchanged when the rule
    answers (or it abstained anyway), else the abstention, with nothing cited or found."""
    signals = (item.decision or {}).get("signals", {})
    if "selected" not in signals:
        return item  # no selection ran: abstained whatever the thresholds
    margin = decision_margin(signals["selected"], signals["none"], t)
    if item.abstained or answers(item, t):
        return item.model_copy(update={"decision": {**(item.decision or {}), "margin": margin}})
    reason = (
        NONE_ANSWERS if signals["none"] > t.none
        else UNSURE if signals["selected"] < t.select
        else LACKS_TERMS if signals["coverage"] < t.coverage
        else LACKS_TYPE
    )  # fmt: skip
    decision = {**(item.decision or {}), "answer": False, "reason": reason, "margin": margin}
    return item.model_copy(
        update={
            "answer": ABSTAIN_TEXT, "raw_answer": "", "abstained": True, "cited_sources": [],
            "quotes": [], "facts_found": 0, "facts_supported": 0, "sources_cited": 0,
            "citations": 0, "citations_on_expected": 0, "invalid_quotes": 0,
            "missing_facts": [], "premise_rejected": False, "check": None, "says": None,
            "abstention_correct": None if item.answerable else True, "decision": decision,
        }
    )  # fmt: skip


def print_metrics(items: Sequence[ItemResult], t: Thresholds) -> None:
    """The headline metrics of the replayed run, per split (answers: not their times)."""
    keys = [
        "fact_recall", "false_refusal_rate", "abstention_rate", "wrong_but_cited",
        "citation_precision", "date_accuracy",
    ]  # fmt: skip
    print(f"{'split':8} {'n':>4} " + " ".join(f"{k:>18}" for k in keys))
    for split in ("dev", "heldout", "all"):
        chosen = [replay(i, t) for i in items if split in ("all", i.split)]
        summary = summarize(chosen)
        cells = []
        for k in keys:
            value = summary[k]
            cells.append(f"{value:>18.1%}" if isinstance(value, float) else f"{'-':>18}")
        print(f"{split:8} {len(chosen):>4} " + " ".join(cells))


def read_items(reports: Sequence[Path]) -> list[ItemResult]:
    """The items of several reports, by id; a later report's item replaces an earlier one's."""
    by_id: dict[str, ItemResult] = {}
    for path in reports:
        data = json.loads(path.read_text(encoding="utf-8"))
        for raw in data["items"]:
            item = ItemResult.model_validate(raw)
            by_id[item.id] = item
    return list(by_id.values())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "reports", type=Path, nargs="+", help="eval reports or baselines (JSON), read as one set"
    )
    parser.add_argument(
        "--metrics", action="store_true",
        help="print the replayed run's metrics per split (on a run with the decision off)",
    )  # fmt: skip
    parser.add_argument(
        "--thresholds", nargs=3, type=float, metavar=("SELECT", "NONE", "COVERAGE"),
        help="replay these thresholds instead of fitting them on dev",
    )  # fmt: skip
    parser.add_argument(
        "--write", type=Path, metavar="PATH", help="write the replayed run as a report (JSON)"
    )
    args = parser.parse_args(argv)
    items = read_items(args.reports)
    t = Thresholds(*args.thresholds) if args.thresholds else fit(items)
    print(f"select_threshold = {t.select}\nnone_threshold = {t.none}")
    print(f"coverage_threshold = {t.coverage}")
    for split in ("dev", "heldout", "all"):
        chosen = [i for i in items if split in ("all", i.split)]
        answered, abstained = accuracy(chosen, t)
        print(
            f"{split:8} answered {answered:.1%} of answerable, abstained on {abstained:.1%} "
            f"of the others (smallest margin {margin(chosen, t):.3f})"
        )
    if args.metrics:
        print_metrics(items, t)
    if args.write:
        write_replayed(args.write, args.reports, items, t)
        print(f"wrote the replayed run to {args.write}")
    return 0


def write_replayed(
    path: Path, reports: Sequence[Path], items: Sequence[ItemResult], t: Thresholds
) -> None:
    """The replayed run as a report, with the first report's meta, the thresholds in its
    settings, and where it was replayed from."""
    meta = dict(json.loads(reports[0].read_text(encoding="utf-8")).get("meta", {}))
    settings = dict(meta.get("settings", {}))
    settings.update(select_threshold=t.select, none_threshold=t.none, coverage_threshold=t.coverage)
    meta["settings"] = settings
    meta["replayed_from"] = [str(r) for r in reports]
    data = report_data(meta, [replay(i, t) for i in items])
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
