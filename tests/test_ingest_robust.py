"""Ingest survives being killed, and big files do not stay in memory.

The kill test runs the real `assistant ingest` command and kills it with
SIGKILL at points read from the Chroma store itself (its sqlite log sequence
number), so the points are the same on a fast or a slow machine: after the
first batch is written (a file cut off half-way), right after a repair run
deleted what was left of that file, and during an update.
"""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.ingest.chunking import iter_chunk_spans
from assistant.ingest.corpus import Article, iter_corpus
from assistant.ingest.embeddings import build_embedder, fingerprint, token_counter
from assistant.ingest.store import MANIFEST_KEYS, ArticleStore
from assistant.ingest.sync import EMBED_BATCH, article_nodes, ingest
from assistant.settings import Settings
from tests.conftest import settings_for

FILES = 43  # 301 chunks: the first batch of 256 ends inside file 036
CHUNKS_PER_FILE = 7
PLACES = ["Port Aldridge", "Kelso", "Marrow Bay", "Tindall", "Sark Ferry", "Oldham Cross"]


@pytest.fixture(scope="module")
def embedder(model_cache: Path):  # one model load for the module
    return build_embedder(settings_for(model_cache_dir=model_cache))


def write_articles(folder: Path, files: int, version: int = 0) -> None:
    """Articles of seven sentences, each its own chunk at 32 tokens without overlap."""
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(files):
        sentences = [
            f"Bulletin {number}.{line} from the {PLACES[(number + line) % len(PLACES)]} office: "
            f"crews repaired berth {(number * 7 + line + version) % 97} and reopened a quay."
            for line in range(CHUNKS_PER_FILE)
        ]
        (folder / f"{number:03d}.txt").write_text("\n\n".join(sentences) + "\n")


def many_settings(make_settings, folder: Path) -> Settings:
    return make_settings(source_dir=folder, chunk_tokens=32, chunk_overlap=0)


def clean_ids(settings: Settings) -> set[str]:
    """The ids a clean ingest of the folder writes (the chunker's, without embedding)."""
    count = token_counter(settings)
    return {
        node.node_id
        for article in articles(settings.source_dir)
        for node in article_nodes(article, settings, count)
    }


def articles(folder: Path) -> list[Article]:
    return [item for item in iter_corpus(folder) if isinstance(item, Article)]


# --- the store as another process sees it: Chroma's own sqlite file -----------


def query(db: Path, sql: str) -> list[tuple]:
    """Read the store while `assistant ingest` may be writing it (retried while locked)."""
    for _ in range(200):
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.2) as conn:
                return conn.execute(sql).fetchall()
        except sqlite3.OperationalError:  # not created yet, or locked by the writer
            time.sleep(0.01)
    raise AssertionError(f"cannot read {db}")


def sequence(db: Path) -> int:
    """Chroma's log sequence number: one more for every record written or deleted."""
    if not db.is_file():
        return 0
    rows = query(db, "SELECT max(seq_id) FROM max_seq_id")
    return int(rows[0][0] or 0) if rows else 0


def stored_versions(db: Path) -> dict[str, dict[str, int]]:
    """source -> {sha256: chunks stored}."""
    rows = query(
        db,
        "SELECT s.string_value, h.string_value, count(*) FROM embeddings e "
        "JOIN embedding_metadata s ON s.id = e.id AND s.key = 'source' "
        "JOIN embedding_metadata h ON h.id = e.id AND h.key = 'file_sha256' GROUP BY 1, 2",
    )
    versions: dict[str, dict[str, int]] = {}
    for source, sha, chunks in rows:
        versions.setdefault(source, {})[sha] = chunks
    return versions


def incomplete(versions: dict[str, dict[str, int]]) -> set[str]:
    return {
        source
        for source, shas in versions.items()
        if len(shas) > 1 or any(n != CHUNKS_PER_FILE for n in shas.values())
    }


# --- the real command -------------------------------------------------------------


