"""Compare two eval runs item by item: what flipped, and what changed at all.

Two questions, two uses:
- *Flipped*: answered in one run and abstained in the other, or a different
  number of expected facts found (say, two llama.cpp builds). The answer text
  may differ without a flip. For each flip the decision margins of both runs
  are shown: a flip at a small margin is a near-tie; one at a wide margin is a
  real change.
- *Changed*: anything an answer is made of differs: the text, the decision
  (answer or abstain, its reason, every signal and the margin), or the
  citations with their files and offsets. A change that should not alter
  answers (a refactor) must show 0 items changed.

    python -m evals.flips evals/results/latest-local.json /tmp/portable/latest-local.json
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from evals.metrics import ItemResult


def load(path: Path) -> dict[str, ItemResult]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {i["id"]: ItemResult.model_validate(i) for i in data["items"]}


def outcome(item: ItemResult) -> tuple[bool, int]:
    return item.abstained, item.facts_found


def flips(a: dict[str, ItemResult], b: dict[str, ItemResult]) -> list[str]:
    """Ids of the items both runs scored whose outcome differs."""
    return [i for i in a if i in b and outcome(a[i]) != outcome(b[i])]


def differences(x: ItemResult, y: ItemResult) -> list[str]:
    """What differs between two runs' results for one item (empty: the same answer).
    Citation offsets are compared when both runs recorded them."""
    found = []
    if x.answer != y.answer:
        found.append("text")
    if x.abstained != y.abstained or x.decision != y.decision:
        found.append("decision")
    if x.cited_sources != y.cited_sources or (x.quotes and y.quotes and x.quotes != y.quotes):
        found.append("citations")
    if x.standalone_question != y.standalone_question:
        found.append("rewrite")
    return found


def margin(item: ItemResult) -> str:
    decision = item.decision or {}
    return f"{decision.get('margin', float('nan')):+.3f}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("first", type=Path)
    parser.add_argument("second", type=Path)
    args = parser.parse_args(argv)
    a, b = load(args.first), load(args.second)
    shared = [i for i in a if i in b]
    changed = flips(a, b)
    texts = sum(a[i].answer != b[i].answer for i in shared)
    print(f"{len(changed)} of {len(shared)} items flipped; {texts} answer texts differ")
    for i in changed:
        x, y = a[i], b[i]
        print(
            f"  {i}: abstained {x.abstained} -> {y.abstained}, facts {x.facts_found} -> "
            f"{y.facts_found} (of {x.facts_expected}); margins {margin(x)} / {margin(y)}"
        )
    altered = {i: differences(a[i], b[i]) for i in shared}
    altered = {i: what for i, what in altered.items() if what}
    offsets = all(a[i].quotes or not a[i].citations for i in shared) and all(
        b[i].quotes or not b[i].citations for i in shared
    )
    print(
        f"{len(altered)} of {len(shared)} items changed (text, decision, citations"
        f"{' with offsets' if offsets else ', offsets not recorded in both runs'}, rewrite)"
    )
    for i, what in altered.items():
        print(f"  {i}: {', '.join(what)}")
    margins = sorted(abs((a[i].decision or {}).get("margin", 0.0)) for i in shared)
    if margins:
        print(f"smallest decision margins: {', '.join(f'{m:.3f}' for m in margins[:5])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
