"""The question, parsed once: its parts, what it asks for, its names and numbers.

Why: every stage asks the same things of the question (does it ask when? for a
day? a number? a person? which parts does it have?), and a regex run in five
places is five chances to disagree. `Question.parse` reads it once, after a
follow-up is rewritten; the stages read its fields.

Multi-part questions ("Where was X held, and where did the two meet again?"):
a question that asks two things is retrieved and ranked as one blend of both,
and the part the top chunks favour crowds out the other. So each part is also
retrieved, its best sentences join the list, and the model picks a sentence for
each part (`selection.py`). The split is a plain rule, and a conservative one: a
comma or semicolon, then "and" and a question word. A part too short to stand
alone ("..., and when?") leaves the question whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answering.shape import Shape, shape_of
from assistant.answering.terms import key_terms
from assistant.lexicon import AUXILIARIES, QUESTION_PREPOSITIONS, QUESTION_WORDS

_SPLIT = re.compile(
    r"\s*(?:,\s*and|;\s*(?:and)?)\s+"
    rf"(?=(?:(?:{'|'.join(QUESTION_PREPOSITIONS)})\s+)?(?:{'|'.join(QUESTION_WORDS)})\b)",
    re.I,
)
_AUX = "|".join(AUXILIARIES)
MIN_WORDS = 4  # a part shorter than this needs the rest of the question to mean anything
MAX_PARTS = 3

_ASKS_NUMBER = re.compile(
    r"\bhow (?:many|much|large|big|long|far|old)\b|\bwhat (?:percentage|share|amount|number)\b|"
    r"\bin percent\b|\bhow much money\b",
    re.I,
)
_ASKS_MONEY = re.compile(
    r"\bhow much (?:money|government subsidy|subsidy|funding|budget)\b|"
    rf"\bhow much (?:{_AUX}) .* cost\b",
    re.I,
)
# "how many Japanese astronauts will ...": the head noun is the word before the verb
_HOW_MANY = re.compile(
    r"\bhow many (?:[A-Za-z-]+ ){0,2}?([A-Za-z-]+)"
    rf"(?= (?:{_AUX}|must)\b|\W*$)",
    re.I,
)
_HOW_MANY_FIRST = re.compile(r"\bhow many ([A-Za-z-]+)", re.I)
_ASKS_DATE = re.compile(
    r"^\s*(?:and |since |until |by )?when\b|\bwhat (?:date|day|year|month)\b|\bon what date\b|"
    rf"\bwhen (?:{_AUX})\b",
    re.I,
)  # "According to the report, when did ...?" asks when; "... when he met Tai?" does not
_ASKS_DAY = re.compile(r"\b(?:what|which) (?:date|day)\b(?! of the week)", re.I)
_ASKS_ARTICLE_DATE = re.compile(
    r"\bdate of the article|\barticles?\b.*\b(?:dated|published)\b|\bwhen was .*\b(?:published|"
    r"written)\b",
    re.I,
)
_ASKS_PERSON = re.compile(r"^\s*who\b|\bwhich (?:official|person|minister|leader)\b", re.I)
# "Which American university ...?", "Which Japanese newspapers ...?": the answer is a name
_ASKS_NAME = re.compile(
    r"\bwhich (?:(?!(?:is|are|was|were|do|does|did|have|has|had|will)\b)[\w'’-]+ ){0,3}?"
    r"(?:compan(?:y|ies)|universit(?:y|ies)|newspapers?|ministers?|"
    r"member|firms?|shipyards?|professor|leaders?|president|officials?|programs?|chipmakers?|"
    r"carriers?|initiative|think tank|agency|organi[sz]ation|party|city|prefecture)\b",
    re.I,
)


@dataclass(frozen=True)
class Question:
    """A standalone question and what it asks for, worked out once."""

    text: str
    parts: tuple[str, ...]  # its sub-questions, when it asks several things
    terms: tuple[str, ...]  # its names and numbers (`terms.key_terms`)
    asks_date: bool  # "When ...?", "On what date ...?", "What day ...?"
    asks_day: bool  # a day ("on what date", "what day"), not just "when"
    asks_weekday: bool  # "what day of the week": the weekday itself is the answer
    asks_article_date: bool  # an article's own date: "What is the date of the article ...?"
    asks_money: bool  # "how much money / funding / budget"
    counted: str | None  # "how many Patriot missiles": the head noun, "missiles"
    asks_number: bool  # how many / much / large / far, what percentage
    asks_person: bool  # "Who ...?", "Which official ...?"
    asks_name: bool  # "Which company / university / city ...?": the answer is a name
    # the shape of the answer (fact, summary, timeline, comparison, explanation) and the
    # period it is bound to (`shape.shape_of`); the answer stages read only facts so far
    shape: Shape = Shape()

    def __str__(self) -> str:
        return self.text

    @classmethod
    def parse(cls, text: str) -> Question:
        return cls(
            text=text,
            parts=tuple(question_parts(text)),
            terms=tuple(key_terms(text)),
            asks_date=_ASKS_DATE.search(text) is not None,
            asks_day=_ASKS_DAY.search(text) is not None,
            asks_weekday="day of the week" in text.lower(),
            asks_article_date=_ASKS_ARTICLE_DATE.search(text) is not None,
            asks_money=_ASKS_MONEY.search(text) is not None,
            counted=counted_noun(text),
            asks_number=_ASKS_NUMBER.search(text) is not None,
            asks_person=_ASKS_PERSON.search(text) is not None,
            asks_name=_ASKS_NAME.search(text) is not None,
            shape=shape_of(text),
        )


def counted_noun(question: str) -> str | None:
    """What "how many" counts: the noun spaCy's parser makes the head of "many" ("How
    many school districts closed?" counts districts, "How many pounds of fentanyl ...?"
    pounds), else the word the pattern finds ("How many of the staffers were ...?")."""
    if not re.search(r"\bhow many\b", question, re.I):
        return None
    from assistant.answering.kinds import parse  # spaCy: loaded only for such questions

    doc = parse([question])[0]
    for token in doc:
        after_how = token.lower_ == "many" and token.i > 0 and doc[token.i - 1].lower_ == "how"
        if after_how and token.head.pos_ in ("NOUN", "PROPN") and token.head is not token:
            return str(token.head.text)
    counted = _HOW_MANY.search(question) or _HOW_MANY_FIRST.search(question)
    return counted.group(1) if counted else None


def question_parts(question: str) -> list[str]:
    """The sub-questions of a question that asks several things; [] for a single one.

    >>> question_parts("Where was X held, and where did Y meet?")
    ['Where was X held?', 'Where did Y meet?']
    """
    pieces = [p.strip().rstrip("?").strip() for p in _SPLIT.split(question.strip())]
    if len(pieces) < 2 or len(pieces) > MAX_PARTS:
        return []
    if any(len(p.split()) < MIN_WORDS for p in pieces):
        return []
    return [f"{p[0].upper()}{p[1:]}?" for p in pieces]
