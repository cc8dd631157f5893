"""Cite and check: every claim of the answer backed by a quote that carries it.

The quotes are the evidence sentences the model chose, sliced from the files
by offsets, so they are verbatim by construction. What this module checks is
*support*: each sentence of the phrased answer must have its names and
numbers (the ones it adds to the question) inside the quote it cites. A claim
its chosen quotes do not carry is re-pointed to a shown sentence that does,
or dropped. When nothing survives, or the phrasing said nothing useful, the
answer becomes extractive: the chosen sentence itself, quoted and cited.
Markers the model wrote are ignored: the code attaches its own. For a "when"
question the date must come from the chosen sentence that dates the event (a
small model copies a date from any sentence it read), and when the answer gives
none, that sentence's resolved dates are added and cited.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.answering.decision import answer_type_found
from assistant.answering.evidence import content_words, with_dates, word_overlap
from assistant.answering.question import Question
from assistant.answering.selection import Selection
from assistant.answering.terms import DAY_LIKE, fold, key_terms, missing_terms
from assistant.dates import iso_formats
from assistant.ingest.chunking import split_sentences
from assistant.ingest.corpus import ReadText
from assistant.lexicon import MONTH_RE
from assistant.schema import Citation, DateNote, Evidence, dates_said

MARKER = re.compile(r"\s*\[(?:excerpts?\s*|sentences?\s*)?(\d+(?:\s*(?:,|and|-)\s*\d+)*)\]", re.I)
_ABSTAIN = re.compile(
    r"\b(articles?|excerpts?|sentences?|sources?|context|text)\s+(do(es)?\s*n[o']t|do(es)?\s+not)"
    r"\s+(say|mention|contain|provide|state|specify|include|answer|give)|"
    r"\bno (information|mention)\b|\bnot (mentioned|stated|specified)\b",
    re.I,
)
_CLOSING = re.compile(r"[.!?]+[\"'”’)]*$")
_MONTH = f"(?:{MONTH_RE})"
# a calendar date the model added ("on May 19, 2023"): dropped when no quote carries it
_DATE_PHRASE = re.compile(
    rf"(,)?\s*\b(?:[Oo]n |[Ii]n )?(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s*\d{{4}})?|"
    rf"\d{{1,2}}\s+{_MONTH}(?:\s+\d{{4}})?|{_MONTH}\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}})\b(?(1)|,?)"
)  # a comma before it stays out; one after it goes with it ("held on May 19, 2023, in")
_BRACKETED = re.compile(r"\s*\[([^\]]*[A-Za-z][^\]]*)\]")  # not a marker: it has letters
_ACRONYM = re.compile(r"\s*\(([A-Z][A-Za-z]{1,7})\)")
MIN_OVERLAP = 0.5  # a claim with no new names or numbers must share this much wording


@dataclass
class CheckedAnswer:
    text: str
    citations: list[Citation]
    extractive: bool  # the answer is the chosen sentence itself
    dropped: list[str]  # claims left out for want of support
    raw: str = ""  # the model's reply the claims came from


def is_abstention(text: str) -> bool:
    """The phrasing said the sentences don't hold the answer (in whatever words)."""
    stripped = MARKER.sub("", text).strip()
    return not stripped or bool(_ABSTAIN.search(stripped))


def without_acronyms(claim: str) -> str:
    """The claim without an acronym the model added after the name it abbreviates:
    "the Massachusetts Institute of Technology (MIT)" needs no "MIT" in the quote."""

    def spelled_out(match: re.Match[str]) -> str:
        acronym = match.group(1).upper()
        words = re.findall(r"[A-Za-z]+", claim[: match.start()])
        initials = "".join(w[0] for w in words if w[0].isupper())
        return "" if initials.endswith(acronym) else match.group()

    return _ACRONYM.sub(spelled_out, claim)


def supports(claim: str, question: str, quote: str) -> bool:
    """Does the quote carry the claim: its new names and numbers, or most of its words?"""
    claim = without_acronyms(claim)
    new_terms = [t for t in key_terms(claim) if t not in set(key_terms(question))]
    if missing_terms(new_terms, quote):
        return False
    if new_terms:
        return True
    words = content_words(fold(claim)) - content_words(fold(question))
    if not words:
        words = content_words(fold(claim))
    return bool(words) and len(words & content_words(fold(quote))) / len(words) >= MIN_OVERLAP


