"""Relative date expressions of an article, resolved against the article's date.

Each rule is a regular expression and a function from (match, article date,
previous day-precise result, whether its clause speaks of the future) to a
`Resolved`. Where rules overlap the earliest, then longest, match wins ("October
of last year" over "last year"). The rules, and the decisions they encode:

- weekday: "on Thursday" is the latest Thursday before the article's date, or the
  next one when its clause is future ("will co-host ... on Wednesday"); the
  article's own weekday is the article's day in either tense (news says "on
  Friday" of that Friday). "last Friday" is strictly before, "next"/"coming"
  strictly after.
- day_of_month: "on the 7th" is the latest 7th on or before the article's date
  (a future clause: the earliest on or after); months without that day are
  skipped, so "the 30th" of a 2 March article is 30 January, "the 29th" is 29
  February in a leap year. "the 29th of last month" names its month. An article
  dated only to a month takes that month; an undated one gives the day alone.
- month_day: "on January 13" is the nearest 13 January to the article's date.
- month_relative_year: "October of last year", "December this year".
- last_month_name: "last December" is the latest December before the article's month.
- month_name: "in March" is the nearest March (ties: past, or future in a future clause).
- relative_period: "last/this/next year|month|week", with "earlier"/"later"; a
  week is precision "week", dated by its Monday (needs a day-precise article).
- deictic_day: "yesterday", "today", "tomorrow".
- following_day: "the following/next/previous day" counts from the previous
  day-precise date in the text, else from the article's date.

"The same day", "on this day" and seasons are left alone: in translated Korean
news "this day" is the dateline's day, in English the last date mentioned, and a
wrong guess is worse than none.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from datetime import date

from assistant.dates.model import (
    ArticleDate,
    Precision,
    Resolved,
    add_months,
    day_in_month_after,
    day_in_month_before,
    is_future,
    is_past,
    valid,
)
from assistant.lexicon import MONTH_ABBR, MONTH_ABBR_RE, MONTH_RE, MONTHS, WEEKDAY_RE, WEEKDAYS

Rule = Callable[[re.Match[str], ArticleDate, Resolved | None, bool], Resolved]
NO_MONTH = "the article gives no month"
NO_YEAR = "the article gives no year"
NO_DATE = "the article gives no date"
OUT_OF_RANGE = "outside the calendar's range"


def _make(m: re.Match[str], rule: str, precision: Precision, **fields: object) -> Resolved:
    return Resolved(m.start(), m.end(), m[0], rule, precision, **fields)  # type: ignore[arg-type]


def _day(m: re.Match[str], rule: str, day: datetime.date | None, note: str = "") -> Resolved:
    if day is None:
        return _make(m, rule, "day", note=note or NO_DATE)
    return _make(m, rule, "day", date=day, year=day.year, month=day.month, day=day.day, note=note)


def _month(m: re.Match[str], rule: str, year: int | None, month: int | None) -> Resolved:
    if year is None:
        return _make(m, rule, "month", month=month, note=NO_YEAR if month else NO_MONTH)
    return _make(m, rule, "month", date=datetime.date(year, month or 1, 1), year=year, month=month)


def _weekday(m: re.Match[str], pub: ArticleDate, prev: Resolved | None, future: bool) -> Resolved:
    if m["mon"]:  # "Friday, Dec. 6": the date it gives, not a Friday counted from the article
        return _weekday_dated(m, pub)
    if pub.date is None or pub.precision != "day":
        return _day(m, "weekday", None, "the article gives no day to count from")
    target = WEEKDAYS[m["wd"].lower()]
    which = (m["which"] or "").lower()
    back = (pub.date.weekday() - target) % 7
    ahead = (target - pub.date.weekday()) % 7
    if which == "last":
        delta = -(back or 7)
    elif which in ("next", "coming"):
        delta = ahead or 7
    elif back == 0:
        delta = 0
    else:
        delta = ahead if future else -back
    note = "'next <weekday>' taken as the first one after the article" if which == "next" else ""
    return _day(m, "weekday", pub.date + datetime.timedelta(days=delta), note)


def _weekday_dated(m: re.Match[str], pub: ArticleDate) -> Resolved:
    """A weekday followed by its date: that date, in the year it gives, else the year
    (of the article's, the one before or after) in which that day is that weekday, else the
    nearest to the article."""
    word = m["mon"].lower().rstrip(".")
    month, n = MONTH_ABBR.get(word) or MONTH_ABBR[word[:3]], int(m["md"])
    if m["yr"]:
        year = int(m["yr"])
    elif pub.date is None:
        return _make(m, "weekday", "day", month=month, day=n, note=NO_YEAR)
    else:
        weekday = WEEKDAYS[m["wd"].lower()]
        years = (pub.date.year, pub.date.year + 1, pub.date.year - 1)
        fits = [y for y in years if valid(y, month, n) and date(y, month, n).weekday() == weekday]
        year = fits[0] if fits else _nearest_year(pub.date, month, n, False)
    if not valid(year, month, n):
        return _make(m, "weekday", "day", month=month, day=n, note="no such day")
    return _day(m, "weekday", date(year, month, n))


def _day_of_month(m: re.Match[str], pub: ArticleDate, prev: Resolved | None, fut: bool) -> Resolved:
    n = int(m["n"])
    rel = (m["rel"] or "").lower()
    if pub.date is None or pub.precision == "year":
        return _make(m, "day_of_month", "day", day=n, note=NO_MONTH)
    if rel or pub.precision == "month":
        shift = {"last": -1, "next": 1}.get(rel, 0)
        year, month = add_months(pub.date.year, pub.date.month, shift)
        if not valid(year, month, n):
            return _make(m, "day_of_month", "day", year=year, month=month, note="no such day")
        note = "" if pub.precision == "day" else "month from the article's inferred date"
        return _day(m, "day_of_month", datetime.date(year, month, n), note)
    found = day_in_month_after(pub.date, n) if fut else day_in_month_before(pub.date, n)
    return _day(m, "day_of_month", found)


def _nearest_year(pub: datetime.date, month: int, day: int, future: bool) -> int:
    def distance(year: int) -> tuple[int, int]:
        if not valid(year, month, day):
            return (10**6, 0)
        gap = (datetime.date(year, month, day) - pub).days
        return (abs(gap), (gap < 0) if future else (gap > 0))

    return min((pub.year - 1, pub.year, pub.year + 1), key=distance)


def _month_day(m: re.Match[str], pub: ArticleDate, prev: Resolved | None, fut: bool) -> Resolved:
    month, n = MONTHS[m["mn"].lower()], int(m["n"])
    if pub.date is None:
        return _make(m, "month_day", "day", month=month, day=n, note=NO_YEAR)
    year = _nearest_year(pub.date, month, n, fut)
    if not valid(year, month, n):
        return _make(m, "month_day", "day", month=month, day=n, note="no such day")
    return _day(m, "month_day", datetime.date(year, month, n))


def _month_relative_year(
    m: re.Match[str], pub: ArticleDate, p: Resolved | None, f: bool
) -> Resolved:
    month = MONTHS[m["mn"].lower()]
    if pub.date is None:
        return _month(m, "month_relative_year", None, month)
    shift = {"last": -1, "this": 0, "next": 1}[m["rel"].lower()]
    return _month(m, "month_relative_year", pub.date.year + shift, month)


def _last_month_name(m: re.Match[str], pub: ArticleDate, p: Resolved | None, f: bool) -> Resolved:
    month = MONTHS[m["mn"].lower()]
    if pub.date is None:
        return _month(m, "last_month_name", None, month)
    year = pub.date.year if month < pub.date.month else pub.date.year - 1
    return _month(m, "last_month_name", year, month)


def _month_name(m: re.Match[str], pub: ArticleDate, prev: Resolved | None, fut: bool) -> Resolved:
    month = MONTHS[m["mn"].lower()]
    if pub.date is None:
        return _month(m, "month_name", None, month)
    if is_past(m.string, m.start(), m.end()):  # "was evicted in April": the April before
        year = pub.date.year if month <= pub.date.month else pub.date.year - 1
        return _month(m, "month_name", year, month)
    return _month(m, "month_name", _nearest_year(pub.date.replace(day=1), month, 1, fut), month)


def _relative_period(
    m: re.Match[str], pub: ArticleDate, prev: Resolved | None, f: bool
) -> Resolved:
    unit = m["unit"].lower()
    shift = {"last": -1, "this": 0, "next": 1}[m["rel"].lower()]
    known = {"year": ("day", "month", "year"), "month": ("day", "month"), "week": ("day",)}
    if pub.date is None or pub.precision not in known[unit]:
        missing = {"year": NO_YEAR, "month": NO_MONTH, "week": "the article gives no day"}
        return _make(m, "relative_period", unit, note=missing[unit])  # type: ignore[arg-type]
    if unit == "year":
        year = pub.date.year + shift
        return _make(m, "relative_period", "year", date=datetime.date(year, 1, 1), year=year)
    if unit == "month":
        return _month(m, "relative_period", *add_months(pub.date.year, pub.date.month, shift))
    monday = (
        pub.date - datetime.timedelta(days=pub.date.weekday()) + datetime.timedelta(weeks=shift)
    )
    return _make(m, "relative_period", "week", date=monday, note="the week starting that Monday")


def _deictic_day(m: re.Match[str], pub: ArticleDate, prev: Resolved | None, f: bool) -> Resolved:
    if pub.date is None or pub.precision != "day":
        return _day(m, "deictic_day", None, "the article gives no day to count from")
    delta = {"yesterday": -1, "today": 0, "tomorrow": 1}[m[0].lower()]
    return _day(m, "deictic_day", pub.date + datetime.timedelta(days=delta))


def _following_day(m: re.Match[str], pub: ArticleDate, prev: Resolved | None, f: bool) -> Resolved:
    delta = -1 if m["which"].lower() == "previous" else 1
    if prev is not None and prev.date is not None:
        return _day(m, "following_day", prev.date + datetime.timedelta(days=delta))
    if prev is not None and prev.day is not None:
        n = prev.day + delta
        if 1 <= n <= 28:  # every month has it, whatever month it is
            return _make(m, "following_day", "day", month=prev.month, day=n, note=prev.note)
        return _make(m, "following_day", "day", note="the month's length is unknown")
    if pub.date is not None and pub.precision == "day":
        return _day(m, "following_day", pub.date + datetime.timedelta(days=delta))
    return _day(m, "following_day", None, "no earlier date to count from")


_ORD = r"(?P<n>[1-9]|[12]\d|3[01])(?:st|nd|rd|th)"
_NOT_A_DATE = (
    r"(?!\s+(?:century|centuries|anniversary|birthday|time|round|floor|place|edition|"
    r"session|congress|amendment|generation|fleet|army|division|party|plenary|[a-z]+est)\b)"
)
RULES: list[tuple[re.Pattern[str], Rule]] = [
    (
        re.compile(
            rf"\b(?:(?i:(?P<which>last|this|next|coming|on|from|since|until|by))\s+)?"
            rf"(?P<wd>{WEEKDAY_RE})(?:\s+(?:morning|afternoon|evening|night))?\b"
            rf"(?:,?\s+(?P<mon>{MONTH_ABBR_RE})\s+(?P<md>[1-9]|[12]\d|3[01])\b"
            rf"(?:,\s*(?P<yr>\d{{4}})\b)?)?"
        ),
        _weekday,
    ),
    (
        re.compile(
            rf"\b(?:(?i:on|from|since|until|by)\s+)?the\s+{_ORD}\b{_NOT_A_DATE}"
            rf"(?:\s+of\s+(?P<rel>last|this|next)\s+month\b)?",
            re.I,
        ),
        _day_of_month,
    ),
    (
        re.compile(
            rf"\b(?:(?i:on|from|since|until|by)\s+)?(?P<mn>{MONTH_RE})\s+"
            rf"(?P<n>[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?\b(?!,?\s*\d)"
        ),
        _month_day,
    ),
    (
        re.compile(
            rf"\b(?:(?i:in)\s+)?(?P<mn>{MONTH_RE}),?\s+(?:(?i:of)\s+)?"
            rf"(?i:(?P<rel>last|this|next))\s+(?i:year)\b"
        ),
        _month_relative_year,
    ),
    (re.compile(rf"\b(?i:last)\s+(?P<mn>{MONTH_RE})\b(?!,?\s*\d)"), _last_month_name),
    (
        re.compile(
            rf"\b(?i:in|since|until|by|from|early|late|mid-?)\s*(?P<mn>{MONTH_RE})\b"
            rf"(?!,?\s*\d)"
        ),
        _month_name,
    ),
    (
        re.compile(
            r"\b(?:(?:earlier|later)\s+)?(?P<rel>last|this|next)\s+(?P<unit>year|month|week)"
            r"\b",
            re.I,
        ),
        _relative_period,
    ),
    (re.compile(r"\b(?:yesterday|today|tomorrow)\b", re.I), _deictic_day),
    (re.compile(r"\bthe\s+(?P<which>following|next|previous)\s+day\b", re.I), _following_day),
]


def resolve(text: str, published: ArticleDate) -> list[Resolved]:
    """Every relative date expression of `text`, resolved against `published`, in order."""
    matches: list[tuple[re.Match[str], Rule]] = [
        (m, rule) for pattern, rule in RULES for m in pattern.finditer(text)
    ]
    matches.sort(key=lambda pair: (pair[0].start(), -pair[0].end()))
    results: list[Resolved] = []
    previous: Resolved | None = None
    taken = 0
    for m, rule in matches:
        if m.start() < taken:
            continue
        taken = m.end()
        try:
            result = rule(m, published, previous, is_future(text, m.start(), m.end()))
        except (ValueError, OverflowError):  # past year 9999 or before year 1
            result = _make(m, rule.__name__.lstrip("_"), "day", note=OUT_OF_RANGE)
        results.append(result)
        if result.precision == "day" and (result.date is not None or result.day is not None):
            previous = result
    return results


__all__ = ["RULES", "resolve"]
