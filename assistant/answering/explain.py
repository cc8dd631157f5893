"""Why the assistant abstained, in words a reader can act on, and what it did find.

"The articles don't say." alone leaves the reader guessing: was nothing found, or
was something found that does not answer? The decision (decision.py) and the answer
check (check.py) record their reason for the program reading `--json`; `why` turns it
into one plain line, and `closest` gives the two or three passages the assistant
came closest with, for the CLI and the UI to show, marked as not an answer.
"""

from __future__ import annotations

import re

from assistant.answering import check, decision
from assistant.answering.question import Question
from assistant.answering.terms import missing_terms
from assistant.schema import Answer, Evidence, RetrievedChunk

CLOSEST = 3  # passages shown under an abstention
MIN_WORDS = 8  # a shorter chunk ("“To do this,” he said.") tells the reader nothing
PASSAGE_CHARS = 300  # a chunk shown as a passage is cut to about this, at a sentence end
_SENTENCE_END = re.compile(r"[.!?][\"”’')\]]*(?=\s)")
# a period that ends "U.S." or "Mr." ends no sentence
_ABBREVIATION = re.compile(r"(?:\b[A-Z]|\b(?:Mr|Mrs|Ms|Dr|St|Gen|Sen|Rep|Gov|Lt|Col|No))\.$")

_WITHHELD = "so the answer the model wrote was withheld"
_PLAIN = {
    decision.NOTHING_CLOSE: "Nothing in the articles comes close to this question, so the "
    "model was not asked.",
    decision.NONE_ANSWERS: "The model read the closest sentences and judged that none of "
    "them answers this question.",
    decision.UNSURE: "The model found no sentence that answers this question with enough "
    "confidence.",
    decision.LACKS_TYPE: "The closest sentences do not hold what the question asks for.",
    check.LACKS: f"The answer did not hold what the question asks for, {_WITHHELD}.",
    check.NOT_STATED: f"The quoted sentence does not state the answer, {_WITHHELD}.",
    check.NOT_ANSWERED: f"The quoted sentence names no answer to the question, {_WITHHELD}.",
}


def why(answer: Answer) -> str:
    """One line on why the assistant abstained ("" for an answer)."""
    if not answer.abstained:
        return ""
    if answer.check is not None and answer.check.outcome == "abstained":
        return _check_line(answer.check.reason)
    reason = answer.decision.reason if answer.decision else ""
    if reason == decision.LACKS_TERMS:
        return _missing_line(answer)
    return _PLAIN.get(reason, f"{reason[:1].upper()}{reason[1:]}." if reason else "")


def _check_line(reason: str) -> str:
    if reason in _PLAIN:
        return _PLAIN[reason]
    if reason.startswith("the answer names no "):  # check.NO_NAME with its kinds
        kinds = reason.removeprefix("the answer names no ").split(" that ")[0]
        return f"The answer named no {kinds} found in its quote, {_WITHHELD}."
    if "not the answer's name" in reason:  # the role read picked another name
        return f"The quoted sentence gives that role to another name, {_WITHHELD}."
    return f"{reason[:1].upper()}{reason[1:]}, {_WITHHELD}." if reason else ""


def _missing_line(answer: Answer) -> str:
    """The question's names and numbers that no retrieved passage holds."""
    terms = list(Question.parse(answer.standalone_question).terms)
    missing = missing_terms(terms, " ".join(c.text for c in answer.chunks))
    if not missing:
        return "The closest passages lack names or numbers of the question."
    said = ", ".join(f"“{as_asked(t, answer.standalone_question)}”" for t in missing[:4])
    return f"No passage found mentions {said}, which the question names."


def as_asked(term: str, question: str) -> str:
    """The term as the question writes it ("Toyota", not the folded "toyota")."""
    found = re.search(re.escape(term), question, re.I)
    return found.group() if found else term


def closest(answer: Answer, n: int = CLOSEST) -> list[Evidence]:
    """The passages the assistant came closest with, best first: the sentences the model
    scored (by its probability, else by closeness), or, when it was not asked, the
    start of the best retrieved chunks. Each is the file's text[start:end]."""
    if answer.evidence:
        scored = any(e.probability > 0 for e in answer.evidence)
        key = (lambda e: -e.probability) if scored else (lambda e: -e.relevance)
        return sorted(answer.evidence, key=key)[:n]
    passages = [_passage(c, rank) for rank, c in enumerate(answer.chunks, 1)]
    telling = [p for p in passages if len(p.text.split()) >= MIN_WORDS]
    return (telling or passages)[:n]


def _passage(chunk: RetrievedChunk, rank: int) -> Evidence:
    """A chunk's opening, cut at a sentence end near `PASSAGE_CHARS` (still verbatim)."""
    text = chunk.text
    if len(text) > PASSAGE_CHARS:
        ends = [
            m.end()
            for m in _SENTENCE_END.finditer(text, 0, PASSAGE_CHARS)
            if not _ABBREVIATION.search(text, 0, m.start() + 1)
        ]
        cut = ends[-1] if ends else text.rfind(" ", 0, PASSAGE_CHARS)
        text = text[: cut if cut > 0 else PASSAGE_CHARS]
    return Evidence(
        source=chunk.source, start=chunk.start, end=chunk.start + len(text), text=text,
        title=chunk.title, date=chunk.date, date_basis=chunk.date_basis,
        chunk_rank=rank, relevance=chunk.similarity or 0.0,
    )  # fmt: skip
