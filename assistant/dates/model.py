"""The data types of `assistant.dates` and the calendar arithmetic they share.

Kept apart from the rules so that `dates.article` (the article's own date) and
`dates.resolve` (relative expressions) can both use them without importing each
other. Everything here is pure: no I/O, no clock (`date.today()` is never used:
a news article's "today" is its publication date, not the reader's). The month
and weekday names are `assistant.lexicon`'s.
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass
from typing import Literal

from assistant.lexicon import MONTH_NAMES, SENTENCE_END
from assistant.lexicon import MONTH_RE as MONTH_RE  # re-exported: `answering.citations` reads it

Precision = Literal["day", "week", "month", "year"]
Basis = Literal["stated", "inferred", "unknown"]


def month_name(month: int) -> str:
    """The English name of month 1-12, whatever the process's locale."""
    return MONTH_NAMES[month - 1]


@dataclass(frozen=True)
class Span:
    """A piece of the article: `text == article[start:end]`."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class ArticleDate:
    """When an article was written, and how we know.

    `basis` is "stated" when the header gives the date, "inferred" when the body
    supports one (then `evidence` is the span it came from and `support` the spans
    that back it up), "unknown" otherwise (`date` and `precision` are None and
    `note` says what the text does give). For a month or year `date` is the first
    day of that period. `confidence` is a rough probability that the date is right
    at its precision: 0.95 stated, 0.5-0.8 inferred, 0.0 unknown. `caveat` says what
    a reader should doubt ("the page also states 2023-05-21 (...)", a date after the
    day it was read, a stated date that was ignored); "" when there is nothing.
    """

    date: datetime.date | None
    precision: Precision | None
    basis: Basis
    evidence: Span | None
    confidence: float
    support: tuple[Span, ...] = ()
    note: str = ""
    source: str = ""
    caveat: str = ""


@dataclass(frozen=True)
class Resolved:
    """One relative date expression of an article and the calendar date it means.

    `date` is the first day of the period (the day; the Monday of a week; the 1st
    of a month; 1 January of a year) when the whole period is known, else None.
    `year`, `month` and `day` hold whatever the text does determine, so a partial
    result ("on the 23rd" in an article that gives no month) is `day=23` with
    `year=month=None` and a `note` saying what is missing.
    """

    start: int
    end: int
    text: str
    rule: str
    precision: Precision
    date: datetime.date | None = None
    year: int | None = None
    month: int | None = None
    day: int | None = None
    note: str = ""

    @property
    def label(self) -> str | None:
        """What `annotate` writes after the expression; None when nothing is known."""
        if self.date is not None:
            if self.precision == "day":
                return self.date.isoformat()
            if self.precision == "week":
                return f"week of {self.date.isoformat()}"
            if self.precision == "month":
                return f"{self.date.year:04d}-{self.date.month:02d}"
            return str(self.date.year)
        known = []
        if self.day is not None:
            known.append(ordinal(self.day))
        if self.month is not None:
            known.append(month_name(self.month))
        if self.year is not None:
            known.append(str(self.year))
        if not known:
            return self.note or None
        return ", ".join([" ".join(known), *([self.note] if self.note else [])])


def ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def valid(year: int, month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


def add_months(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def day_in_month_before(ref: datetime.date, day: int) -> datetime.date | None:
    """The latest date on or before `ref` whose day of month is `day` (skips 30 Feb)."""
    year, month = ref.year, ref.month
    if day > ref.day:
        year, month = add_months(year, month, -1)
    for _ in range(12):
        if valid(year, month, day):
            return datetime.date(year, month, day)
        year, month = add_months(year, month, -1)
    return None


def day_in_month_after(ref: datetime.date, day: int) -> datetime.date | None:
    """The earliest date on or after `ref` whose day of month is `day`."""
    year, month = ref.year, ref.month
    if day < ref.day:
        year, month = add_months(year, month, 1)
    for _ in range(12):
        if valid(year, month, day):
            return datetime.date(year, month, day)
        year, month = add_months(year, month, 1)
    return None


# Tense of the clause around an expression: "said on Thursday" is past, "will
# co-host ... on Wednesday" future. News reports the past, so past is the default.
_FUTURE = re.compile(
    r"\b(?:will|shall|(?:is|are|was|were)\s+(?:scheduled|set|due|expected|slated|planned|"
    r"going)\s+to|plans?\s+to|planning\s+to|to\s+be\s+held|upcoming)\b",
    re.I,
)
_PAST_VERB = re.compile(
    r"\b(?:said|told|reported|met|held|made|gave|wrote|spoke|took|went|came|began|sent|"
    r"saw|left|(?!(?:united|hundred|indeed|speed|need|seed|feed|embed)\b)[a-z]{3,}ed)\b",
    re.I,
)
SENTENCE_WINDOW = 1000  # characters searched either side for the sentence's ends


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Offsets of the sentence around text[start:end], for reading its tense.

    Sentence ends are chunking's (`lexicon.SENTENCE_END`), without its
    abbreviation exceptions; neither end is sought beyond `SENTENCE_WINDOW`.
    """
    begin = max(0, start - SENTENCE_WINDOW)
    # one character past the expression: a stop's lookahead needs the letter after it
    # ("Asia. On Thursday": the stop before "On" ends the sentence before it)
    for match in SENTENCE_END.finditer(text, begin, min(len(text), start + 1)):
        if match.end() <= start:
            begin = match.end()
    after = SENTENCE_END.search(text, end, end + SENTENCE_WINDOW)
    return begin, after.start() + 1 if after else min(len(text), end + SENTENCE_WINDOW)


