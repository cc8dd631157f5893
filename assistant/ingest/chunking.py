"""Split articles into sentences and sentence-aligned chunks, keeping offsets.

Every span here is a pair of character offsets into the article text, so a
chunk or a quoted sentence can always be sliced back out of the file. Chunks
are whole sentences packed up to a token budget (the embedding model's window);
a sentence longer than the budget is cut at word boundaries.
Where a sentence ends is `lexicon.SENTENCE_END`, the pattern the date rules'
tense window uses too.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from assistant.lexicon import MONTH_NAMES, SENTENCE_END

# (start, end) character offsets into the article text; not `dates.Span`, which
# also carries the text
Offsets = tuple[int, int]
TokenCounter = Callable[[str], int]

# Months abbreviated ("Jan.", "Sept."); not May, whose full stop ends a sentence.
_MONTH_STOPS = "|".join([*(name[:3] for name in MONTH_NAMES if name != "May"), "Sept"])
# A stop that is not a sentence end: an abbreviation ("U.S.", "Mr.", "Jan.")
_ABBREVIATION = re.compile(
    r"(?:\b(?:[A-Za-z]\.){2,}|\b(?:Mr|Mrs|Ms|Dr|Prof|Sr|Jr|St|Gen|Gov|Sen|Rep|Lt|Col|"
    rf"No|vs|etc|Inc|Co|Corp|Ltd|{_MONTH_STOPS})\.|"
    r"\b[A-Z]\.)$"
)
_WORD = re.compile(r"\S+")


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Offsets]:
    """Sentence spans of text[start:end], trimmed of surrounding whitespace."""
    return list(iter_sentences(text, start, end))


def iter_sentences(text: str, start: int = 0, end: int | None = None) -> Iterator[Offsets]:
    """`split_sentences` one span at a time: a big file never holds them all."""
    end = len(text) if end is None else end
    cursor = start
    for match in SENTENCE_END.finditer(text, start, end):
        if match.group().startswith("\n"):
            stop = match.start()
        else:
            stop = match.end()
            if _ABBREVIATION.search(text, max(cursor, stop - 12), stop):
                continue
        yield from _trimmed(text, cursor, stop)
        cursor = match.end()
    yield from _trimmed(text, cursor, end)


def _trimmed(text: str, start: int, end: int) -> Iterator[Offsets]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        yield (start, end)


def _cut_long(text: str, span: Offsets, budget: int, count: TokenCounter) -> Iterator[Offsets]:
    """Cut one over-long sentence into word-aligned pieces that fit the budget.

    Words are read lazily: a file without a single sentence break is one
    "sentence", and a list of its words would be as large as the file.
    """
    words = (m.span() for m in _WORD.finditer(text, span[0], span[1]))
    piece = next(words, None)
    if piece is None:
        return
    for start, end in words:
        if count(text[piece[0] : end]) > budget:
            yield piece
            piece = (start, end)
        else:
            piece = (piece[0], end)
    yield piece


@dataclass(frozen=True)
class ChunkSpan:
    start: int
    end: int


def chunk_spans(text: str, budget: int, count: TokenCounter, overlap: int = 1) -> list[ChunkSpan]:
    """Pack whole sentences into chunks of at most `budget` tokens (see `iter_chunk_spans`)."""
    return list(iter_chunk_spans(text, budget, count, overlap))


def _sized(text: str, budget: int, count: TokenCounter) -> Iterator[tuple[Offsets, int]]:
    """Each sentence (over-long ones cut into pieces) with its token count."""
    for span in iter_sentences(text):
        size = count(text[span[0] : span[1]])
        if size > budget:
            for start, end in _cut_long(text, span, budget, count):
                yield (start, end), count(text[start:end])
        else:
            yield span, size


def iter_chunk_spans(
    text: str, budget: int, count: TokenCounter, overlap: int = 1
) -> Iterator[ChunkSpan]:
    """Pack whole sentences into chunks of at most `budget` tokens, one chunk at a time.

    Neighbouring chunks share `overlap` sentences so a fact that straddles a
    boundary is still found whole in one chunk. Only the sentences of the
    chunk being packed (and one ahead) are held, so memory does not grow with
    the file.
    """
    # Token counts add up across sentences (less the [CLS]/[SEP] each count
    # includes), so packing needs one count per sentence, plus one exact count
    # per chunk to confirm the estimate.
    extra = count("")
    ahead = _sized(text, budget, count)
    window: deque[tuple[Offsets, int]] = deque()  # window[0] is the chunk's first sentence

    def have(index: int) -> bool:
        """Read sentences until window[index] exists; False if the text ends first."""
        while len(window) <= index:
            item = next(ahead, None)
            if item is None:
                return False
            window.append(item)
        return True

    while have(0):
        last, total = 0, window[0][1]
        while have(last + 1) and total + window[last + 1][1] - extra <= budget:
            last += 1
            total += window[last][1] - extra
        while last > 0 and count(text[window[0][0][0] : window[last][0][1]]) > budget:
            last -= 1
        yield ChunkSpan(window[0][0][0], window[last][0][1])
        if not have(last + 1):
            return
        for _ in range(max(last + 1 - overlap, 1)):
            window.popleft()
