"""evals/calibrate.py: fitting the decision thresholds on dev, and replaying a run made with
the decision switched off as the run other thresholds would have made."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from assistant.answering.decision import NONE_ANSWERS
from assistant.schema import ABSTAIN_TEXT, Thresholds
from evals.calibrate import answers, fit, main, read_items, replay
from evals.metrics import ItemResult, summarize


def item(
    id: str, *, answerable: bool, none: float, selected: float = 0.9, split: str = "dev",
    found: int = 1, check: str | None = "kept", abstained: bool = False,
) -> ItemResult:  # fmt: skip
    """An answered item of a decision-off run, with the signals its decision recorded."""
    signals = {"selected": selected, "none": none, "coverage": 1.0, "answer_type": 1.0}
    return ItemResult(
        id=id, kind="single" if answerable else "unanswerable", split=split,  # type: ignore[arg-type]
        answerable=answerable, question_hash="h", question="q?", standalone_question="q?",
        answer=ABSTAIN_TEXT if abstained else "It was Osaka [1].", abstained=abstained,
        cited_sources=[] if abstained else ["a.txt"], facts_expected=1 if answerable else 0,
        facts_found=0 if abstained else found, sources_expected=1 if answerable else 0,
        sources_cited=0 if abstained else int(answerable), citations=0 if abstained else 1,
        citations_on_expected=0 if abstained else int(answerable), invalid_quotes=0,
        abstention_correct=None if answerable else abstained, total_s=1.0,
        decision={"answer": not abstained, "signals": signals}, check=check,
    )  # fmt: skip


def test_replay_turns_what_the_rule_refuses_into_an_abstention() -> None:
    t = Thresholds(select=0.5, none=0.2, coverage=0.5)
    sure = item("a", answerable=True, none=0.05)
    doubted = item("b", answerable=True, none=0.4)
    trap = item("c", answerable=False, none=0.6)
    kept = replay(sure, t)
    assert kept.answer == sure.answer and kept.decision is not None
    assert kept.decision["margin"] == 0.15  # its margin at these thresholds
    refused = replay(doubted, t)
    assert refused.abstained and refused.answer == ABSTAIN_TEXT
    assert (refused.citations, refused.facts_found, refused.cited_sources) == (0, 0, [])
    assert refused.decision is not None and not refused.decision["answer"]
    assert refused.decision["reason"] == NONE_ANSWERS and refused.decision["margin"] == -0.2
    assert replay(trap, t).abstention_correct is True
    summary = summarize([replay(i, t) for i in (sure, doubted, trap)])
    assert summary["fact_recall"] == 0.5
    assert summary["abstention_rate"] == 1.0
    assert summary["wrong_but_cited"] == 0.0
    # with the decision off, the trap was answered and cited: wrong but cited
    assert summarize([sure, doubted, trap])["wrong_but_cited"] == 1 / 3


def test_an_item_the_answer_check_refused_stays_refused() -> None:
    checked = item("a", answerable=True, none=0.0, check="abstained", abstained=True)
    assert not answers(checked, Thresholds(0.0, 1.0, 0.0))
    assert replay(checked, Thresholds(0.0, 1.0, 0.0)).abstained


def test_fit_separates_dev_and_ignores_heldout() -> None:
    dev = [item(f"y{n}", answerable=True, none=0.02 * n) for n in range(5)]
    dev += [item(f"n{n}", answerable=False, none=0.5 + 0.05 * n) for n in range(5)]
    # a heldout item the fit must not see: answerable, with a "none" score among the traps
    heldout = [item("h", answerable=True, none=0.7, split="heldout")]
    t = fit(dev + heldout)
    assert 0.08 <= t.none < 0.5
    assert all(answers(i, t) == i.answerable for i in dev)


def write(path: Path, items: list[ItemResult]) -> Path:
    data: dict[str, Any] = {"meta": {}, "summary": {}, "items": [i.model_dump() for i in items]}
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_reports_read_as_one_set_a_later_item_replacing_an_earlier(
    tmp_path: Path, capsys: Any
) -> None:
    first = write(tmp_path / "run.json", [item("a", answerable=True, none=0.0, found=0),
                                         item("b", answerable=False, none=0.9)])  # fmt: skip
    rerun = write(tmp_path / "rerun.json", [item("a", answerable=True, none=0.0, found=1)])
    items = read_items([first, rerun])
    assert sorted(i.id for i in items) == ["a", "b"]
    assert next(i for i in items if i.id == "a").facts_found == 1
    assert main([str(first), str(rerun), "--metrics", "--thresholds", "0", "0.5", "0"]) == 0
    out = capsys.readouterr().out
    assert "none_threshold = 0.5" in out
    dev_row = [line for line in out.splitlines() if line.startswith("dev ")][-1]  # the table
    assert dev_row.split()[2:4] == ["100.0%", "0.0%"]  # fact recall, false refusals


def test_the_replayed_run_is_written_as_a_report(tmp_path: Path) -> None:
    run = write(tmp_path / "open.json", [item("a", answerable=True, none=0.0),
                                        item("b", answerable=False, none=0.9)])  # fmt: skip
    out = tmp_path / "replayed.json"
    assert main([str(run), "--thresholds", "0", "0.5", "0", "--write", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["meta"]["settings"]["none_threshold"] == 0.5
    assert data["meta"]["replayed_from"] == [str(run)]
    assert data["summary"]["all"]["abstention_rate"] == 1.0
    assert [i["abstained"] for i in data["items"]] == [False, True]
