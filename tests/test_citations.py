"""Citation checking: markers resolve, quotes are verbatim, nothing invalid survives.

These are unit tests of parsing and formatting, so they use a plain lexical
scorer and chunks cut from the real seed files, not a model.
"""

from __future__ import annotations

from pathlib import Path

from assistant.answer import ABSTAIN_TEXT, RetrievedChunk
from assistant.citations import check, invalid_quotes, is_abstention
from assistant.corpus import load_corpus

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
TEXTS = {a.source: a.text for a in load_corpus(SEEDS)[0]}
HIROSHIMA = "002_eb2b49479483de60.txt"
TOKYO = "003_cfbc3517925c6292.txt"


def chunk_around(source: str, phrase: str, width: int = 300) -> RetrievedChunk:
    text = TEXTS[source]
    at = text.index(phrase)
    start = max(text.rfind("\n", 0, at) + 1, 0)
    end = min(len(text), at + width)
    end = text.rfind(".", start, end) + 1 or end
    return RetrievedChunk(
        id=f"{source}:{start}", source=source, start=start, end=end, text=text[start:end], score=1.0
    )


CHUNKS = [
    chunk_around(HIROSHIMA, "At their talks in Hiroshima"),
    chunk_around(TOKYO, "will hold their first face-to-face summit"),
]


def read(source: str) -> str | None:
    return TEXTS.get(source)


def test_valid_markers_become_verbatim_citations() -> None:
    raw = (
        "They met in Hiroshima a day before the G7 summit [1]. Their first summit was in Tokyo [2]."
    )
    checked = check(raw, CHUNKS, read)
    assert not checked.abstained
    assert [c.source for c in checked.citations] == [HIROSHIMA, TOKYO]
    assert [c.number for c in checked.citations] == [1, 2]
    for c in checked.citations:
        assert TEXTS[c.source][c.start : c.end] == c.quote
    assert "Hiroshima" in checked.citations[0].quote
    assert invalid_quotes(checked.citations, read) == []


def test_out_of_range_marker_is_removed_and_numbers_are_compacted() -> None:
    raw = "They met in Tokyo for the first time [7][2]."
    checked = check(raw, CHUNKS, read)
    assert checked.text == "They met in Tokyo for the first time [1]."
    assert [c.source for c in checked.citations] == [TOKYO]


def test_only_cited_sources_are_listed() -> None:
    checked = check("Hiroshima hosted the talks [1].", CHUNKS, read)
    assert [c.source for c in checked.citations] == [HIROSHIMA]


def test_quote_that_is_no_longer_in_the_file_is_dropped() -> None:
    changed = dict(TEXTS)
    changed[HIROSHIMA] = "This file was rewritten since it was ingested."
    checked = check("They met in Hiroshima [1]. First in Tokyo [2].", CHUNKS, changed.get)
    assert [c.source for c in checked.citations] == [TOKYO]
    assert "[2]" not in checked.text


def test_moved_text_is_repaired_to_new_offsets() -> None:
    moved = dict(TEXTS)
    moved[HIROSHIMA] = "A new first line.\n" + TEXTS[HIROSHIMA]
    checked = check("They met in Hiroshima [1].", CHUNKS, moved.get)
    [citation] = checked.citations
    assert moved[HIROSHIMA][citation.start : citation.end] == citation.quote
    assert citation.start == TEXTS[HIROSHIMA].index(citation.quote) + len("A new first line.\n")


def test_unreadable_file_drops_its_citations_and_abstains_if_nothing_is_left() -> None:
    checked = check("They met in Hiroshima [1].", CHUNKS, lambda source: None)
    assert checked.abstained and checked.citations == [] and checked.text == ABSTAIN_TEXT


def test_uncited_answer_gets_a_supported_citation_or_abstains() -> None:
    supported = check("The talks were held in Hiroshima a day before the G7 summit.", CHUNKS, read)
    assert [c.source for c in supported.citations] == [HIROSHIMA]
    assert supported.text.endswith("[1].")
    unsupported = check("Bananas are yellow and grow in bunches.", CHUNKS, read)
    assert unsupported.abstained and unsupported.citations == []


def test_abstention_phrasings() -> None:
    for text in (ABSTAIN_TEXT, "The articles do not say.", "The excerpts don't mention it.", ""):
        assert is_abstention(text)
        assert check(text, CHUNKS, read).abstained
    assert not is_abstention("They met in Hiroshima.")
    # a cited correction of a false premise is an answer, not an abstention
    corrected = check("The summit was not cancelled; they met in Hiroshima [1].", CHUNKS, read)
    assert not corrected.abstained and corrected.citations


def test_marker_variants() -> None:
    checked = check("Hiroshima and Tokyo [1, 2].", CHUNKS, read)
    assert len(checked.citations) == 2
    checked = check("Hiroshima and Tokyo [Excerpt 2].", CHUNKS, read)
    assert [c.source for c in checked.citations] == [TOKYO]
