"""explain.py: an abstention's reason in plain words, and the closest passages, verbatim."""

from __future__ import annotations

import pytest

from assistant.answering import check, decision
from assistant.answering.explain import PASSAGE_CHARS, closest, why
from assistant.schema import ABSTAIN_TEXT, Answer, Check, Decision, Evidence, RetrievedChunk

TEXT = (
    "“To do this,” he said. "
    "Biden and Kishida met in Hiroshima a day before the summit, and the U.S. side said the "
    "talks went well. " * 4
)


def answer(reason: str, **fields: object) -> Answer:
    made: dict[str, object] = {
        "question": "Where did Biden meet Toyota?",
        "standalone_question": "Where did Biden meet Toyota?",
        "text": ABSTAIN_TEXT,
        "abstained": True,
        "decision": Decision(answer=False, reason=reason),
        "backend": "local",
        "model": "m",
        "prompt": "p",
    }
    return Answer.model_validate({**made, **fields})


def chunk(start: int, end: int, rank: int) -> RetrievedChunk:
    return RetrievedChunk(
        id=str(rank), source="a.txt", start=start, end=end, text=TEXT[start:end], score=1 / rank
    )


@pytest.mark.parametrize(
    "reason, says",
    [
        (decision.NOTHING_CLOSE, "Nothing in the articles comes close"),
        (decision.NONE_ANSWERS, "none of them answers"),
        (decision.UNSURE, "enough confidence"),
        (decision.LACKS_TYPE, "do not hold what the question asks for"),
    ],
)
def test_each_decision_reason_reads_as_a_plain_line(reason: str, says: str) -> None:
    assert says in why(answer(reason))


def test_a_missing_name_is_named() -> None:
    chunks = [chunk(0, 120, 1)]
    line = why(answer(decision.LACKS_TERMS, chunks=chunks))
    assert "“Toyota”" in line and "Biden" not in line


def test_the_answer_checks_reason_says_the_answer_was_withheld() -> None:
    checked = Check(outcome="abstained", reason=check.NOT_STATED)
    line = why(answer(decision.NONE_ANSWERS, check=checked))
    assert "does not state the answer" in line and "withheld" in line
    kinds = Check(outcome="abstained", reason=check.NO_NAME.format(kinds="person"))
    assert "named no person" in why(answer("evidence chosen", check=kinds))


def test_an_answer_has_no_reason() -> None:
    assert why(answer("evidence chosen", abstained=False, text="x [1].")) == ""


def test_closest_are_the_sentences_the_model_scored_best_first() -> None:
    shown = [
        Evidence(source="a.txt", start=0, end=5, text=TEXT[0:5], probability=p)
        for p in (0.1, 0.7, 0.2, 0.05)
    ]
    got = closest(answer(decision.UNSURE, evidence=shown))
    assert [e.probability for e in got] == [0.7, 0.2, 0.1]


def test_without_evidence_the_best_chunks_open_verbatim_and_short_ones_are_skipped() -> None:
    first = TEXT.index("Biden")
    chunks = [chunk(0, first - 1, 1), chunk(first, len(TEXT), 2)]
    got = closest(answer(decision.NOTHING_CLOSE, chunks=chunks))
    assert [e.chunk_rank for e in got] == [2]  # "“To do this,” he said." tells nothing
    passage = got[0]
    assert TEXT[passage.start : passage.end] == passage.text
    assert len(passage.text) <= PASSAGE_CHARS and passage.text.endswith("said.")
