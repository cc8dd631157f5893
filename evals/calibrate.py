"""Fit the answer-or-abstain thresholds on the dev split of an eval report.

Every eval item records the signals the decision read (see
assistant/decision.py). This replays the rule over a grid of thresholds on
the dev items only, picks the pair with the best balanced accuracy (answered
answerable items and abstained not-answerable ones weigh the same), prefers
the widest margin among ties, and prints how the choice does on heldout.

    python -m evals.calibrate evals/results/latest-local.json
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from assistant.schema import Thresholds
from evals.metrics import ItemResult

GRID = [round(0.05 * i, 2) for i in range(0, 21)]
NONE_GRID = [round(0.005 * i, 3) for i in range(1, 101)]  # finer: where the classes meet


def answers(item: ItemResult, t: Thresholds) -> bool:
    """The decision rule of assistant/decision.py, replayed from recorded signals."""
    signals = (item.decision or {}).get("signals", {})
    if "selected" not in signals:
        return False  # nothing relevant was retrieved: no selection ran
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("report", type=Path, help="an eval report or baseline JSON")
    args = parser.parse_args(argv)
    data = json.loads(args.report.read_text(encoding="utf-8"))
    items = [ItemResult.model_validate(i) for i in data["items"]]
    t = fit(items)
    print(f"select_threshold = {t.select}\nnone_threshold = {t.none}")
    print(f"coverage_threshold = {t.coverage}")
    for split in ("dev", "heldout", "all"):
        chosen = [i for i in items if split in ("all", i.split)]
        answered, abstained = accuracy(chosen, t)
        print(
            f"{split:8} answered {answered:.1%} of answerable, abstained on {abstained:.1%} "
            f"of the others (smallest margin {margin(chosen, t):.3f})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
