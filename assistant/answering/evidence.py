"""Evidence: the retrieved chunks cut into numbered sentences the model chooses from.

Attribute first, then generate: instead of handing the LLM whole chunks and
hoping its [n] markers mean something, the answer step shows it a short list
of sentences, each sliced from its article file by offsets, and asks which
ones answer the question. A chosen sentence *is* the citation, so every quote
is verbatim by construction. A sentence that opens with a pronoun ("He also
called for ...") is shown with the sentence before it, so the model and the
reader can tell who "he" is. A sentence that speaks to the assistant rather than
reporting news (`guard.py`) is never shown.

The model reads each sentence with its relative dates resolved in brackets
("on Thursday [Thursday, May 18, 2023]", from the notes ingest stored with the
chunk) and the article's own date marked as such, once per article; the
quote stays the file's exact text.

The list is ranked in code by meaning (MiniLM cosine) plus shared words, and
cut to `evidence_sentences` items: short prompts, and the answer sentence is
almost always inside.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence

from assistant.answering.guard import instruction
from assistant.answering.question import Question
from assistant.dates import inserted, iso_formats
from assistant.ingest.chunking import split_sentences
from assistant.ingest.corpus import ReadText
from assistant.lexicon import STOP_WORDS
from assistant.schema import Evidence, RetrievedChunk

log = logging.getLogger(__name__)

EmbedBatch = Callable[[list[str]], list[list[float]]]

_OPENS_WITH_PRONOUN = re.compile(
    r"^[\"“‘']?(?:he|she|they|it|this|these|that|those|his|her|their|its|the two|both)\b", re.I
)
_WORD = re.compile(r"[a-z0-9]+")
MAX_SENTENCE_CHARS = 600


def content_words(text: str) -> set[str]:
    """Lowercased words of a text minus stop words, cut to 6 letters (a crude stem)."""
    return {w[:6] for w in _WORD.findall(text.lower()) if w not in STOP_WORDS}


def word_overlap(question: str, sentence: str) -> float:
    """Share of the question's content words found in the sentence."""
    wanted = content_words(question)
    return len(wanted & content_words(sentence)) / len(wanted) if wanted else 0.0


class EvidenceGatherer:
    """The evidence stage: the retrieved chunks' sentences closest to the question (and
    to each of its parts), best first, at most `limit` of them."""

    def __init__(self, read_text: ReadText, embed: EmbedBatch, limit: int) -> None:
        self.read_text = read_text
        self.embed = embed
        self.limit = limit

    def gather(self, question: Question, chunks: Sequence[RetrievedChunk]) -> list[Evidence]:
        sentences = sentences_of(chunks, self.read_text)
        return rank_sentences(question.text, sentences, self.embed, self.limit, question.parts)


def sentences_of(chunks: Sequence[RetrievedChunk], read_text: ReadText) -> list[Evidence]:
    """Every sentence of the chunks, once, verified against its file, in retrieval order."""
    texts: dict[str, str | None] = {}
    spans_taken: dict[str, list[tuple[int, int]]] = {}
    found: list[Evidence] = []
    for rank, chunk in enumerate(chunks, start=1):
        if chunk.source not in texts:
            texts[chunk.source] = read_text(chunk.source)
        text = texts[chunk.source]
        if text is None:
            continue
        start, end = chunk.start, chunk.end
        if text[start:end] != chunk.text:  # the file changed since ingest: find the chunk again
            start = text.find(chunk.text)
            if start < 0:
                continue
            end = start + len(chunk.text)
        shift = start - chunk.start
        notes = [
            n.model_copy(update={"start": n.start + shift, "end": n.end + shift})
            for n in chunk.dates
        ]
        for s, e in _units(text, start, end, chunk.source):
            taken = spans_taken.setdefault(chunk.source, [])
            if e - s > MAX_SENTENCE_CHARS or any(s < b and a < e for a, b in taken):
                continue  # too long to show, or already shown (chunks overlap)
            taken.append((s, e))
            found.append(
                Evidence(
                    source=chunk.source,
                    start=s,
                    end=e,
                    text=text[s:e],
                    title=chunk.title,
                    date=chunk.date,
                    date_basis=chunk.date_basis,
                    dates=[n for n in notes if s <= n.start and n.end <= e],
                    chunk_rank=rank,
                )
            )
    return found


