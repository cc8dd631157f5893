"""What shape of answer a question asks for, and the period it is bound to.

Why: the engine was built to pick one or two sentences that state one fact. People
ask news open questions as often: "Summarize what the US and Japan agreed about
chips", "Give a timeline of the Biden-Kishida meetings", "Compare the 2023 and 2024
summits", "Why are they restricting chip tool exports?", "What is the most recent
news here?", "What happened in April 2024?". Each wants several points, chosen and
ordered by another rule (most central; by date; per side; the reasons given; the
newest article). `shape_of` reads the question once, with the rest of `Question`:

- kind: "fact" (one thing: today's path), "summary", "timeline", "comparison"
  (with its sides, when they can be read off), "explanation" (why / what led to).
- period: the dates the question is bound to ("in April 2024", "in 2023", "last
  week", "since March 3, 2024", "between 2022 and 2023"), resolved against today
  for relative ones; `latest` for "latest", "most recent", "what's new".

The cues are ordinary English words for these shapes (not words of any eval item);
a question with none of them is a fact question, as before.
"""

from __future__ import annotations

import datetime
import re
from calendar import monthrange
from dataclasses import dataclass, field
from typing import Literal

from assistant.dates.article import full_dates
from assistant.dates.model import MONTH_NAMES, ArticleDate
from assistant.dates.resolve import resolve

ShapeKind = Literal["fact", "summary", "timeline", "comparison", "explanation"]
# a period the question names: (first day, last day, offsets in the question, relative to today)
Span = tuple[datetime.date, datetime.date, tuple[int, int], bool]

_TIMELINE = re.compile(
    r"\btime ?line\b|\bchronolog(?:y|ical(?:ly)?)\b|\bsequence of events\b|\bin (?:what|which) "
    r"order\b|\bhow did .+ (?:unfold|develop|evolve|progress)\b|\bhistory of\b|\bstep by step\b",
    re.I,
)
_COMPARISON = re.compile(
    r"\bcompar(?:e|es|ed|ing|ison)\b|\bcontrast\b|\bdifferences?\b|\bdiffer(?:s|ed)?\b|"
    r"\bsimilarit(?:y|ies)\b|\b(?:versus|vs\.?)\s",
    re.I,
)
_EXPLANATION = re.compile(
    r"(?:^|[,;:])\s*(?:and |so |but )?why\b|\bhow come\b|\bwhat (?:is|are|was|were) the (?:main )?"
    r"reasons?\b|\breasons? (?:for|why|behind)\b|\bwhat (?:led to|caused|prompted|drove|"
    r"motivated)\b|\bexplain\b|\bwhat is behind\b",
    re.I,
)
_SUMMARY = re.compile(
    r"\bsummar(?:y|ize|ise|ies)\b|\boverview of\b|\bgive (?:me )?an overview\b|\brecap\b|"
    r"\b(?:key|main) (?:points|takeaways)\b|\bwhat(?: has| have| had)? happened\b|"
    r"\bwhat(?:'s| is) (?:new|going on|the story)\b|\bwhat do the articles say\b|"
    r"\btell me about\b|\bthe gist\b|\bwhat (?:is|was) (?:the )?news\b|\bwhat news\b",
    re.I,
)
_LATEST = re.compile(
    r"\b(?:latest|most recent|newest|what(?:'s| is) new|recent news|recently)\b", re.I
)
# a question about the news itself, not a fact of the newest event ("When was the latest
# summit?" is a fact question bound to the newest article)
_LATEST_NEWS = re.compile(
    r"\bwhat(?:'s| is) new\b|\b(?:latest|most recent|newest|recent) (?:news|stories|articles?|"
    r"developments?|updates?)\b|\bwhat(?:'s| is| was) the latest\b|\bthe latest\W*$",
    re.I,
)
# the sides of a comparison: "compare A and/with/to B", "difference(s) between A and B",
# "A versus B", "how does A differ from B"
_SIDES = (
    re.compile(r"\bcompare (?P<a>.+?) (?:and|with|to|against) (?P<b>.+?)(?:[?.!]|$)", re.I),
    re.compile(r"\bdifferences? between (?P<a>.+?) and (?P<b>.+?)(?:[?.!]|$)", re.I),
    re.compile(
        r"\b(?:how|in what way) (?:do|does|did) (?P<a>.+?) differ from (?P<b>.+?)(?:[?.!]|$)", re.I
    ),
    re.compile(r"(?P<a>[\w' -]+?) (?:versus|vs\.?) (?P<b>[\w' -]+?)(?:[?.!,]|$)", re.I),
)  # fmt: skip
_MONTH = "|".join(MONTH_NAMES)
_MONTH_YEAR = re.compile(rf"\b(?P<month>{_MONTH}) (?:of )?(?P<year>(?:19|20)\d\d)\b", re.I)
_YEAR = re.compile(r"\b(?P<year>(?:19|20)\d\d)\b")
_PAST_DAYS = re.compile(r"\b(?:past|last) (?P<n>\d{1,3}) (?P<unit>days|weeks|months)\b", re.I)
_BOUND = re.compile(r"\b(?P<word>since|after|before|until|between|from)\b", re.I)


