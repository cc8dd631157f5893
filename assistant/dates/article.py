"""The date an article was written: stated in its header, inferred, or unknown.

Relative expressions ("on Thursday", "last December") mean nothing without it,
and two of the five seed articles print none. A wrong date silently turns every
"on the 13th" into a wrong answer, so inference is deliberately narrow: only a
month, only when the body both dates something explicitly (a full date with a
year, which the article cannot precede) and names that month again without a
year, the way a report speaks of its own month ("On January 11"). Otherwise the
answer is "unknown", with a note on what the text does give.

This is the one parser of an article's own date: `Article.date` (ingest.corpus)
is its stated day, `Article.date_basis` its result described. `publication_date`
adds what a saved page's metadata states and what cannot be a publication date:
a year before 1900 or more than a year after the day it is read (a page dated
9999-12-31 or 0001-01-01) is ignored, with a note; a day after it is kept and
flagged; metadata that states two days is said to (the most trusted is used).
The day it is read is an argument, `today`, so the rules stay pure.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections.abc import Sequence

from assistant.dates.model import ArticleDate, Span, month_name, ordinal, valid
from assistant.lexicon import MONTH_ABBR, MONTH_ABBR_RE, MONTH_RE

HEADER_LINES = 8  # non-empty lines searched for a dateline
# A dateline is short: a longer line, or one with more words beside the date, is a
# sentence, and its date is news ("met on January 13, 2023"), not the article's.
DATELINE_MAX = 80
DATELINE_WORDS = 6

_DMY = re.compile(rf"\b(?P<d>\d{{1,2}}) (?P<m>{MONTH_ABBR_RE}),? (?P<y>\d{{4}})\b")
_MDY = re.compile(rf"\b(?P<m>{MONTH_ABBR_RE}) (?P<d>\d{{1,2}}),? (?P<y>\d{{4}})(?!\d)")
_SEP = r"(?:[-/]|\. ?)"  # 2024-04-08, 2024/4/8, 2024. 4. 8.
_YMD = re.compile(rf"(?<!\d)(?P<y>\d{{4}}){_SEP}(?P<m>\d{{1,2}}){_SEP}(?P<d>\d{{1,2}})(?!\d)")
_KOREAN = re.compile(r"(?P<y>\d{4})년\s*(?P<m>\d{1,2})월\s*(?P<d>\d{1,2})일")
FULL_DATE_PATTERNS = (_DMY, _MDY, _YMD, _KOREAN)
_ORDINAL_DAY = re.compile(r"\bthe (\d{1,2})(?:st|nd|rd|th)\b")


def _as_date(match: re.Match[str]) -> datetime.date | None:
    """The date a full-date match names, or None if it is not in the calendar (31 Feb)."""
    month = match["m"]
    m = int(month) if month.isdigit() else MONTH_ABBR.get(month.lower().rstrip("."), 0)
    y, d = int(match["y"]), int(match["d"])
    if 1900 <= y <= 2100 and m and valid(y, m, d):
        return datetime.date(y, m, d)
    return None


Dated = tuple[Span, datetime.date]


def full_dates(text: str, start: int = 0, end: int | None = None) -> list[Dated]:
    """Every date with day, month and year in text[start:end], in order of position."""
    found: dict[int, Dated] = {}
    for pattern in FULL_DATE_PATTERNS:
        for match in pattern.finditer(text, start, len(text) if end is None else end):
            day = _as_date(match)
            if day is not None and match.start() not in found:
                found[match.start()] = (Span(match[0], match.start(), match.end()), day)
    return [found[k] for k in sorted(found)]


def _stated(text: str, source: str) -> ArticleDate | None:
    """The first full date on a dateline among the header's lines, if any."""
    seen = 0
    for line in re.finditer(r"[^\n]*", text):
        if not line[0].strip():
            continue
        seen += 1
        if seen > HEADER_LINES:
            break
        dates = full_dates(text, line.start(), line.end())
        if not dates or len(line[0].strip()) > DATELINE_MAX:
            continue
        span, day = dates[0]
        rest = line[0][: span.start - line.start()] + line[0][span.end - line.start() :]
        if len(re.findall(r"\w+", rest)) <= DATELINE_WORDS:
            return ArticleDate(day, "day", "stated", span, 0.95, source=source)
    return None


