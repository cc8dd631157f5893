"""The figures a cited sentence gives, each shown with the words around it.

Why: on real pages a "how much" or "how many" answer often took a figure of the wrong
thing from a sentence that gives two ("expected to cost $800 million, up from an
original estimate of about $660 million"; "won 25 senior trophies, including 12 league
titles"). Every figure is in the quote, so the citation check passes either. The answer
check (`check.py`) therefore shows the model the sentence's figures as numbered options,
each with the few words that say what it counts, and reads which one it picks as the
answer, as it does among a sentence's names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answering.terms import fold
from assistant.lexicon import MONTH_ABBR_RE, NUMBER_WORDS

_UNITS = r"(?:\s*(?:%|percent|per cent|million|billion|trillion|thousand|bn|m)\b)?"
_SPELLED = "|".join(sorted(NUMBER_WORDS - {"million", "billion", "trillion", "percent", "half"}))
FIGURE = re.compile(
    rf"(?<![\w.])(?:[$€£¥]\s?)?\d[\d,]*(?:\.\d+)?(?!\w){_UNITS}|\b(?:{_SPELLED})\b{_UNITS}", re.I
)
_AFTER_MONTH = re.compile(rf"\b{MONTH_ABBR_RE}\s*$")
_YEAR = re.compile(r"^(?:1[89]|20)\d\d$")
WORDS_BEFORE = 5


@dataclass(frozen=True)
class Figure:
    value: str  # the number as `amounts` folds it: "660", "25", "two"
    shown: str  # the figure with the words around it: "original estimate of about $660 million"


def value_of(figure: str) -> str:
    """ "$660 million" -> "660"; "25" -> "25"; "Two" -> "two" (the digits, or the word)."""
    digits = re.search(r"\d[\d,]*(?:\.\d+)?", figure)
    return (digits.group() if digits else fold(figure).split()[0]).replace(",", "")


def figures(sentence: str, question: str) -> list[Figure]:
    """The sentence's figures that the question does not give, in order: not a year, not the
    day of a date ("Nov. 19"), each once."""
    asked = {value_of(m.group()) for m in FIGURE.finditer(question)}
    found: list[Figure] = []
    for m in FIGURE.finditer(sentence):
        value = value_of(m.group())
        if value in asked or _YEAR.match(value) or _AFTER_MONTH.search(sentence[: m.start()]):
            continue
        if any(f.value == value for f in found):
            continue
        found.append(Figure(value, _context(sentence, m.start(), m.end())))
    return found


def _context(sentence: str, start: int, end: int) -> str:
    """The figure with the few words before it (not past a comma, ; : or a stop) and,
    after it, only the noun it counts ("has won 25 senior trophies", "an original estimate of
    about $660 million"): with the words after it as well, the 1.5B model picked the second
    of two figures whatever was asked (a page written for tests/test_answer_check_model.py)."""
    before = re.split(r"[,;:.!?]\s", sentence[:start])[-1].split()[-WORDS_BEFORE:]
    shown = " ".join([*before, sentence[start:end].strip()])
    counted = _counted_after(sentence, start, end)
    return " ".join((shown + sentence[end:counted]).split()).strip(" ,")


def _counted_after(sentence: str, start: int, end: int) -> int:
    """Where the noun the figure counts ends, when it follows the figure ("25 senior
    trophies"); `end` itself otherwise (spaCy's parse: the figure's `nummod` head)."""
    from assistant.answering.kinds import parse  # spaCy, loaded on the first figure read

    for token in parse([sentence])[0]:
        inside = start <= token.idx < end
        if inside and token.dep_ in ("nummod", "quantmod") and token.head.idx >= end:
            head = token.head
            if head.idx - end <= 40:  # a few words at most
                return head.idx + len(head.text)
    return end


def values_in(text: str) -> set[str]:
    """The values of the figures a text gives (a claim: "The estimate was $660 million.")."""
    return {value_of(m.group()) for m in FIGURE.finditer(text)}