def start(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "ASSISTANT_PERSIST_DIR": str(settings.persist_dir),
        "ASSISTANT_MODEL_CACHE_DIR": str(settings.model_cache_dir),
        "ASSISTANT_CHUNK_TOKENS": str(settings.chunk_tokens),
        "ASSISTANT_CHUNK_OVERLAP": str(settings.chunk_overlap),
    }
    command = [str(Path(sys.executable).with_name("assistant")), "ingest"]
    with log.open("wb") as out:
        return subprocess.Popen(
            [*command, "--source", str(settings.source_dir)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )


def kill_at(proc: subprocess.Popen[bytes], db: Path, target: int, log: Path) -> bool:
    """SIGKILL once the store's sequence reaches `target`; False if the run ended first."""
    deadline = time.monotonic() + 120
    while sequence(db) < target:
        if proc.poll() is not None:
            assert proc.returncode == 0, log.read_text()
            return False
        assert time.monotonic() < deadline, "the ingest wrote nothing in 120 s"
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return proc.returncode == -signal.SIGKILL


def test_sigkill_at_three_points_then_rerun_matches_a_clean_ingest(
    make_settings, embedder, tmp_path: Path
) -> None:
    folder = tmp_path / "many"
    write_articles(folder, FILES)
    settings = many_settings(make_settings, folder)
    db = settings.persist_dir / "chroma.sqlite3"
    log = tmp_path / "ingest.log"

    # 1. a fresh ingest killed once its first batch is in: one file has 4 of its 7 chunks
    assert kill_at(start(settings, log), db, EMBED_BATCH, log)
    cut = f"{EMBED_BATCH // CHUNKS_PER_FILE:03d}.txt"
    versions = stored_versions(db)
    assert sum(n for shas in versions.values() for n in shas.values()) == EMBED_BATCH
    assert incomplete(versions) == {cut}
    assert list(versions[cut].values()) == [EMBED_BATCH % CHUNKS_PER_FILE]

    # 2. the repair run killed right after it deleted what was left of that file
    assert kill_at(start(settings, log), db, sequence(db) + 1, log)
    versions = stored_versions(db)
    assert cut not in versions and not incomplete(versions)

    # 3. an update (two files changed, one deleted) killed once its new chunks are in;
    # whether it got to delete the old versions is a race: either state must be repaired
    write_articles(folder, 2, version=1)
    (folder / "002.txt").unlink()
    kill_at(start(settings, log), db, sequence(db) + 1, log)
    left = incomplete(stored_versions(db))

    # 4. the next run repairs all of it and reports what it repaired
    run = start(settings, log)
    assert run.wait(timeout=120) == 0, log.read_text()
    out = log.read_text()
    assert f"{len(left)} repaired" in out or (not left and "Nothing changed" in out), out
    for source in sorted(left)[:10]:
        assert source in out.split("Repaired", 1)[1]

    # the store now holds exactly what a clean ingest of the folder writes
    want = clean_ids(settings)
    assert len(want) == (FILES - 1) * CHUNKS_PER_FILE
    versions = stored_versions(db)
    assert not incomplete(versions) and "002.txt" not in versions
    clean = many_settings(make_settings, folder).model_copy(
        update={"persist_dir": tmp_path / "clean"}
    )
    clean_store = ArticleStore(clean, fingerprint(clean))
    ingest(clean, clean_store, embedder, token_counter(clean), progress=False)
    repaired_store = ArticleStore(settings, fingerprint(settings))
    assert set(repaired_store.get_all([])["ids"]) == set(clean_store.get_all([])["ids"]) == want
    assert repaired_store.count() == clean_store.count() == len(want)
    again = ingest(settings, repaired_store, embedder, token_counter(settings), progress=False)
    assert not again.changed and again.chunks_embedded == 0


def test_write_done_but_old_version_not_deleted_is_cleaned_up(make_settings, embedder) -> None:
    """Killed between writing a file's new chunks and deleting its old ones."""
    settings = make_settings()
    store = ArticleStore(settings, fingerprint(settings))
    count = token_counter(settings)
    ingest(settings, store, embedder, count, progress=False)
    source = "001_b74b093e62153c20.txt"
    (settings.source_dir / source).write_text("6 Jan, 2023\nA short new version of the story.\n")

    class KilledBeforeDelete(ArticleStore):
        def delete_source(self, source: str, keep_sha256: str | None = None) -> None:
            raise KeyboardInterrupt  # what SIGKILL does at this point, minus the process

    with pytest.raises(KeyboardInterrupt):
        ingest(settings, KilledBeforeDelete(settings, fingerprint(settings)), embedder, count)
    assert store.file_hashes()[source] == ""  # two complete versions: not done
    report = ingest(settings, store, embedder, count, progress=False)
    assert report.repaired == [source] and report.chunks_embedded == 0
    assert report.unchanged.count(source) == 1 and "1 repaired" in report.summary()
    docs = store.collection.get(where={"source": source})["documents"]
    assert docs == ["6 Jan, 2023\nA short new version of the story."]


def test_store_written_before_the_manifest_is_repaired(make_settings, embedder) -> None:
    """Chunks without `chunk`/`file_chunks` (an older version wrote them) are redone once."""
    settings = make_settings()
    store = ArticleStore(settings, fingerprint(settings))
    count = token_counter(settings)
    nodes = []
    for article in articles(settings.source_dir):
        for node in article_nodes(article, settings, count):
            for key in MANIFEST_KEYS:
                node.metadata.pop(key, None)
            nodes.append(node)
    vectors = embedder.get_text_embedding_batch([n.get_content() for n in nodes])
    for node, vector in zip(nodes, vectors, strict=True):
        node.embedding = vector
    store.vector_store().add(nodes)
    assert set(store.file_hashes().values()) == {""}

    report = ingest(settings, store, embedder, count, progress=False)
    assert sorted(report.repaired) == sorted(report.added) == sorted(store.file_hashes())
    assert report.chunks_embedded == len(nodes) == store.count()
    assert set(store.get_all([])["ids"]) == {n.node_id for n in nodes}
    assert "" not in store.file_hashes().values()


def test_file_over_the_size_limit_is_skipped_and_keeps_its_chunks(
    make_settings, embedder, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(max_file_mb=1)
    store = ArticleStore(settings, fingerprint(settings))
    count = token_counter(settings)
    first = ingest(settings, store, embedder, count, progress=False)
    big = settings.source_dir / "000_e1d0b48b7dc6eb12.txt"
    big.write_text("A sentence about chips. " * 60_000)  # 1.4 MB
    with caplog.at_level(logging.WARNING):
        report = ingest(settings, store, embedder, count, progress=False)
    [skipped] = report.skipped
    assert skipped.reason == "the file is 1.4 MB; the limit is 1 MB (setting max_file_mb)"
    assert skipped.reason in caplog.text and skipped.reason in report.summary()
    assert report.chunks_embedded == 0 and store.count() == first.chunks_embedded


def test_chunks_of_a_big_text_are_made_as_they_are_asked_for(make_settings) -> None:
    """The first node of a long article comes before the rest of it is even chunked."""
    settings = make_settings()
    count = token_counter(settings)
    counted: list[int] = []

    def counting(text: str) -> int:
        counted.append(len(text))
        return count(text)

    text = "Japan and the United States agreed on chip export controls today. " * 20_000
    spans = iter_chunk_spans(text, settings.chunk_tokens, counting, settings.chunk_overlap)
    first = next(spans)
    assert first.start == 0 and len(counted) < 50  # not one count per sentence of the text
    nodes = article_nodes(articles(settings.source_dir)[0], settings, count)
    head = next(nodes)
    assert head.metadata["chunk"] == 0 and "file_chunks" not in head.metadata
    *_, last = nodes
    assert last.metadata["file_chunks"] == last.metadata["chunk"] + 1 > 1