@dataclass(frozen=True)
class Period:
    """Days the question is bound to: `start` and `end` inclusive (None: open on that side)."""

    start: datetime.date | None
    end: datetime.date | None
    text: str  # what the question wrote ("in April 2024", "last week")
    relative: bool = False  # resolved against today ("last week", "since March"): say so

    def holds(self, day: datetime.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class Shape:
    kind: ShapeKind = "fact"
    sides: tuple[str, ...] = ()  # a comparison's sides, when the question names them
    period: Period | None = None
    latest: bool = False  # "latest", "most recent", "what's new": the newest article
    today: datetime.date | None = field(default=None, compare=False)  # relative periods' anchor

    @property
    def open(self) -> bool:
        """An open question: several points, not one fact."""
        return self.kind != "fact"


def shape_of(question: str, today: datetime.date | None = None) -> Shape:
    """The shape of `question`'s answer and the period it is bound to."""
    today = today or datetime.date.today()
    kind = _kind(question)
    latest = _LATEST.search(question) is not None
    spans = _spans(question, today)
    period = period_of(question, today, spans)
    if kind == "fact" and _LATEST_NEWS.search(question):
        kind = "summary"
    sides: tuple[str, ...] = ()
    if kind == "comparison":
        if len(spans) > 1:  # "compare the 2023 and 2024 summits": the periods are the sides
            sides, period = tuple(question[a:b] for _, _, (a, b), _ in spans), None
        else:
            sides = _sides(question)
    return Shape(kind=kind, sides=sides, period=period, latest=latest, today=today)


def _kind(question: str) -> ShapeKind:
    if _TIMELINE.search(question):
        return "timeline"
    if _COMPARISON.search(question):
        return "comparison"
    if _EXPLANATION.search(question):
        return "explanation"
    if _SUMMARY.search(question):
        return "summary"
    return "fact"


def _sides(question: str) -> tuple[str, ...]:
    for pattern in _SIDES:
        m = pattern.search(question)
        if m:
            sides = [s.strip(" ,;:").removeprefix("the ").strip() for s in (m["a"], m["b"])]
            if all(sides):
                return tuple(sides)
    return ()


def period_of(
    question: str, today: datetime.date, spans: list[Span] | None = None
) -> Period | None:
    """The period a question is bound to, or None: the first of an explicit month or year
    ("in April 2024", "in 2023"), a bound ("since ...", "before ...", "between ... and
    ..."), "the past 3 days", or a relative expression resolved against today ("last
    week", "this month", "yesterday"). `spans`: the question's periods, when already read."""
    spans = _spans(question, today) if spans is None else spans
    if not spans:
        return None
    bound = _BOUND.search(question)
    first = spans[0]
    if bound and bound.end() <= first[2][0]:
        word = bound["word"].lower()
        relative = any(s[3] for s in spans)
        text = question[bound.start() : spans[-1][2][1] if word == "between" else first[2][1]]
        if word == "between" and len(spans) > 1:
            return Period(first[0], spans[1][1], text, relative)
        if word in ("since", "after", "from"):
            return Period(first[0] if word != "after" else first[1] + datetime.timedelta(1),
                          today, text, True)  # fmt: skip
        return Period(None, first[0] - datetime.timedelta(1) if word == "before" else first[1],
                      text, relative)  # fmt: skip
    start, end, (a, b), relative = first
    return Period(start, end, question[a:b], relative)


def _spans(question: str, today: datetime.date) -> list[Span]:
    """Every period the question names, in order: (first day, last day, offsets, relative)."""
    found: list[Span] = []
    taken: list[tuple[int, int]] = []

    def add(start: datetime.date, end: datetime.date, a: int, b: int, relative: bool) -> None:
        if not any(a < y and x < b for x, y in taken):
            taken.append((a, b))
            found.append((start, end, (a, b), relative))

    for span, day in full_dates(question):
        add(day, day, span.start, span.end, False)
    for m in _MONTH_YEAR.finditer(question):
        month = MONTH_NAMES.index(m["month"].capitalize()) + 1
        year = int(m["year"])
        add(datetime.date(year, month, 1), datetime.date(year, month, monthrange(year, month)[1]),
            m.start(), m.end(), False)  # fmt: skip
    m_days = _PAST_DAYS.search(question)
    if m_days:
        n, unit = int(m_days["n"]), m_days["unit"].lower()
        days = n * {"days": 1, "weeks": 7, "months": 30}[unit]
        add(today - datetime.timedelta(days), today, m_days.start(), m_days.end(), True)
    anchor = ArticleDate(today, "day", "stated", None, 0.95)
    for r in resolve(question, anchor):
        if r.date is None or r.rule == "month_name" and not _MONTH_YEAR.search(question):
            continue  # "in March" alone: which March is a guess
        add(r.date, _last_day(r.date, r.precision), r.start, r.end, True)
    for m in _YEAR.finditer(question):
        year = int(m["year"])
        add(datetime.date(year, 1, 1), datetime.date(year, 12, 31), m.start(), m.end(), False)
    return sorted(found, key=lambda s: s[2][0])


def _last_day(first: datetime.date, precision: str) -> datetime.date:
    if precision == "week":
        return first + datetime.timedelta(6)
    if precision == "month":
        return first.replace(day=monthrange(first.year, first.month)[1])
    if precision == "year":
        return first.replace(month=12, day=31)
    return first
