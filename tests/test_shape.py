"""assistant/answering/shape.py: the shape of answer a question asks for, and its period."""

from __future__ import annotations

import datetime

import pytest

from assistant.answering.question import Question
from assistant.answering.shape import shape_of

TODAY = datetime.date(2026, 12, 8)  # a Tuesday
D = datetime.date


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Summarize what the US and Japan agreed about chips", "summary"),
        ("Give me an overview of the export controls", "summary"),
        ("Tell me about the Hiroshima summit", "summary"),
        ("What happened in April 2024?", "summary"),
        ("What is the most recent news here?", "summary"),
        ("What's new?", "summary"),
        ("Give a timeline of the Biden-Kishida meetings", "timeline"),
        ("List the events in chronological order", "timeline"),
        ("How did the dispute unfold?", "timeline"),
        ("Compare what the 2023 and 2024 summits focused on", "comparison"),
        ("How does Japan's policy differ from the Netherlands' policy?", "comparison"),
        ("Why are they restricting chip tool exports?", "explanation"),
        ("According to the report, why did the company cut jobs?", "explanation"),
        ("What led to the delay?", "explanation"),
        # facts stay facts, time-bound or about the newest event
        ("Where did Biden and Kishida meet a day before the G7 summit?", "fact"),
        ("How many Patriot missiles will Japan export?", "fact"),
        ("When was the latest summit held?", "fact"),
        ("Who visited Japan in 2023?", "fact"),
        ("Who chairs the overview and scrutiny committee?", "fact"),
    ],
)
def test_the_kind_of_answer_asked_for(question: str, kind: str) -> None:
    assert shape_of(question, TODAY).kind == kind
    assert shape_of(question, TODAY).open == (kind != "fact")


@pytest.mark.parametrize(
    ("question", "start", "end", "text", "relative"),
    [
        ("What happened in April 2024?", D(2024, 4, 1), D(2024, 4, 30), "April 2024", False),
        ("Who visited Japan in 2023?", D(2023, 1, 1), D(2023, 12, 31), "2023", False),
        ("What did they sign on May 18, 2023?", D(2023, 5, 18), D(2023, 5, 18), "May 18, 2023",
         False),
        ("What happened last week?", D(2026, 11, 30), D(2026, 12, 6), "last week", True),
        ("What happened yesterday?", D(2026, 12, 7), D(2026, 12, 7), "yesterday", True),
        ("What has happened in the past 3 days?", D(2026, 12, 5), TODAY, "past 3 days", True),
        ("What did Japan announce since March 3, 2024?", D(2024, 3, 3), TODAY,
         "since March 3, 2024", True),
        ("What happened before June 2023?", None, D(2023, 5, 31), "before June 2023", False),
        ("What was agreed between 2022 and 2023?", D(2022, 1, 1), D(2023, 12, 31),
         "between 2022 and 2023", False),
    ],
)  # fmt: skip
def test_the_period_a_question_is_bound_to(
    question: str, start: D | None, end: D, text: str, relative: bool
) -> None:
    period = shape_of(question, TODAY).period
    assert period is not None
    assert (period.start, period.end, period.text, period.relative) == (start, end, text, relative)
    assert period.holds(end) and (start is None or not period.holds(start - datetime.timedelta(1)))


def test_a_month_without_a_year_is_not_guessed() -> None:
    assert shape_of("What happened in March?", TODAY).period is None
    assert shape_of("Where did Biden and Kishida meet?", TODAY).period is None


def test_latest_marks_the_newest_article() -> None:
    assert shape_of("What is the latest on the chip controls?", TODAY).latest
    assert shape_of("When was the latest summit held?", TODAY).latest
    assert not shape_of("When was the summit held?", TODAY).latest


def test_the_sides_of_a_comparison() -> None:
    assert shape_of("Compare the 2023 and 2024 summits", TODAY).sides == ("2023", "2024")
    assert shape_of("Compare Japan's rules with the Dutch rules", TODAY).sides == (
        "Japan's rules", "Dutch rules",
    )  # fmt: skip
    assert shape_of("What is the difference between Tokyo and Osaka?", TODAY).sides == (
        "Tokyo", "Osaka",
    )  # fmt: skip
    period = shape_of("Compare the 2023 and 2024 summits", TODAY).period
    assert period is None  # the periods are the sides, not a bound


def test_the_question_parse_carries_its_shape() -> None:
    q = Question.parse("Give a timeline of the Biden-Kishida meetings")
    assert q.shape.kind == "timeline"
    assert Question.parse("Where did they meet?").shape.kind == "fact"