def _inferred(text: str, source: str) -> ArticleDate:
    """A month the body supports (see the module docstring), else unknown with a note."""
    dates = full_dates(text)
    days = sorted({int(m[1]) for m in _ORDINAL_DAY.finditer(text)})
    named = f"days of a month ({', '.join(ordinal(d) for d in days)})" if days else "no day"
    if not dates:
        note = f"The text names {named} but no month or year."
        return ArticleDate(None, None, "unknown", None, 0.0, note=note, source=source)
    latest_span, latest = max(dates, key=lambda pair: pair[1])
    name = month_name(latest.month)
    dated = {span.start for span, _ in dates}
    support = tuple(
        Span(m[0], m.start(), m.end())
        for m in re.finditer(rf"\b(?:{MONTH_RE})\b(?! \d{{1,2}},? \d{{4}})", text)
        if m[0] == name and m.start() not in dated
    )
    if not support:
        note = (
            f"Written no earlier than {latest.isoformat()} (the latest date it gives), "
            "but nothing in the text says how much later."
        )
        return ArticleDate(None, None, "unknown", latest_span, 0.0, note=note, source=source)
    confidence = 0.6 + (0.1 if days else 0.0)
    note = (
        f"{latest_span.text} is the latest full date in the text, so the article is no "
        f"earlier; it names {name} again without a year ({support[0].text!r}) "
        f"and {named}, as a report does of its own month."
    )
    month_start = latest.replace(day=1)
    return ArticleDate(
        month_start, "month", "inferred", latest_span, confidence, support, note, source
    )


def article_date(text: str, source: str = "") -> ArticleDate:
    """The article's date: its header's dateline, else a narrowly inferred month, else unknown.

    Stated: the first full date (day, month, year: "6 Jan, 2023", "by May 19, 2023",
    "2024. 4. 8. 14:13", "2024-04-08", "2024년 4월 8일") on a dateline among the
    first eight non-empty lines: at most 80 characters and six other words.
    Inferred: see the module docstring. `source` is only carried into the result.
    """
    return _stated(text, source) or _inferred(text, source)


EARLIEST_YEAR = 1900  # no news article in a folder is older
LATEST_AHEAD = datetime.timedelta(days=366)  # a date set ahead by a time zone or an embargo


def implausible(day: datetime.date, today: datetime.date) -> str | None:
    """Why `day` cannot be an article's publication date (read on `today`), or None."""
    if day.year < EARLIEST_YEAR:
        return f"before {EARLIEST_YEAR}"
    if day > today + LATEST_AHEAD:
        return f"more than a year after today, {today.isoformat()}"
    return None


def checked(published: ArticleDate, today: datetime.date) -> ArticleDate:
    """`published`, or unknown with a note when it is implausible; a date after `today`
    is kept with a caveat saying so."""
    if published.date is None:
        return published
    why = implausible(published.date, today)
    if why:
        said = f"“{published.evidence.text}”" if published.evidence else published.date.isoformat()
        note = f"The text gives {said}, which cannot be its publication date ({why}): ignored."
        return ArticleDate(None, None, "unknown", published.evidence, 0.0, note=note,
                           source=published.source)  # fmt: skip
    if published.date > today:
        later = f"a date after today ({today.isoformat()}), the day it was read: check it"
        return dataclasses.replace(published, caveat=later)
    return published


def publication_date(
    text: str, stated: Sequence[tuple[str, str]], source: str, today: datetime.date
) -> ArticleDate:
    """The article's date read on `today`: the first plausible (day, where) its file's
    metadata states, else its text's (`article_date`), as `checked`. The caveat names
    metadata dates that were ignored, and other days the metadata states."""
    usable, ignored = [], []
    for iso, origin in stated:
        day = datetime.date.fromisoformat(iso)
        why = implausible(day, today)
        if why:
            ignored.append(f"ignored {iso} from {origin}: not a plausible publication date ({why})")
        else:
            usable.append((day, origin))
    if usable:
        day, origin = usable[0]
        found = ArticleDate(day, "day", "stated", None, 0.95, note=origin, source=source)
        others = [f"{d.isoformat()} ({o})" for d, o in usable[1:] if d != day]
        if others:
            ignored.insert(0, f"the page also states {'; '.join(others)}")
    else:
        found = article_date(text, source)
    found = checked(found, today)
    caveat = "; ".join(x for x in (found.caveat, *ignored) if x)
    return dataclasses.replace(found, caveat=caveat)