def answered_part(claim: str, parts: Sequence[str]) -> str | None:
    """The part of a multi-part question a claim answers: the one that shares the most
    words with it (None on a tie: the claim is then checked against the whole)."""
    shared = sorted(((word_overlap(part, claim), part) for part in parts), reverse=True)
    if not shared or (len(shared) > 1 and shared[0][0] == shared[1][0]):
        return None
    return shared[0][1]


def part_terms(part: str, parts: Sequence[str]) -> list[str]:
    """The names and numbers that set one part of a question apart from the others."""
    others = {t for other in parts if other != part for t in key_terms(other)}
    return [t for t in key_terms(part) if t not in others]


def backed_by(
    claim: str,
    question: Question,
    chosen: Sequence[Evidence],
    shown: Sequence[Evidence],
    parts: Sequence[str] = (),
) -> list[Evidence]:
    """The chosen sentence that carries the claim, else any other shown one (re-pointing),
    else a chosen one and a shown one that carry it together ("Kishida" from one,
    "the 22nd" from the other).

    A claim that answers one part of a multi-part question is checked against that
    part: the names it adds to the part must be quoted. For a later part, so must one
    of the names that set it apart ("G7" in "where did the two meet again on the eve
    of a G7 summit?"): "The two met again on the eve of the G7 summit in Tokyo" passed
    as carried by the Tokyo summit's sentence, Tokyo being in the first part. (The
    first part's own names are often only the context its sentence takes for
    granted: "At the Quad summit the following day" answers "what followed the Tokyo
    summit?" without naming Tokyo.)"""
    part = answered_part(claim, parts)
    asked = part or question.text
    needed = part_terms(part, parts) if part and part != parts[0] else []

    def carried(*evidence: Evidence) -> bool:
        text = " ".join(support_text(e, question) for e in evidence)
        if needed and len(missing_terms(needed, text)) == len(needed):
            return False
        return supports(claim, asked, text)

    for pool in (chosen, shown):
        for evidence in pool:
            if carried(evidence):
                return [evidence]
    for first in chosen:
        for second in shown:  # two sentences of one article: no date of one, day of another
            if second is not first and second.source == first.source and carried(first, second):
                return [first, second]
    return []


def without_dates(claim: str, dates: Sequence[str] | None = None) -> str:
    """The claim without its calendar dates (only those in `dates`, when given)."""

    def drop(match: re.Match[str]) -> str:
        return "" if dates is None or match.group() in dates else match.group()

    trimmed = re.sub(r"^[\s,]+", "", _DATE_PHRASE.sub(drop, claim))
    return trimmed[:1].upper() + trimmed[1:]


def unquoted_dates(claim: str, question: Question, backing: Sequence[Evidence]) -> list[str]:
    """The calendar dates of a "when" claim that neither its quotes state nor their
    relative dates resolve to: the article's date given as the event's ("On January
    6, 2023, Japan will ..." from a sentence whose "on Thursday" is January 5, 2023;
    the question's own words let it past the names-and-numbers check)."""
    said = " ".join(
        [support_text(e, question) for e in backing]
        + [n.calendar for e in backing for n in e.dates]
    )
    said = fold(said)

    def core(phrase: str) -> str:
        return fold(re.sub(r"^[\s,]*(?:[Oo]n |[Ii]n )?|[\s,]+$", "", phrase))

    return [m.group() for m in _DATE_PHRASE.finditer(claim) if core(m.group()) not in said]


def support_text(evidence: Evidence, question: Question) -> str:
    """The sentence with the dates its expressions resolve to, and, for a question about
    an article's date, that date as a reader writes it."""
    text = with_dates(evidence)
    if question.asks_article_date:
        text = " ".join([text, *iso_formats(evidence.date)])
    return text


def claims_of(text: str) -> list[str]:
    """The answer's sentences, without any markers the model wrote (a date it copied
    from the evidence's brackets, "Thursday [May 18, 2023]", keeps parentheses)."""
    text = _BRACKETED.sub(r" (\1)", MARKER.sub("", text.strip()))
    claims = [text[s:e].strip() for s, e in split_sentences(text)]
    return [c for c in claims if re.search(r"\w", c)]


