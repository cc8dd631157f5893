"""Turn the LLM's [n] markers into citations that are checked against the files.

The model only has to say which excerpt supports a sentence. The quote is then
chosen in code: the sentence of that excerpt closest to the claim, sliced out
of the article file by offsets, so it is verbatim by construction. Before an
answer leaves, every marker must resolve to a retrieved excerpt and every quote
must equal the file's text at its offsets; otherwise it is repaired or dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.answer import ABSTAIN_TEXT, Citation, RetrievedChunk
from assistant.chunking import split_sentences

# Scores each candidate sentence for how well it supports the claim (higher = better).
Scorer = Callable[[str, list[str]], list[float]]
ReadText = Callable[[str], str | None]

MARKER = re.compile(r"\s*\[(?:excerpts?\s*)?(\d+(?:\s*(?:,|and|-)\s*\d+)*)\]", re.I)
_ABSTAIN = re.compile(
    r"\b(articles?|excerpts?|sources?|context|text)\s+(do(es)?\s*n[o']t|do(es)?\s+not)\s+"
    r"(say|mention|contain|provide|state|specify|include|answer|give)|"
    r"\bno (information|mention)\b|\bnot (mentioned|stated|specified)\b",
    re.I,
)
_CLOSING = re.compile(r"[.!?]+[\"'”’)]*$")
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset({
    "a", "an", "the", "of", "to", "in", "on", "at", "for", "and", "or", "but", "is", "are",
    "was", "were", "be", "been", "by", "with", "as", "that", "this", "it", "its", "from",
    "what", "when", "where", "who", "which", "how", "why", "did", "do", "does", "their",
    "they", "he", "she", "his", "her",
})  # fmt: skip


@dataclass
class CheckedAnswer:
    text: str
    citations: list[Citation]
    abstained: bool


def lexical_scorer(claim: str, candidates: list[str]) -> list[float]:
    """Share of the claim's content words found in each candidate."""
    words = {w for w in _WORD.findall(claim.lower()) if w not in _STOP}
    if not words:
        return [0.0] * len(candidates)
    return [len(words & set(_WORD.findall(c.lower()))) / len(words) for c in candidates]


def is_abstention(text: str) -> bool:
    """The model said the excerpts don't hold the answer (in whatever words)."""
    stripped = MARKER.sub("", text).strip()
    return not stripped or bool(_ABSTAIN.search(stripped))


def _marker_numbers(group: str) -> list[int]:
    numbers = [int(n) for n in re.findall(r"\d+", group)]
    if "-" in group and len(numbers) == 2 and 0 < numbers[1] - numbers[0] < 10:
        return list(range(numbers[0], numbers[1] + 1))
    return numbers


def check(
    raw: str,
    chunks: list[RetrievedChunk],
    read_text: ReadText,
    scorer: Scorer = lexical_scorer,
    min_support: float = 0.3,
) -> CheckedAnswer:
    """Validate markers, pick and verify quotes, renumber; abstain if nothing holds."""
    raw = raw.strip()
    claims = _claims(raw, len(chunks))
    if not any(numbers for _, numbers in claims):
        if is_abstention(raw):
            return CheckedAnswer(ABSTAIN_TEXT, [], True)
        claims = _attach_markers(claims, chunks, scorer, min_support)
        if not any(numbers for _, numbers in claims):
            return CheckedAnswer(ABSTAIN_TEXT, [], True)

    texts: dict[str, str | None] = {}
    citations: dict[int, Citation] = {}  # excerpt number -> citation
    for claim, numbers in claims:
        for number in numbers:
            if number in citations:
                continue
            chunk = chunks[number - 1]
            if chunk.source not in texts:
                texts[chunk.source] = read_text(chunk.source)
            citation = _quote(claim, chunk, texts[chunk.source], scorer)
            if citation is not None:
                citations[number] = citation

    renumber: dict[int, int] = {}
    parts = []
    for claim, numbers in claims:
        kept = []
        for number in numbers:
            if number in citations and number not in kept:
                kept.append(number)
                renumber.setdefault(number, len(renumber) + 1)
        parts.append(_with_markers(claim, [renumber[n] for n in kept]))
    if not renumber:
        return CheckedAnswer(ABSTAIN_TEXT, [], True)
    ordered = sorted(renumber, key=renumber.get)  # type: ignore[arg-type]
    final = [citations[n].model_copy(update={"number": renumber[n]}) for n in ordered]
    return CheckedAnswer(" ".join(p for p in parts if p), final, False)


def _with_markers(claim: str, numbers: list[int]) -> str:
    """Put markers before the sentence's closing punctuation: "... Tokyo [1]." """
    marks = "".join(f"[{n}]" for n in numbers)
    if not marks:
        return claim
    end = _CLOSING.search(claim)
    at = end.start() if end else len(claim)
    return f"{claim[:at]} {marks}{claim[at:]}"


def _claims(raw: str, n_chunks: int) -> list[tuple[str, list[int]]]:
    """Split the answer into sentences, each with the valid excerpt numbers it cites."""
    claims: list[tuple[str, list[int]]] = []
    for start, end in split_sentences(raw):
        sentence = raw[start:end]
        numbers = [
            n
            for m in MARKER.finditer(sentence)
            for n in _marker_numbers(m.group(1))
            if 1 <= n <= n_chunks
        ]
        text = MARKER.sub("", sentence).strip()
        if text:
            claims.append((text, list(dict.fromkeys(numbers))))
        elif claims and numbers:  # a marker standing alone after its sentence
            claims[-1][1].extend(n for n in numbers if n not in claims[-1][1])
    return claims


def _attach_markers(
    claims: list[tuple[str, list[int]]],
    chunks: list[RetrievedChunk],
    scorer: Scorer,
    min_support: float,
) -> list[tuple[str, list[int]]]:
    """For an answer the model left uncited: cite the excerpt that best supports each claim."""
    attached = []
    for claim, _ in claims:
        scores = scorer(claim, [c.text for c in chunks]) if chunks else []
        best = max(range(len(scores)), key=scores.__getitem__, default=None)
        keep = best is not None and scores[best] >= min_support
        attached.append((claim, [best + 1] if keep else []))  # type: ignore[operator]
    return attached


def _quote(claim: str, chunk: RetrievedChunk, text: str | None, scorer: Scorer) -> Citation | None:
    """The chunk's sentence that best supports the claim, verified against the file."""
    if text is None:
        return None
    if text[chunk.start : chunk.end] != chunk.text:
        # the file changed since ingest: find the chunk again, or give up on it
        found = text.find(chunk.text)
        if found < 0:
            return None
        chunk = chunk.model_copy(update={"start": found, "end": found + len(chunk.text)})
    spans = split_sentences(text, chunk.start, chunk.end)
    if not spans:
        return None
    sentences = [text[s:e] for s, e in spans]
    scores = scorer(claim, sentences)
    best = max(range(len(spans)), key=scores.__getitem__)
    start, end = spans[best]
    return Citation(
        number=0,
        source=chunk.source,
        quote=text[start:end],
        start=start,
        end=end,
        title=chunk.title,
        date=chunk.date,
    )


def invalid_quotes(citations: list[Citation], read_text: ReadText) -> list[Citation]:
    """Citations whose quote is not the file's text at their offsets (should be none)."""
    bad = []
    for citation in citations:
        text = read_text(citation.source)
        if text is None or text[citation.start : citation.end] != citation.quote:
            bad.append(citation)
    return bad
