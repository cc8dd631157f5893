"""Split articles into sentences and sentence-aligned chunks, keeping offsets.

Every span here is a pair of character offsets into the article text, so a
chunk or a quoted sentence can always be sliced back out of the file. Chunks
are whole sentences packed up to a token budget (the embedding model's window);
a sentence longer than the budget is cut at word boundaries.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

Span = tuple[int, int]
TokenCounter = Callable[[str], int]

# A sentence ends at . ! ? (plus closing quotes/brackets) before whitespace and
# a character that can start a sentence, or at a blank line.
_END = re.compile(r"[.!?…]+[\"'”’)\]>]*(?=\s+[^\sa-z0-9,;:])|\n[ \t]*\n")
_ABBREVIATION = re.compile(
    r"(?:\b(?:[A-Za-z]\.){2,}|\b(?:Mr|Mrs|Ms|Dr|Prof|Sr|Jr|St|Gen|Gov|Sen|Rep|Lt|Col|"
    r"No|vs|etc|Inc|Co|Corp|Ltd|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.|"
    r"\b[A-Z]\.)$"
)


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentence spans of text[start:end], trimmed of surrounding whitespace."""
    end = len(text) if end is None else end
    spans: list[Span] = []
    cursor = start
    for match in _END.finditer(text, start, end):
        if match.group().startswith("\n"):
            stop = match.start()
        else:
            stop = match.end()
            if _ABBREVIATION.search(text, max(cursor, stop - 12), stop):
                continue
        _add_trimmed(text, cursor, stop, spans)
        cursor = match.end()
    _add_trimmed(text, cursor, end, spans)
    return spans


def _add_trimmed(text: str, start: int, end: int, spans: list[Span]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


def _cut_long(text: str, span: Span, budget: int, count: TokenCounter) -> list[Span]:
    """Cut one over-long sentence into word-aligned pieces that fit the budget."""
    pieces: list[Span] = []
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text[span[0] : span[1]])]
    first = 0
    while first < len(words):
        last = first
        while last + 1 < len(words):
            s, e = span[0] + words[first][0], span[0] + words[last + 1][1]
            if count(text[s:e]) > budget:
                break
            last += 1
        pieces.append((span[0] + words[first][0], span[0] + words[last][1]))
        first = last + 1
    return pieces


@dataclass(frozen=True)
class ChunkSpan:
    start: int
    end: int


def chunk_spans(text: str, budget: int, count: TokenCounter, overlap: int = 1) -> list[ChunkSpan]:
    """Pack whole sentences into chunks of at most `budget` tokens.

    Neighbouring chunks share `overlap` sentences so a fact that straddles a
    boundary is still found whole in one chunk.
    """
    sentences: list[Span] = []
    sizes: list[int] = []
    for span in split_sentences(text):
        size = count(text[span[0] : span[1]])
        if size > budget:
            pieces = _cut_long(text, span, budget, count)
            sentences.extend(pieces)
            sizes.extend(count(text[s:e]) for s, e in pieces)
        else:
            sentences.append(span)
            sizes.append(size)
    # Token counts add up across sentences (less the [CLS]/[SEP] each count
    # includes), so packing needs one count per sentence, plus one exact count
    # per chunk to confirm the estimate.
    extra = count("")
    chunks: list[ChunkSpan] = []
    first = 0
    while first < len(sentences):
        last, total = first, sizes[first]
        while last + 1 < len(sentences) and total + sizes[last + 1] - extra <= budget:
            last += 1
            total += sizes[last] - extra
        while last > first and count(text[sentences[first][0] : sentences[last][1]]) > budget:
            last -= 1
        chunks.append(ChunkSpan(sentences[first][0], sentences[last][1]))
        if last + 1 >= len(sentences):
            break
        first = max(last + 1 - overlap, first + 1)
    return chunks