class Citer:
    """Checks the answer a claim at a time, so that finished sentences can be shown
    while the model is still writing: `add` returns the claim with its markers, or
    None when no quote carries it; `finish` gives the checked answer."""

    def __init__(
        self,
        question: Question,
        chosen: Sequence[Evidence],
        shown: Sequence[Evidence],
        part_picks: Sequence[Evidence] = (),
    ) -> None:
        self.question = question
        self.chosen = chosen
        self.shown = shown
        self.part_picks = part_picks  # the sentences the model picked for later parts
        self.numbers: dict[tuple[str, int], int] = {}
        self.used: list[Evidence] = []
        self.parts: list[str] = []
        self.dropped: list[str] = []
        self.when = question.asks_date
        self.dating = may_date(question, chosen) if self.when else []  # only "when" needs it
        self.asked_parts = question.parts

    def add(self, claim: str) -> str | None:
        # the date of a "when" answer comes from the chosen sentence that dates the event
        dated = self.when and _DATE_PHRASE.search(claim) is not None
        first, pool = (self.dating, self.dating) if dated else (self.chosen, self.shown)
        backing = backed_by(claim, self.question, first, pool, self.asked_parts)
        if not backing and _DATE_PHRASE.search(claim):  # keep the claim, lose the date
            trimmed = without_dates(claim)
            backing = backed_by(trimmed, self.question, first, pool, self.asked_parts)
            claim = trimmed if backing else claim
        elif dated and (other := unquoted_dates(claim, self.question, backing)):
            claim = without_dates(claim, other)  # one date: the event's (the article's is not)
        if not backing:
            self.dropped.append(claim)
            return None
        self.parts.append(with_markers(claim, [self.number(e) for e in backing]))
        return self.parts[-1]

    def quoted(self, evidence: Evidence) -> str:
        """The sentence itself as part of the answer: “...” [n]."""
        return f"“{' '.join(evidence.text.split())}” [{self.number(evidence)}]"

    def number(self, evidence: Evidence) -> int:
        """The evidence's marker number, given on its first citation."""
        key = evidence.key
        if key not in self.numbers:
            self.numbers[key] = len(self.numbers) + 1
            self.used.append(evidence)
        return self.numbers[key]

    def finish(self, phrased: str) -> CheckedAnswer:
        """The checked claims; the chosen sentence itself when none survived, or when
        the phrasing said the sentences do not answer (the first chosen one that holds
        what the question asks for: the one with the day, for "on what day"). A
        sentence the model picked for a later part of the question that no claim
        cites is quoted after them: the phrasing left that part out."""
        extractive = not self.parts or is_abstention(phrased)
        if extractive:
            self.numbers, self.used = {}, []
            typed = (c for c in self.chosen if answer_type_found(self.question, [c]))
            top = next(typed, self.chosen[0])
            text = self.quoted(top)
            text += dates_added(self.question, text, [top])
        else:
            text = " ".join(self.parts)
            added = dates_added(self.question, text, self.used)
            dating = None if added else dating_sentence(self.question, text, self.used, self.chosen)
            if dating is not None:  # the chosen sentence that dates it, cited
                said = dates_said(day_notes(self.question, dating))
                added = f" ({with_markers(said, [self.number(dating)])}.)"
            text += added
        for pick in self.part_picks:
            if pick.key not in self.numbers:
                text += f" {self.quoted(pick)}"
        citations = [citation(self.numbers[e.key], e) for e in self.used]
        return CheckedAnswer(text, citations, extractive, self.dropped)


class CheckedStream:
    """The model's reply checked as it is written, so that only checked text is shown.

    `feed` each piece of the reply: it returns the sentences just finished that a
    quote carries, with their markers (the last sentence may still be growing, so
    it waits). `end` returns what is left to show and the checked answer, whose
    text the shown pieces add up to (unless a late "the sentences don't say"
    turned the answer into the quoted evidence: the answer is what counts).
    """

    def __init__(
        self,
        question: Question,
        chosen: Sequence[Evidence],
        shown: Sequence[Evidence],
        part_picks: Sequence[Evidence] = (),
    ) -> None:
        self.citer = Citer(question, chosen, shown, part_picks)
        self.raw = ""  # the model's reply so far
        self.text = ""  # what has been handed out to show
        self._done = 0  # sentences of `raw` already checked

    def feed(self, delta: str) -> str:
        self.raw += delta
        finished = [] if is_abstention(self.raw) else claims_of(self.raw)[:-1]
        return self._check(finished)

    def end(self) -> tuple[str, CheckedAnswer]:
        rest = "" if is_abstention(self.raw) else self._check(claims_of(self.raw))
        checked = self.citer.finish(self.raw)
        checked.raw = self.raw
        if not self.text:  # nothing held: the quoted evidence
            rest = self.text = checked.text
        elif checked.text.startswith(self.text) and checked.text != self.text:
            rest += checked.text[len(self.text) :]  # what its dates mean, added at the end
            self.text = checked.text
        return rest, checked

    def _check(self, claims: list[str]) -> str:
        out = ""
        for claim in claims[self._done :]:
            kept = self.citer.add(claim)
            if kept is not None:
                out += f" {kept}" if self.text or out else kept
        self._done = max(self._done, len(claims))
        self.text += out
        return out


