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
from dataclasses import dataclass

from assistant.answer import Decision, Evidence
from assistant.evidence import with_dates
from assistant.terms import (
    DATE_LIKE,
    DAY_LIKE,
    MONTH_NAMES,
    NUMBER_LIKE,
    fold,
    key_terms,
    missing_terms,
)

_ASKS_NUMBER = re.compile(
    r"\bhow (?:many|much|large|big|long|far|old)\b|\bwhat (?:percentage|share|amount|number)\b|"
    r"\bin percent\b|\bhow much money\b",
    re.I,
)
_ASKS_MONEY = re.compile(
    r"\bhow much (?:money|government subsidy|subsidy|funding|budget)\b|\bhow much did .* cost\b",
    re.I,
)
_MONEY = re.compile(
    r"[$€£¥]\s?\d|\b\d[\d,.]*\s*(?:million|billion|trillion)?\s*(?:yen|dollars?|euros?|won)\b|"
    r"\b(?:million|billion|trillion)\b",
    re.I,
)
_COUNT = re.compile(  # a count: "24", "1,200", "two" (not "7th" or "2-nanometer")
    r"\b(?:\d[\d,.]*|two|three|four|five|six|seven|eight|nine|ten|dozens?|hundreds?|"
    r"thousands?|millions?)\b(?!-)",
    re.I,
)
# "how many Japanese astronauts will ...": the head noun is the word before the verb
_HOW_MANY = re.compile(
    r"\bhow many (?:[A-Za-z-]+ ){0,2}?([A-Za-z-]+)"
    r"(?= (?:did|do|does|will|would|are|were|is|was|have|has|had|can|could|must)\b|\W*$)",
    re.I,
)
_HOW_MANY_FIRST = re.compile(r"\bhow many ([A-Za-z-]+)", re.I)
_ASKS_DATE = re.compile(
    r"^\s*(?:and |since |until |by )?when\b|\bwhat (?:date|day|year|month)\b|\bon what date\b|"
    r"\bwhen (?:did|does|do|was|were|is|are|will|would|could|can|had|has|have)\b",
    re.I,
)  # "According to the report, when did ...?" asks when; "... when he met Tai?" does not
_ASKS_DAY = re.compile(r"\b(?:what|which) (?:date|day)\b(?! of the week)", re.I)
_ASKS_ARTICLE_DATE = re.compile(
    r"\bdate of the article|\barticles?\b.*\b(?:dated|published)\b|\bwhen was .*\b(?:published|"
    r"written)\b",
    re.I,
)
_NOT_NAMES = frozenset(
    ["east", "west", "north", "south", "asian", "asia", "europe", "european", "group", "seven",
     "g7", "vice", "white", "house", "us", "uk", "eu", "japan", "china", "korea", "russia",
     "netherlands", "pacific", "indo-pacific", "ocean", "sea", "strait"]
)  # fmt: skip
_ASKS_PERSON = re.compile(r"^\s*who\b|\bwhich (?:official|person|minister|leader)\b", re.I)
# "Which American university ...?", "Which Japanese newspapers ...?": the answer is a name
_ASKS_NAME = re.compile(
    r"\bwhich (?:(?!(?:is|are|was|were|do|does|did|have|has|had|will)\b)[\w'’-]+ ){0,3}?"
    r"(?:compan(?:y|ies)|universit(?:y|ies)|newspapers?|ministers?|"
    r"member|firms?|shipyards?|professor|leaders?|president|officials?|programs?|chipmakers?|"
    r"carriers?|initiative|think tank|agency|organi[sz]ation|party|city|prefecture)\b",
    re.I,
)


TYPED_LEAST = 0.04  # a sentence the model gave this much can join for the answer type
MAX_JOINED = 3


def asks_date(question: str) -> bool:
    """Does it ask when: "When ...?", "On what date ...?", "What day ...?"."""
    return _ASKS_DATE.search(question) is not None


def asks_day(question: str) -> bool:
    """Does it ask for a day ("on what date", "what day"), not just "when"?"""
    return _ASKS_DAY.search(question) is not None


def asks_article_date(question: str) -> bool:
    """Does it ask an article's own date: "What is the date of the article ...?"."""
    return _ASKS_ARTICLE_DATE.search(question) is not None


