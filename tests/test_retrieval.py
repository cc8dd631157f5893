"""Hybrid retrieval over the real store: BM25 rescues what dense search misses."""

from __future__ import annotations

import pytest

from assistant.answering.retrieval import HybridRetriever
from assistant.ingest.embeddings import build_embedder, fingerprint, token_counter
from assistant.ingest.store import ArticleStore
from assistant.ingest.sync import ingest

FACE_TO_FACE = "When was the first Biden-Kishida face-to-face summit?"


@pytest.fixture
def retriever_for(make_settings):
    embedder = build_embedder(make_settings())

    def make(**overrides: object) -> HybridRetriever:
        settings = make_settings(**overrides)
        store = ArticleStore(settings, fingerprint(settings))
        ingest(settings, store, embedder, token_counter(settings), progress=False)
        return HybridRetriever(store, embedder, settings)

    return make


def test_hybrid_finds_the_tokyo_summit_article(retriever_for) -> None:
    chunks = retriever_for(retrieval="hybrid").retrieve(FACE_TO_FACE, top_k=3)
    assert "003_cfbc3517925c6292.txt" in [c.source for c in chunks]
    bm25 = retriever_for(retrieval="bm25").retrieve(FACE_TO_FACE, top_k=1)
    assert bm25[0].source == "003_cfbc3517925c6292.txt"


def test_scores_ranks_and_similarity(retriever_for) -> None:
    chunks = retriever_for().retrieve("Where did Biden and Kishida meet a day before the G7?", 4)
    assert chunks[0].source == "002_eb2b49479483de60.txt"
    assert [c.score for c in chunks] == sorted((c.score for c in chunks), reverse=True)
    dense = [c for c in chunks if c.vector_rank is not None]
    assert dense and all(-1.0 <= c.similarity <= 1.0 for c in dense)
    assert all(c.text for c in chunks)


def test_off_topic_question_has_low_similarity(retriever_for) -> None:
    chunks = retriever_for().retrieve("What is a good recipe for banana bread?", 4)
    best = max(c.similarity for c in chunks if c.similarity is not None)
    on_topic = retriever_for().retrieve("chip export controls to China", 4)
    assert best < max(c.similarity for c in on_topic if c.similarity is not None)


def test_bm25_index_is_cached_until_the_chunks_change(
    retriever_for, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = retriever_for(retrieval="bm25")
    store, settings = first.store, first.settings
    cache = store.cache_dir() / "bm25"
    assert (cache / "revision").read_text() == store.revision != ""
    expected = first.retrieve(FACE_TO_FACE, top_k=5)

    def no_rebuild() -> None:
        raise AssertionError("the BM25 index was rebuilt although nothing changed")

    with monkeypatch.context() as patch:
        patch.setattr(store, "all_nodes", no_rebuild)
        again = HybridRetriever(store, first.embedder, settings)
    assert [(c.id, c.score) for c in again.retrieve(FACE_TO_FACE, top_k=5)] == [
        (c.id, c.score) for c in expected
    ]

    before = store.revision
    (settings.source_dir / "005_new.txt").write_text("A new article about rare earth exports.\n")
    ingest(settings, store, first.embedder, token_counter(settings), progress=False)
    assert store.revision != before
    rebuilt = HybridRetriever(store, first.embedder, settings)
    assert (cache / "revision").read_text() == store.revision
    assert rebuilt.retrieve("rare earth exports", top_k=1)[0].source == "005_new.txt"


def test_damaged_bm25_cache_is_rebuilt(retriever_for) -> None:
    first = retriever_for(retrieval="bm25")
    cache = first.store.cache_dir() / "bm25"
    for path in cache.glob("*.json*"):
        path.write_text("{ not json")
    again = HybridRetriever(first.store, first.embedder, first.settings)
    assert again.retrieve(FACE_TO_FACE, top_k=1)[0].source == "003_cfbc3517925c6292.txt"


def test_a_store_rebuilt_by_another_process_is_a_clear_error(retriever_for, make_settings) -> None:
    from assistant.errors import StoreUnavailable

    retriever = retriever_for()
    other = ArticleStore(make_settings(), "another fingerprint")  # another process's settings
    other.reset()
    with pytest.raises(StoreUnavailable, match="deleted or rebuilt by another process"):
        retriever.retrieve(FACE_TO_FACE)