def _units(text: str, start: int, end: int, source: str) -> list[list[int]]:
    """The sentences of text[start:end] that may be shown, as [start, end]: one that opens
    with a pronoun joins the one before it; one that instructs (`guard.py`) is left out,
    and the sentence after it starts afresh (it never joins across it)."""
    units: list[list[int]] = []
    joinable = False
    for s, e in split_sentences(text, start, end):
        reason = instruction(text[s:e])
        if reason:
            log.warning("Not shown as evidence (%s): %s chars %d-%d", reason, source, s, e)
            joinable = False
        elif joinable and _OPENS_WITH_PRONOUN.match(text[s:e]):
            units[-1][1] = e
        else:
            units.append([s, e])
            joinable = True
    return units


def rank_sentences(
    question: str,
    sentences: list[Evidence],
    embed: EmbedBatch,
    limit: int,
    parts: Sequence[str] = (),
) -> list[Evidence]:
    """The `limit` sentences closest to the question, best first, with their relevance.

    With `parts` (a multi-part question's sub-questions, `parts.py`) the list is
    the whole question's closest, less one place per part, and each part then
    adds its closest sentence not already in it. (Taking the lists in turn
    instead pushed out sentences the whole question ranked well, and with them
    the answer to one part.)"""
    if not sentences:
        return []
    questions = [question, *parts]
    vectors = embed([*questions, *(" ".join(s.text.split()) for s in sentences)])
    lists = [
        _ranked(asked, vectors[i], sentences, vectors[len(questions) :])
        for i, asked in enumerate(questions)
    ]
    whole, *each_part = lists
    kept = {s.key: s for s in whole[: max(limit - len(each_part), 1)]}
    for ranked in each_part:
        best = next((s for s in ranked if s.key not in kept), None)
        if best is not None:
            kept[best.key] = best
    for sentence in whole:  # a part found nothing new: its place goes back to the whole
        if len(kept) >= limit:
            break
        kept.setdefault(sentence.key, sentence)
    return list(kept.values())[:limit]


def _ranked(
    question: str, query: list[float], sentences: list[Evidence], vectors: list[list[float]]
) -> list[Evidence]:
    ranked = []
    for sentence, vector in zip(sentences, vectors, strict=True):
        cosine = sum(a * b for a, b in zip(query, vector, strict=True))
        overlap = word_overlap(question, sentence.text)
        prior = 0.02 * (4 - min(sentence.chunk_rank, 4))  # a nudge for the better chunks
        relevance = cosine + 0.5 * overlap + prior
        ranked.append(sentence.model_copy(update={"relevance": round(relevance, 4)}))
    ranked.sort(key=lambda s: (-s.relevance, s.source, s.start))
    return ranked


def with_dates(evidence: Evidence) -> str:
    """The sentence with each relative date followed by the date it means:
    "... on Thursday [May 18, 2023] agreed ..." (the quote itself stays verbatim)."""
    return inserted(
        evidence.text, [(n.end - evidence.start, f" [{n.reading}]") for n in evidence.dates]
    )


def numbered(sentences: Sequence[Evidence]) -> str:
    """The list the model reads: `1. (article of May 19, 2023) At their talks in ...`.
    The article's date is marked as such, so that it is not taken for the event's,
    and given once, at the article's first sentence in the list (short prompts)."""
    lines, dated = [], set()
    for i, s in enumerate(sentences, start=1):
        first = s.date and s.source not in dated
        dated.add(s.source)
        lines.append(
            f"{i}. {f'(article of {published(s.date)}) ' if first and s.date else ''}"
            f"{' '.join(with_dates(s).split())}"
        )
    return "\n".join(lines)


def published(iso: str) -> str:
    """ "2023-05-19" -> "May 19, 2023" (as it was given, if it is not an ISO date)."""
    return (iso_formats(iso) or [iso])[0]
