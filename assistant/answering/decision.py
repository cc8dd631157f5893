"""Decide: answer or say "The articles don't say.", by a rule over measured signals.

A 1.5B model's own wording is a poor judge of whether it knows the answer
(it refused a quarter of plain questions when the answer prompt held the
choice). Here the choice is code, reading signals that each measure one thing:

- `selected`: the model's probability for its best sentence (label 1..N)
  against "0 = none answers", read from its scores, not sampled;
- `coverage`: the share of the question's names and numbers that occur in the
  sentences shown (a question about "Osaka" when no evidence says Osaka is
  asking about something the articles do not hold: a false premise or a gap);
- `answer_type`: a question asking how many, how much, when or who needs the
  chosen sentence to hold a number, a date or a name not already in the question
  ("on what date" wants a day, read with the sentence's resolved dates). When
  it does not, `typed_choice` first adds the likeliest shown sentence of the
  same article that does.

The thresholds are settings, fitted on the eval's dev split (`python -m
evals.calibrate`), and every answer records the signals and the margin by
which the deciding one cleared (or missed) its threshold.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from assistant.answering.evidence import with_dates
from assistant.answering.kinds import parse
from assistant.answering.question import Question
from assistant.answering.selection import Selection
from assistant.answering.terms import (
    DATE_LIKE,
    DAY_LIKE,
    MONEY,
    MONTH_NAMES,
    NUMBER_LIKE,
    fold,
    key_terms,
    missing_terms,
)
from assistant.lexicon import PLACES_AND_GROUPS
from assistant.schema import TYPED_LEAST, Decision, Evidence, RetrievedChunk, Thresholds

_COUNT = re.compile(  # a count: "24", "1,200", "two" (not "7th" or "2-nanometer")
    r"\b(?:\d[\d,.]*|two|three|four|five|six|seven|eight|nine|ten|dozens?|hundreds?|"
    r"thousands?|millions?)\b(?!-)",
    re.I,
)

MAX_JOINED = 3


# why the decision abstains (answering/explain.py turns each into a line for the reader)
NOTHING_CLOSE = "nothing relevant retrieved"
NONE_ANSWERS = "the model says no sentence answers"
UNSURE = "no sentence chosen with confidence"
LACKS_TERMS = "the evidence lacks names or numbers of the question"
LACKS_TYPE = "the chosen sentence lacks what the question asks for"


def coverage(question: Question, texts: Sequence[str]) -> float:
    """Share of the question's key terms found in the retrieved text."""
    terms = list(question.terms)
    if not terms:
        return 1.0
    return 1 - len(missing_terms(terms, " ".join(texts))) / len(terms)


def answer_type_found(question: Question, chosen: Sequence[Evidence]) -> bool:
    """Does the chosen evidence hold the kind of thing the question asks for?"""
    text = " ".join(with_dates(s) for s in chosen)  # "on Thursday [May 18, 2023]" is a date
    asked = set(question.terms)
    if question.asks_money:
        return MONEY.search(text) is not None
    if question.counted:  # "how many Patriot missiles": a number that counts them
        return counts(question.counted, asked, text)
    if question.asks_number:
        numbers = {m.group().lower() for m in NUMBER_LIKE.finditer(text)}
        return any(fold(n) not in asked for n in numbers)
    if question.asks_day:  # "on what date": a day, not just "last year"
        return DAY_LIKE.search(text) is not None
    if question.asks_date:
        return DATE_LIKE.search(text) is not None
    if question.asks_person:  # a name that is neither asked about nor a place
        return bool(new_names(asked, text))
    return True


def counts(counted: str, asked: set[str], text: str) -> bool:
    """Does the text give a number of `counted` ("missiles")? A number within a few words
    before it ("24 Patriot missiles"), or one spaCy's parser attaches to it as its count
    ("in 18 Northern and Central California counties")."""
    stems = {w[:5].lower() for w in counted.split() if len(w) > 2}
    for m in _COUNT.finditer(text):
        if fold(m.group()) not in asked and stems & {
            w[:5].lower() for w in re.findall(r"[A-Za-z]+", text[m.end() :])[:3]
        }:
            return True
    if not any(m.group()[0].isdigit() for m in _COUNT.finditer(text)):
        return False  # a spelled-out count is within a few words of its noun, or nowhere
    return any(
        head[:5].lower() in stems and fold(number) not in asked
        for number, head in counted_nouns(text)
    )