@dataclass(frozen=True)
class Thresholds:
    select: float  # lowest probability of the picked sentence that answers
    none: float  # highest probability of "no sentence answers" that still answers
    coverage: float  # lowest share of the question's names and numbers in the evidence
    typed: float = TYPED_LEAST  # lowest probability of a sentence that joins for the answer type


def coverage(question: str, texts: Sequence[str]) -> float:
    """Share of the question's key terms found in the retrieved text."""
    terms = key_terms(question)
    if not terms:
        return 1.0
    return 1 - len(missing_terms(terms, " ".join(texts))) / len(terms)


def answer_type_found(question: str, chosen: Sequence[Evidence]) -> bool:
    """Does the chosen evidence hold the kind of thing the question asks for?"""
    text = " ".join(with_dates(s) for s in chosen)  # "on Thursday [May 18, 2023]" is a date
    asked = set(key_terms(question))
    if _ASKS_MONEY.search(question):
        return _MONEY.search(text) is not None
    counted = _HOW_MANY.search(question) or _HOW_MANY_FIRST.search(question)
    if counted:  # "how many Patriot missiles": a number within a few words of "missiles"
        stems = {w[:5].lower() for w in counted.group(1).split() if len(w) > 2}
        return any(
            {w[:5].lower() for w in re.findall(r"[A-Za-z]+", text[m.end() :])[:3]} & stems
            for m in _COUNT.finditer(text)
            if fold(m.group()) not in asked
        )
    if _ASKS_NUMBER.search(question):
        numbers = {m.group().lower() for m in NUMBER_LIKE.finditer(text)}
        return any(fold(n) not in asked for n in numbers)
    if asks_day(question):  # "on what date": a day, not just "last year"
        return DAY_LIKE.search(text) is not None
    if asks_date(question):
        return DATE_LIKE.search(text) is not None
    if _ASKS_PERSON.search(question):  # a name that is neither asked about nor a place
        return bool(new_names(asked, text))
    return True


def new_names(asked: set[str], text: str) -> list[str]:
    """The text's names that are not among `asked` and not a country or a region."""
    return [
        t for t in key_terms(text) if t not in asked and t not in _NOT_NAMES and not t[0].isdigit()
    ]


def names_something_new(question: str, chosen: Sequence[Evidence]) -> bool:
    """Does a chosen sentence name someone or something the question does not (past
    its first word, which is capitalized anyway, and not a country or a month)?"""
    asked = set(key_terms(question))
    return any(
        t not in MONTH_NAMES
        for sentence in chosen
        for t in new_names(asked, sentence.text.split(None, 1)[-1])
    )


def typed_choice(
    question: str, chosen: list[Evidence], shown: Sequence[Evidence], least: float = TYPED_LEAST
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

    wants_name = _ASKS_NAME.search(question) is not None

    def found(evidence: Sequence[Evidence]) -> bool:
        if wants_name and not names_something_new(question, evidence):
            return False
        return answer_type_found(question, evidence)

    if found(chosen):
        return chosen
    taken = {c.key for c in chosen}
    articles = {c.source for c in chosen}
    others = [s for s in shown if s.key not in taken and s.source in articles and s.chosen >= least]
    for other in sorted(others, key=lambda s: -s.chosen):
        if found([other]):
            return [other, *chosen]
    return chosen


def decide(
    question: str,
    retrieved: Sequence[str],
    chosen: Sequence[Evidence],
    none: float,
    thresholds: Thresholds,
) -> Decision:
    """Answer when the model picked a sentence confidently enough and the facts line up."""
    selected = max((s.chosen for s in chosen), default=0.0)
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

    margin = round(min(selected - thresholds.select, thresholds.none - none), 4)
    if none > thresholds.none:
        return no("the model says no sentence answers")
    if not chosen or selected < thresholds.select:
        return no("no sentence chosen with confidence")
    if covered < thresholds.coverage:
        return no("the evidence lacks names or numbers of the question")
    if not typed:
        return no("the chosen sentence lacks what the question asks for")
    return Decision(answer=True, reason="evidence chosen", signals=signals, margin=margin)
