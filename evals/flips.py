"""Count the items whose outcome differs between two eval runs (say, two llama.cpp builds).

An item flips when it is answered in one run and abstained in the other, or
when the number of expected facts found differs. The answer text may differ
without a flip. For each flip the decision margins of both runs are shown:
a flip at a small margin is a near-tie; one at a wide margin is a real change.

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
    margins = sorted(abs((a[i].decision or {}).get("margin", 0.0)) for i in shared)
    if margins:
        print(f"smallest decision margins: {', '.join(f'{m:.3f}' for m in margins[:5])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
