"""Group 4: ingest throughput against the model's raw encode, re-ingest, store size.

Throughput uses real vectors on a small synthetic corpus: the whole ingest
(read, hash, chunk, embed, write to Chroma) in chunks per second, against the
embedding model encoding the very same chunk texts in one call. The 10k and
100k stores are built by `benchmarks.synthetic` in their own processes (their
time and peak memory are reported; their vectors are composed, see there).
"""

from __future__ import annotations

import json
import os
import shutil
import time

from assistant.embeddings import fingerprint, token_counter
from assistant.ingest import ingest
from assistant.settings import Settings
from assistant.store import ArticleStore
from benchmarks import synthetic
from benchmarks.measure import CACHE, Figure, assistant_command, dir_size_mb, median, run_child

THROUGHPUT_CHUNKS = 400


def throughput(embedder, runs: int) -> list[Figure]:  # noqa: ANN001
    source = synthetic.corpus_dir(THROUGHPUT_CHUNKS) / "articles"
    probe = Settings(source_dir=source)
    count = token_counter(probe)
    synthetic.write_corpus(THROUGHPUT_CHUNKS, synthetic.chunks_per_article(probe, count))
    ours, raw, chunks = [], [], 0
    for run in range(runs):
        # a new folder each run: Chroma caches clients by path within a process
        folder = CACHE / f"throughput-{os.getpid()}-{run}"
        settings = Settings(source_dir=source, persist_dir=folder)
        store = ArticleStore(settings, fingerprint(settings))
        report = ingest(settings, store, embedder, count, progress=False)
        chunks = report.chunks_embedded
        ours.append(chunks / report.seconds)
        texts = store.get_all(["documents"])["documents"]
        began = time.perf_counter()
        embedder.embed(texts)
        raw.append(len(texts) / (time.perf_counter() - began))
        shutil.rmtree(folder, ignore_errors=True)
    ratio = median(ours) / median(raw)
    return [
        Figure(
            "4 ingest",
            f"ingest throughput, real vectors ({chunks} chunks)",
            median(ours),
            "chunks/s",
            floor=median(raw),
            floor_name="MiniLM batch encode of the same chunk texts",
            target="≥ 80% of raw encode",
            met=ratio >= 0.8,
        )
    ]


def reingest(settings: Settings, embedder, runs: int) -> list[Figure]:  # noqa: ANN001
    store = ArticleStore(settings, fingerprint(settings))
    count = token_counter(settings)
    ingest(settings, store, embedder, count, progress=False)
    inside = []
    for _ in range(runs):
        report = ingest(settings, store, embedder, count, progress=False)
        assert report.chunks_embedded == 0, "the seeds changed during the benchmark"
        inside.append(report.seconds)
    env = {**os.environ, "ASSISTANT_PERSIST_DIR": str(settings.persist_dir)}
    command = [assistant_command(), "ingest"]
    process = median([run_child(command, env).seconds for _ in range(max(2, runs // 2))])
    return [
        Figure(
            "4 ingest",
            "re-ingest of the unchanged seeds, `ingest()` call",
            1000 * median(inside),
            "ms",
            target="< 1 s",
            met=median(inside) < 1,
        ),
        Figure(
            "4 ingest",
            "re-ingest of the unchanged seeds, whole `assistant ingest` process",
            process,
            "s",
            note="the embedding model is not loaded when nothing changed",
        ),
    ]


def store_size(name: str, settings: Settings) -> Figure:
    chunks = ArticleStore(settings, fingerprint(settings)).count()
    size = dir_size_mb(settings.persist_dir)
    return Figure(
        "4 ingest",
        f"store on disk per 1,000 chunks ({name}, {chunks:,} chunks, {size:.0f} MB)",
        1000 * size / chunks,
        "MB",
    )


def synthetic_store(size: int, rebuild: bool) -> tuple[Settings, list[Figure]]:
    """Build (or reuse) a synthetic store in its own process; report its build."""
    record = synthetic.corpus_dir(size) / "build.json"
    if rebuild or not record.is_file():
        run = run_child(synthetic.build_command(size), timeout=3 * 3600)
        result = json.loads(run.stdout.strip().splitlines()[-1])
        record.write_text(json.dumps(result))
    result = json.loads(record.read_text())
    settings = synthetic.settings_for(size)
    name = f"{result['chunks']:,} chunks"
    return settings, [
        Figure(
            "4 ingest",
            f"ingest of {name}, composed vectors: pipeline throughput",
            result["chunks"] / result["ingest_s"],
            "chunks/s",
            note=f"{result['ingest_s']:.0f} s for {result['files']:,} files; chunking, "
            "Chroma writes and HNSW, without the model's forward pass",
        ),
        Figure(
            "6 memory",
            f"peak RSS of ingesting {name}",
            result["peak_rss_mb"],
            "MB",
            note="embedding model loaded; batches are embedded and written as they come",
        ),
    ]


def open_store(settings: Settings) -> ArticleStore:
    return ArticleStore(settings, fingerprint(settings))


def ensure_store(settings: Settings, embedder) -> None:  # noqa: ANN001
    """Build the seeds store if it is missing or stale; a no-op otherwise."""
    ingest(settings, open_store(settings), embedder, token_counter(settings), progress=False)
