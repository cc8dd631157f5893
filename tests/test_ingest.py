"""Ingest into a real on-disk Chroma store with the real MiniLM model."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from assistant.ingest.embeddings import build_embedder, fingerprint, token_counter
from assistant.ingest.store import ArticleStore
from assistant.ingest.sync import ingest
from assistant.settings import Settings
from tests.conftest import settings_for


@pytest.fixture(scope="module")
def embedder(model_cache: Path):  # one model load for the module
    return build_embedder(settings_for(model_cache_dir=model_cache))


def run(settings: Settings, embedder):
    store = ArticleStore(settings, fingerprint(settings))
    return store, ingest(settings, store, embedder, token_counter(settings), progress=False)


def test_every_stored_chunk_slices_back_out_of_its_file(make_settings, embedder) -> None:
    settings = make_settings()
    store, report = run(settings, embedder)
    assert sorted(report.added) == sorted(p.name for p in settings.source_dir.glob("*.txt"))
    got = store.collection.get(include=["documents", "metadatas"])
    assert len(got["ids"]) == report.chunks_embedded > 5
    for doc, meta in zip(got["documents"], got["metadatas"], strict=True):
        text = open(settings.source_dir / meta["source"], encoding="utf-8").read()
        assert text[meta["start"] : meta["end"]] == doc
        assert "000_" not in doc or "000_" in text  # no file path leaked into the text
    titles = {m["source"]: m["title"] for m in got["metadatas"]}
    assert titles["002_eb2b49479483de60.txt"].startswith("Kishida, Biden agree")


def test_second_run_embeds_nothing(make_settings, embedder) -> None:
    settings = make_settings()
    store, _ = run(settings, embedder)
    before = store.count()
    _, report = run(settings, embedder)
    assert report.chunks_embedded == 0 and not report.changed and not report.rebuilt
    assert len(report.unchanged) == 5
    assert "Nothing changed" in report.summary()
    assert store.count() == before


def test_changed_file_is_replaced_and_deleted_file_removed(make_settings, embedder) -> None:
    settings = make_settings()
    store, _ = run(settings, embedder)
    changed = settings.source_dir / "001_b74b093e62153c20.txt"
    changed.write_text("6 Jan, 2023\nA short replacement article about chip export controls.\n")
    (settings.source_dir / "004_ff1a511bfc4cd547.txt").unlink()
    _, report = run(settings, embedder)
    assert report.updated == ["001_b74b093e62153c20.txt"]
    assert report.removed == ["004_ff1a511bfc4cd547.txt"]
    assert report.chunks_embedded == 1
    sources = [m["source"] for m in store.collection.get(include=["metadatas"])["metadatas"]]
    assert "004_ff1a511bfc4cd547.txt" not in sources
    assert sources.count("001_b74b093e62153c20.txt") == 1
    [doc] = store.collection.get(where={"source": "001_b74b093e62153c20.txt"})["documents"]
    assert "short replacement" in doc


def test_new_chunking_settings_rebuild_the_store(make_settings, embedder) -> None:
    store, first = run(make_settings(), embedder)
    store, report = run(make_settings(chunk_tokens=96), embedder)
    assert report.rebuilt and len(report.added) == 5
    assert store.count() == report.chunks_embedded > first.chunks_embedded


def test_bad_files_are_skipped_with_a_warning_and_nothing_else_lost(
    make_settings, embedder, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings()
    store, first = run(settings, embedder)
    (settings.source_dir / "broken.txt").write_bytes(b"\xff\xfe\x00binary")
    (settings.source_dir / "empty.txt").write_text("")
    # an article that turns unreadable keeps its old chunks
    (settings.source_dir / "003_cfbc3517925c6292.txt").write_bytes(b"\xff\xfebad")
    with caplog.at_level(logging.WARNING):
        _, report = run(settings, embedder)
    assert {s.source for s in report.skipped} == {
        "broken.txt",
        "empty.txt",
        "003_cfbc3517925c6292.txt",
    }
    assert "broken.txt" in caplog.text and "empty.txt" in caplog.text
    assert report.chunks_embedded == 0 and report.removed == []
    assert store.count() == first.chunks_embedded


def test_missing_folder_is_a_clear_error(make_settings, embedder, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        run(make_settings(source_dir=tmp_path / "nowhere"), embedder)


def test_another_folder_gets_its_own_store_and_neither_is_rebuilt(
    make_settings, embedder, tmp_path
) -> None:
    demo, _ = run(make_settings(), embedder)
    chunks = demo.count()
    other = tmp_path / "mine"
    other.mkdir()
    (other / "note.md").write_text("# Chips\n\nThe Netherlands joined the export controls.\n")
    store, report = run(make_settings(source_dir=other), embedder)
    assert not report.rebuilt and report.added == ["note.md"] and store.name != demo.name
    assert {m["source"] for m in store.collection.get()["metadatas"]} == {"note.md"}
    again, report = run(make_settings(), embedder)  # back to the first: nothing embedded
    assert again.count() == chunks and report.chunks_embedded == 0 and not report.rebuilt


def test_a_rebuild_says_what_changed(make_settings, embedder) -> None:
    run(make_settings(), embedder)
    _, report = run(make_settings(chunk_tokens=120), embedder)
    assert report.rebuilt_because == [
        "the chunking changed (200 tokens, 1 sentence overlap (chunker 1) -> "
        "120 tokens, 1 sentence overlap (chunker 1))"
    ]
    assert report.summary().startswith("Rebuilt the store: the chunking changed")


class FailsAfter:
    """The real embedder, failing after `calls` batches: an interrupted ingest."""

    def __init__(self, embedder, calls: int) -> None:
        self.embedder, self.calls = embedder, calls

    def get_text_embedding_batch(self, texts: list[str]) -> list[list[float]]:
        if self.calls == 0:
            raise KeyboardInterrupt
        self.calls -= 1
        return self.embedder.get_text_embedding_batch(texts)


def test_interrupted_update_loses_nothing_and_is_redone(
    make_settings, embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("assistant.ingest.sync.EMBED_BATCH", 8)  # several batches per file
    settings = make_settings()
    store, _ = run(settings, embedder)
    source = "002_eb2b49479483de60.txt"
    old_count = len(store.collection.get(where={"source": source})["ids"])
    path = settings.source_dir / source
    path.write_text(path.read_text() + "\nA late paragraph about semiconductors.\n" * 300)

    with pytest.raises(KeyboardInterrupt):
        ingest(settings, store, FailsAfter(embedder, 1), token_counter(settings), False)
    shas = {m["file_sha256"] for m in store.collection.get(where={"source": source})["metadatas"]}
    assert len(shas) == 2  # old chunks kept beside the new ones written so far
    assert store.file_hashes()[source] == ""  # ... so the next run redoes the file

    _, report = run(settings, embedder)
    assert report.updated == [source]
    got = store.collection.get(where={"source": source}, include=["metadatas"])
    assert {m["file_sha256"] for m in got["metadatas"]} == {report_sha(path)}
    assert len(got["ids"]) > old_count


def report_sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_whole_collection_is_read_a_page_at_a_time(
    make_settings, embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings()
    store, report = run(settings, embedder)
    monkeypatch.setattr("assistant.ingest.store.PAGE", 7)  # Chroma refuses one huge get()
    nodes = store.all_nodes()
    assert len(nodes) == report.chunks_embedded == len({n.node_id for n in nodes})
    assert sorted(store.file_hashes()) == sorted(report.added)
    got = store.get_all(["embeddings"])
    assert len(got["embeddings"]) == len(nodes) and len(got["embeddings"][0]) == 384
