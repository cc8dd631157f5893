"""Calendar dates for news written in relative time.

Why: news says "on Thursday", "on the 13th", "last December", "the following
day", and two of the five seed articles print no date at all, yet a reader who
asks "when" wants a calendar date. This module gives every article a date and
says where it came from (`article_date`), turns each relative expression into a
calendar date, or into what the text honestly supports ("the 23rd; the article
gives no month"), keeping its exact span (`resolve`), says each date the way a
reader writes it (`reading`: "Thursday, May 18, 2023"; `formats`), and puts
pieces into a text at offsets without moving anything else (`inserted`).

What the LLM reads is `reading`: `answering.evidence.with_dates` inserts it after
each expression of a quoted sentence ("on Thursday [Thursday, May 18, 2023]").
`annotate` writes the shorter ISO `Resolved.label` instead ("on Thursday
[2023-05-18]", undone by `unannotate`); nothing in the answer path uses it.

Pure functions of the text: no I/O, no network, no clock. The rules are in
`dates.article` (the article's date) and `dates.resolve` (relative expressions,
one named rule each); the types and the tense window in `dates.model`; the month
and weekday names in `assistant.lexicon`.
"""

from __future__ import annotations

import datetime

from assistant.dates.article import article_date, publication_date
from assistant.dates.model import ArticleDate, Basis, Precision, Resolved, Span, month_name
from assistant.dates.resolve import RULES, resolve


def _insertions(resolved: list[Resolved]) -> list[tuple[int, str]]:
    """(offset in the original text, text inserted there), in order of offset."""
    return sorted((r.end, f" [{r.label}]") for r in resolved if r.label is not None)


def inserted(text: str, insertions: list[tuple[int, str]]) -> str:
    """`text` with each (offset, piece) inserted at its offset, in order of offset."""
    parts: list[str] = []
    last = 0
    for offset, piece in sorted(insertions):
        parts += [text[last:offset], piece]
        last = offset
    parts.append(text[last:])
    return "".join(parts)


def annotate(text: str, resolved: list[Resolved]) -> str:
    """`text` with " [date]" after each resolved expression ("on Thursday [2023-05-18]").

    Nothing else changes: `unannotate(annotate(text, r), r) == text`. Expressions
    that resolve to nothing at all (no date, no partial, no note) get no bracket.
    """
    return inserted(text, _insertions(resolved))


def unannotate(annotated: str, resolved: list[Resolved]) -> str:
    """The original text back from `annotate(text, resolved)`."""
    parts: list[str] = []
    shift = last = 0
    for offset, inserted in _insertions(resolved):
        at = offset + shift
        if annotated[at : at + len(inserted)] != inserted:
            raise ValueError(f"no annotation {inserted!r} at {at}: not annotate()'s output")
        parts.append(annotated[last:at])
        last = at + len(inserted)
        shift += len(inserted)
    parts.append(annotated[last:])
    return "".join(parts)


def described(published: ArticleDate) -> str:
    """The article's date and where it came from, in one line for people, with its
    caveat if it has one.

    "2023-01-06, stated in the article (“6 Jan, 2023”)"; "2023-01 (month only),
    inferred from “January 12, 2023” (confidence 0.7)"; "unknown: <what the text gives>".
    """
    said = _described(published)
    return f"{said}; {published.caveat}" if published.caveat else said


def _described(published: ArticleDate) -> str:
    if published.date is None or published.basis == "unknown":
        return f"unknown: {published.note}" if published.note else "unknown"
    if published.precision == "month":
        when = f"{published.date:%Y-%m} (month only)"
    elif published.precision == "year":
        when = f"{published.date.year} (year only)"
    else:
        when = published.date.isoformat()
    if published.basis == "stated" and published.evidence is None and published.note:
        return f"{when}, stated in {published.note}"  # a saved page's own metadata
    quoted = f"“{published.evidence.text}”" if published.evidence else "the text"
    if published.basis == "stated":
        return f"{when}, stated in the article ({quoted})"
    return f"{when}, inferred from {quoted} (confidence {published.confidence:.1f})"


def reading(r: Resolved) -> str | None:
    """The date an expression means, as a reader writes it: "Thursday, May 18, 2023",
    "October 2022", "2022", "week of May 15, 2023", or what the text leaves open
    ("24th, the article gives no month"); None when nothing is known."""
    if r.date is None:
        return r.label
    if r.precision == "day":  # "on Thursday" -> "Thursday, May 18, 2023"
        weekday = f"{r.date:%A}, " if r.rule == "weekday" else ""
        return weekday + formats(r.date)[0]
    if r.precision == "week":
        return f"week of {formats(r.date)[0]}"
    if r.precision == "month":
        return f"{month_name(r.date.month)} {r.date.year}"
    return str(r.date.year)


def formats(d: datetime.date) -> list[str]:
    """The ways a reader writes the date: ["May 18, 2023", "18 May 2023", "2023-05-18"]."""
    month = month_name(d.month)
    return [f"{month} {d.day}, {d.year}", f"{d.day} {month} {d.year}", d.isoformat()]


def iso_formats(iso: str | None) -> list[str]:
    """`formats` of a "YYYY-MM-DD" string; [] for anything else (a month, None)."""
    try:
        return formats(datetime.date.fromisoformat(iso or ""))
    except ValueError:
        return []


__all__ = [
    "RULES",
    "ArticleDate",
    "Basis",
    "Precision",
    "Resolved",
    "Span",
    "annotate",
    "article_date",
    "described",
    "formats",
    "inserted",
    "iso_formats",
    "publication_date",
    "reading",
    "resolve",
    "unannotate",
]
