"""Multi-part questions: "Where was X held, and where did the two meet again?"

A question that asks two things is retrieved and ranked as one blend of both,
and the part the top chunks favour crowds out the other: for "Where was the
first Biden-Kishida summit held, and where did the two meet again on the eve
of a G7 summit?" the Hiroshima talks never reached the sentence list, and the
model, asked for one sentence, picked the Tokyo one. So each part is also
retrieved, its best sentences join the list, and the model picks a sentence
for each part (`selection.py`). The split is a plain rule, and a conservative
one: a comma or semicolon, then "and" and a question word. A part too short
to stand alone ("..., and when?") leaves the question whole.
"""

from __future__ import annotations

import re

_SPLIT = re.compile(
    r"\s*(?:,\s*and|;\s*(?:and)?)\s+"
    r"(?=(?:(?:in|on|at|for|from|by|to|with)\s+)?"
    r"(?:what|where|when|who|whom|whose|which|why|how)\b)",
    re.I,
)
MIN_WORDS = 4  # a part shorter than this needs the rest of the question to mean anything
MAX_PARTS = 3


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
