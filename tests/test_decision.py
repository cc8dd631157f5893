"""Select and decide, as code: label scores in, chosen evidence and a decision out.

Unit tests with hand-made scores (the real model's scores are covered by the
`slow` tests in test_answer.py and by the eval suite).
"""

from __future__ import annotations

import pytest

from assistant.answering.decision import (
    Thresholds,
    answer_type_found,
    coverage,
    decide,
    names_something_new,
    typed_choice,
)
from assistant.answering.question import Question
from assistant.answering.selection import choose
from assistant.answering.terms import fold, key_terms, missing_terms
from assistant.llm import Scores
from assistant.schema import Evidence


def ev(text: str, n: int = 0) -> Evidence:
    return Evidence(source="a.txt", start=n * 100, end=n * 100 + len(text), text=text)


SHOWN = [
    ev(
        "At their talks in Hiroshima a day before the Group of Seven summit, Kishida and Biden met."
    ),
    ev("Biden arrived in Hiroshima earlier in the day.", 1),
    ev("Japan is considering a startup hub in Tokyo in 2028 at the earliest.", 2),
]


TEXTS = [s.text for s in SHOWN]


def test_the_top_sentence_is_chosen_and_close_seconds_join_it() -> None:
    picked = choose(SHOWN, Scores({"1": 0.6, "2": 0.3, "3": 0.1}, "logits"), 0.05)
    assert [e.start for e in picked.chosen] == [0, 100]
    assert picked.none == 0.05 and picked.shown[0].probability == 0.6
    alone = choose(SHOWN, Scores({"1": 0.85, "2": 0.1, "3": 0.05}, "logits"), 0.1)
    assert [e.start for e in alone.chosen] == [0]


def test_a_which_company_question_gets_a_sentence_that_names_one() -> None:
    q = "Which American university is Japan working with on its plan for a startup hub in Tokyo?"
    plan = ev(
        "Highlighting their cooperation, the two countries said they plan to launch new "
        "partnerships between U.S. and Japanese companies and universities."
    ).model_copy(update={"probability": 0.54})
    named = ev(
        "Kishida told Biden that Japan is considering setting up a hub in Tokyo with the "
        "cooperation of the Massachusetts Institute of Technology.",
        1,
    ).model_copy(update={"probability": 0.12})
    assert not names_something_new(
        Question.parse(q), [plan]
    )  # U.S., Japanese: asked; Highlighting opens
    assert names_something_new(Question.parse(q), [named])
    assert typed_choice(Question.parse(q), [plan], [plan, named]) == [named, plan]
    # a name question without a name is still answered: only the join depends on it
    assert answer_type_found(Question.parse(q), [plan])
    where = "Where is Japan planning a startup hub?"
    assert typed_choice(Question.parse(where), [plan], [plan, named]) == [plan]


def test_text_rule_when_a_server_returns_no_logprobs() -> None:
    scores = Scores.from_text(" 2.", ["0", "1", "2"])
    assert scores.probs == {"0": 0.0, "1": 0.0, "2": 1.0} and scores.how == "text"
    assert Scores.from_text("yes, it does", ["yes", "no"]).probs["yes"] == 1.0


def test_logprobs_are_normalized_over_the_labels() -> None:
    scores = Scores.from_logprobs({"0": -3.0, "1": -1.0, "x": 0.0}, ["0", "1", "2"], "logprobs")
    assert scores.probs["2"] == 0.0
    assert scores.probs["1"] == pytest.approx(1 / (1 + pow(2.718281828, -2)), rel=1e-6)


def test_decide_answers_a_confident_selection_and_records_its_margin() -> None:
    chosen = choose(SHOWN, Scores({"1": 0.9, "2": 0.1, "3": 0.0}, "logits"), 0.05)
    q = "Where did Biden and Kishida meet a day before the G7 summit?"
    decision = decide(
        Question.parse(q), TEXTS, chosen.chosen, chosen.none, Thresholds(0.5, 0.2, 0.5)
    )
    assert decision.answer and decision.margin == pytest.approx(0.15)  # none: 0.2 - 0.05
    assert decision.signals["coverage"] == 1.0  # G7 is found as "Group of Seven"
    shy = decide(Question.parse(q), TEXTS, chosen.chosen, chosen.none, Thresholds(0.95, 0.2, 0.5))
    assert not shy.answer and shy.margin == pytest.approx(-0.05)
    doubtful = decide(Question.parse(q), TEXTS, chosen.chosen, 0.3, Thresholds(0.5, 0.2, 0.5))
    assert not doubtful.answer and doubtful.reason == "the model says no sentence answers"


def test_decide_abstains_when_the_question_names_what_the_evidence_lacks() -> None:
    q = "Why did Biden and Kishida meet in Osaka in 2019?"
    assert coverage(Question.parse(q), TEXTS) == pytest.approx(2 / 4)
    chosen = choose(SHOWN, Scores({"1": 1.0, "2": 0.0, "3": 0.0}, "logits"), 0.0)
    assert not decide(
        Question.parse(q), TEXTS, chosen.chosen, 0.0, Thresholds(0.5, 0.2, 0.75)
    ).answer


@pytest.mark.parametrize(
    ("question", "evidence", "found"),
    [
        ("How much money is Japan committing to the hub?", SHOWN[2], False),  # 2028 is no sum
        ("How much money?", ev("a fund of 2 billion yen"), True),
        ("How many years until it opens?", SHOWN[2], False),  # 2028 is no count of years
        ("How many astronauts will fly?", SHOWN[1], False),
        ("How many Patriot missiles?", ev("on the 7th, more Patriot missiles were sent"), False),
        ("How many Patriot missiles?", ev("Japan will send 24 Patriot missiles"), True),
        ("How many semiconductors did Japan export?", ev("2-nanometer chips in 2023"), False),
        ("When could the hub open?", SHOWN[2], True),
        ("When did they meet?", SHOWN[1], False),
        ("Who arrived in Hiroshima?", SHOWN[1], True),
        ("Who was the official that briefed reporters?", ev("according to an official"), False),
        ("Who briefed reporters?", ev("the East Asian region, said a Japanese official"), False),
        (
            "Who had breakfast with him?",
            ev("after breakfast with Vice President Kamala Harris"),
            True,
        ),
        ("Where did they meet?", SHOWN[1], True),  # no type to check
    ],
)
def test_answer_type(question: str, evidence: Evidence, found: bool) -> None:
    assert answer_type_found(Question.parse(question), [evidence]) is found


def test_key_terms_fold_spellings_and_skip_openers() -> None:
    assert key_terms("Where did the U.S. and Japan meet before the G7 in 2023?") == [
        "us", "japan", "g7", "2023",
    ]  # fmt: skip
    assert missing_terms(["us", "g7"], "the United States at the Group of Seven") == []
    assert fold("Japan’s") == "japan"