@lru_cache(maxsize=1024)
def counted_nouns(text: str) -> tuple[tuple[str, str], ...]:
    """(number, the noun it counts) for each number spaCy's parser attaches as a `nummod`
    (cached: the decision and the answer check ask it of the same sentences)."""
    return tuple(
        (token.text, token.head.text)
        for token in parse([text])[0]
        if token.like_num and token.dep_ == "nummod"
    )


def new_names(asked: set[str], text: str) -> list[str]:
    """The text's names that are not among `asked` and not a country or a region."""
    return [
        t
        for t in key_terms(text)
        if t not in asked and t not in PLACES_AND_GROUPS and not t[0].isdigit()
    ]


def names_something_new(question: Question, chosen: Sequence[Evidence]) -> bool:
    """Does a chosen sentence name someone or something the question does not (past
    its first word, which is capitalized anyway, and not a country or a month)?"""
    asked = set(question.terms)
    return any(
        t not in MONTH_NAMES
        for sentence in chosen
        for t in new_names(asked, sentence.text.split(None, 1)[-1])
    )


def typed_choice(
    question: Question,
    chosen: list[Evidence],
    shown: Sequence[Evidence],
    least: float = TYPED_LEAST,
) -> list[Evidence]:
    """The chosen sentences, led by the likeliest other one that holds what the
    question asks for (a date for "when", a number for "how many") when none of
    the chosen does and the model gave it at least `least`: a small model often
    ranks the sentence that names the event above the one that dates it. Only a
    sentence of a chosen sentence's article joins: the date of the summit the
    chosen sentence is about, not "the 29th" of another article's event. A
    "which company/university/..." question likewise wants a name; lacking one
    does not refuse the answer, but a sentence with a name may join."""
    if not chosen or len(chosen) >= MAX_JOINED:
        return chosen

    def found(evidence: Sequence[Evidence]) -> bool:
        if question.asks_name and not names_something_new(question, evidence):
            return False
        return answer_type_found(question, evidence)

    if found(chosen):
        return chosen
    taken = {c.key for c in chosen}
    articles = {c.source for c in chosen}
    others = [
        s for s in shown if s.key not in taken and s.source in articles and s.probability >= least
    ]
    for other in sorted(others, key=lambda s: -s.probability):
        if found([other]):
            return [other, *chosen]
    return chosen


def decision_margin(selected: float, none: float, thresholds: Thresholds) -> float:
    """How far the scores clear the thresholds (negative: by how much they miss)."""
    return round(min(selected - thresholds.select, thresholds.none - none), 4)


def decide(
    question: Question,
    retrieved: Sequence[str],
    chosen: Sequence[Evidence],
    none: float,
    thresholds: Thresholds,
) -> Decision:
    """Answer when the model picked a sentence confidently enough and the facts line up."""
    selected = max((s.probability for s in chosen), default=0.0)
    covered = coverage(question, retrieved)
    typed = answer_type_found(question, chosen) if chosen else False
    signals = {
        "selected": round(selected, 4),
        "none": round(none, 4),
        "coverage": round(covered, 4),
        "answer_type": float(typed),
        "relevance": round(max((s.relevance for s in chosen), default=0.0), 4),
    }

    def no(reason: str) -> Decision:
        return Decision(answer=False, reason=reason, signals=signals, margin=margin)

    margin = decision_margin(selected, none, thresholds)
    if none > thresholds.none:
        return no(NONE_ANSWERS)
    if not chosen or selected < thresholds.select:
        return no(UNSURE)
    if covered < thresholds.coverage:
        return no(LACKS_TERMS)
    if not typed:
        return no(LACKS_TYPE)
    return Decision(answer=True, reason="evidence chosen", signals=signals, margin=margin)


class Decider:
    """The decision stage: first `typed_choice` (the chosen sentences, led by one that
    holds what the question asks for when they lack it), then `decide`."""

    def __init__(self, thresholds: Thresholds) -> None:
        self.thresholds = thresholds

    def decide(
        self,
        question: Question,
        chunks: Sequence[RetrievedChunk],
        selection: Selection | None,
        similarity: float,
    ) -> Decision:
        """Answer or abstain; with no selection (nothing close enough was retrieved, so
        the model was not asked), abstain and record the best similarity found."""
        if selection is None:
            return Decision(
                answer=False,
                reason=NOTHING_CLOSE,
                signals={"similarity": round(similarity, 4)},
            )
        t = self.thresholds
        selection.chosen = typed_choice(question, selection.chosen, selection.shown, t.typed)
        texts = [c.text for c in chunks]
        return decide(question, texts, selection.chosen, selection.none, t)