def is_future(text: str, start: int, end: int) -> bool:
    """Whether the expression at text[start:end] speaks of the future.

    Future when a future marker ("will", "is scheduled to", "plans to") comes
    before it in its sentence with no past verb in between, or when the
    expression opens its clause ("On the 23rd, Biden plans to ...") and the
    clause's first verb is a future marker. A past verb right before or after
    the expression ("said on Thursday", "on Thursday agreed") makes it past.
    """
    begin, stop = sentence_bounds(text, start, end)
    before, after = text[begin:start], text[end:stop]
    words_before = re.findall(r"[\w'’-]+", before)
    words_after = re.findall(r"[\w'’-]+", after)
    if words_before and _PAST_VERB.fullmatch(words_before[-1]):
        return False
    if words_after and _PAST_VERB.fullmatch(words_after[0]):
        return False
    markers = list(_FUTURE.finditer(before))
    if markers and not _PAST_VERB.search(before[markers[-1].end() :]):
        return True
    if re.fullmatch(r"[\s\"'“‘(]*(?:on|from|by)?\s*", before, re.I):
        clause = re.split(r"\bthat\b|[;:]", after, maxsplit=1)[0]
        first_future = _FUTURE.search(clause)
        first_past = _PAST_VERB.search(clause)
        if first_future and (first_past is None or first_future.start() < first_past.start()):
            return True
    return False


# a clause's edge, for `is_past`: punctuation, a quote, a word that opens a clause, or a
# verb of saying ("said the trial begins in April": the trial's tense, not the saying's)
_CLAUSE_EDGE = re.compile(
    r"[,;:()“”\"]|\b(?:that|who|which|when|while|after|before|because|said|says|told|added|"
    r"announced|reported|wrote)\b",
    re.I,
)
_PAST_AUX = re.compile(r"\b(?:was|were|had|did)\b", re.I)
_PRESENT_AUX = re.compile(r"\b(?:is|are|am|will|shall|be|'s|’s|'re|’re)\b", re.I)


def is_past(text: str, start: int, end: int) -> bool:
    """Whether the expression's own clause is in the past tense: "was evicted in April",
    "in April, she moved", not "is expected in April" or "said the trial begins in April".

    The clause is the text between the nearest clause edges (a comma, a quote, "that",
    "who" ...) on either side, within the sentence; it is past when it holds a past verb
    or auxiliary and neither a future marker nor a present auxiliary."""
    if is_future(text, start, end):
        return False
    begin, stop = sentence_bounds(text, start, end)
    before, after = text[begin:start], text[end:stop]
    edges = list(_CLAUSE_EDGE.finditer(before))
    before = before[edges[-1].end() :] if edges else before
    after = re.sub(r"^[\s,;:]+", " ", after)  # "In April, she moved": the clause it opens
    edge = _CLAUSE_EDGE.search(after)
    after = after[: edge.start()] if edge else after
    clause = f"{before} {after}"
    if _FUTURE.search(clause) or _PRESENT_AUX.search(clause):
        return False
    return bool(_PAST_VERB.search(clause) or _PAST_AUX.search(clause))