def cite(
    phrased: str, question: Question, chosen: Sequence[Evidence], shown: Sequence[Evidence]
) -> CheckedAnswer:
    """Attach a supporting quote to each claim; fall back to quoting the evidence.

    The whole reply at once, through the same checks `Assistant.stream` runs."""
    checking = CheckedStream(question, chosen, shown)
    checking.feed(phrased)
    return checking.end()[1]


def dates_added(question: Question, text: str, used: Sequence[Evidence]) -> str:
    """For a "when" question whose answer gives no calendar date its quotes resolve
    ("on Thursday"): ' (“on Thursday” is May 18, 2023.)', or what the article leaves
    open ("24th, the article gives no month"). Empty otherwise."""
    if not question.asks_date or dated_in(question, text, used):
        return ""
    notes = [n for e in used for n in day_notes(question, e)]
    return f" ({dates_said(notes)}.)" if notes else ""


def dating_sentence(
    question: Question, text: str, used: Sequence[Evidence], chosen: Sequence[Evidence]
) -> Evidence | None:
    """When a "when" answer's quotes date nothing, the chosen sentence that does (the
    model may phrase from the sentence naming the event and leave the dating one out):
    the one nearest a cited sentence of its article, as a quote's date is in the
    sentence that introduces it, else the one sharing most words with the question."""
    if not question.asks_date or dated_in(question, text, used):
        return None
    taken = {e.key for e in used}
    fresh = [e for e in chosen if e.key not in taken and day_notes(question, e)]

    def distance(e: Evidence) -> float:
        return min((abs(e.start - u.start) for u in used if u.source == e.source), default=1e9)

    ranked = sorted(fresh, key=lambda e: (distance(e), -word_overlap(question.text, e.text)))
    return ranked[0] if ranked else None


def may_date(question: Question, chosen: Sequence[Evidence]) -> list[Evidence]:
    """The chosen sentences a when-answer's date may come from: of those with days of
    their own, the ones sharing most words with the question (not the CNN interview's
    "on the 7th" for a remark to VOA); with them, the chosen ones without a day."""
    days = [e for e in chosen if day_notes(question, e)]
    best = max((word_overlap(question.text, e.text) for e in days), default=0.0)
    return [e for e in chosen if e not in days or word_overlap(question.text, e.text) == best]


def dated_in(question: Question, text: str, used: Sequence[Evidence]) -> bool:
    """Does the answer already give a date its quotes resolve to? (For "what day of the
    week", "May 18, 2023" is not enough.)"""
    weekday = question.asks_weekday
    return any((n.reading if weekday else n.calendar) in text for e in used for n in e.dates)


def day_notes(question: Question, evidence: Evidence) -> list[DateNote]:
    """The sentence's resolved dates that answer the question: days, for "what day"."""
    if not question.asks_day:
        return list(evidence.dates)
    return [n for n in evidence.dates if DAY_LIKE.search(n.reading)]


def citation(number: int, evidence: Evidence) -> Citation:
    return Citation(
        number=number,
        source=evidence.source,
        quote=evidence.text,
        start=evidence.start,
        end=evidence.end,
        title=evidence.title,
        date=evidence.date,
        date_basis=evidence.date_basis,
        dates=evidence.dates,
    )


def with_markers(claim: str, numbers: list[int]) -> str:
    """Put markers before the sentence's closing punctuation: "... Tokyo [1]." """
    marks = "".join(f"[{n}]" for n in numbers)
    if not marks:
        return claim
    end = _CLOSING.search(claim)
    at = end.start() if end else len(claim)
    return f"{claim[:at]} {marks}{claim[at:]}"


class Verifier:
    """The verify stage: a `CheckedStream` for each answer, which checks the phrased
    reply against the chosen quotes as it is written."""

    def start(self, question: Question, selection: Selection) -> CheckedStream:
        return CheckedStream(question, selection.chosen, selection.shown, selection.part_picks)


def invalid_quotes(citations: list[Citation], read_text: ReadText) -> list[Citation]:
    """Citations whose quote is not the file's text at their offsets (should be none)."""
    bad = []
    for c in citations:
        text = read_text(c.source)
        if text is None or text[c.start : c.end] != c.quote:
            bad.append(c)
    return bad
