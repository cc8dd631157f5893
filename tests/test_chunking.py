"""Sentence splitting and chunk packing keep exact offsets and respect the budget."""

from __future__ import annotations

import pytest

from assistant.ingest.chunking import chunk_spans, split_sentences
from assistant.ingest.corpus import load_corpus
from assistant.ingest.embeddings import token_counter
from assistant.settings import Settings
from tests.conftest import SEEDS


def test_sentences_keep_abbreviations_together() -> None:
    text = "U.S. President Joe Biden met Kishida. They talked. Then Mr. Smith left!  Done"
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == [
        "U.S. President Joe Biden met Kishida.",
        "They talked.",
        "Then Mr. Smith left!",
        "Done",
    ]


def test_sentences_cross_hard_wrapped_lines_but_split_paragraphs() -> None:
    text = "Japan will reinforce its\ncoordination with the US.\n\nHeadline without stop\n\nNext."
    sentences = [text[s:e] for s, e in split_sentences(text)]
    assert sentences == [
        "Japan will reinforce its\ncoordination with the US.",
        "Headline without stop",
        "Next.",
    ]


@pytest.mark.parametrize("budget", [48, 128, 200, 256])
def test_seed_chunks_slice_back_and_fit_the_window(budget: int) -> None:
    count = token_counter(Settings(chunk_tokens=budget))
    for article in load_corpus(SEEDS)[0]:
        spans = chunk_spans(article.text, budget, count, overlap=1)
        assert spans, article.source
        for span in spans:
            piece = article.text[span.start : span.end]
            assert piece == piece.strip() and piece
            assert count(piece) <= budget
        # every sentence of the article is inside some chunk
        covered = [(s.start, s.end) for s in spans]
        for start, end in split_sentences(article.text):
            assert (
                any(s <= start and end <= e for s, e in covered)
                or count(article.text[start:end]) > budget
            )


def test_overlong_sentence_is_cut_at_words() -> None:
    text = "word " * 400 + "end."
    spans = chunk_spans(text, 64, lambda t: len(t.split()) + 2, overlap=0)
    assert len(spans) > 5
    for span in spans:
        assert len(text[span.start : span.end].split()) + 2 <= 64
    assert text[spans[-1].start : spans[-1].end].endswith("end.")
