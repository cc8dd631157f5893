"""Group 4: ingest throughput against the model's raw encode, re-ingest, store size.

Throughput uses real vectors on a small synthetic corpus: the whole ingest
(read, hash, chunk, embed, write to Chroma) in chunks per second, against the
embedding model encoding the very same chunk texts in one call. The 10k and
100k stores are built by `benchmarks.synthetic` in their own processes (their
time and peak memory are reported; their vectors are composed, see there).

`python -m benchmarks.ingesting big-file --mb 2` ingests one generated file of
that size with real vectors in its own `assistant ingest` process and prints
chunks/s and peak RSS next to the peak of ingesting a small file made the same
way: the difference is what a big file costs in memory (it should stay near the
size of Chroma's index, not grow with the file's nodes and vectors). With
`--python-heap` it also ingests both files in process under tracemalloc: the
peak of the Python heap, without Chroma's and ONNX Runtime's native memory.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sys
import time
from pathlib import Path

from assistant.ingest.embeddings import fingerprint, token_counter
from assistant.ingest.store import ArticleStore
from assistant.ingest.sync import ingest
from assistant.settings import Settings
from benchmarks import synthetic
from benchmarks.measure import CACHE, Figure, assistant_command, dir_size_mb, median, run_child
from benchmarks.report import print_table

THROUGHPUT_CHUNKS = 400


def throughput(embedder, runs: int) -> list[Figure]:
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


def reingest(settings: Settings, embedder, runs: int) -> list[Figure]:
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


def ensure_store(settings: Settings, embedder) -> None:
    """Build the seeds store if it is missing or stale; a no-op otherwise."""
    ingest(settings, open_store(settings), embedder, token_counter(settings), progress=False)


def write_big_file(folder: Path, megabytes: float) -> Path:
    """One article of about `megabytes` MB: seed sentences recombined, in paragraphs."""
    sentences = synthetic.seed_sentences()
    rng = random.Random(synthetic.SEED)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    path = folder / "big.txt"
    target = int(megabytes * 1_000_000)
    written = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("A very long article\n\n")
        while written < target:
            paragraph = " ".join(rng.sample(sentences, 4)) + "\n\n"
            written += out.write(paragraph)
    return path


def ingest_child(source: Path, store: Path) -> tuple[float, float, int]:
    """(seconds, peak RSS MB, chunks embedded) of one `assistant ingest` process."""
    shutil.rmtree(store, ignore_errors=True)
    # a limit above any file this benchmark writes (older code ignores the variable)
    env = {**os.environ, "ASSISTANT_PERSIST_DIR": str(store), "ASSISTANT_MAX_FILE_MB": "1000"}
    run = run_child([assistant_command(), "ingest", "--source", str(source)], env, 3 * 3600)
    shutil.rmtree(store, ignore_errors=True)
    embedded = re.search(r"(\d+) chunks embedded", run.stdout)
    return run.seconds, run.peak_rss_mb, int(embedded.group(1)) if embedded else 0


def big_file(megabytes: float, floor_mb: float = 0.1) -> list[Figure]:
    """Peak RSS and chunks/s of ingesting one big file, against a small one made alike.

    The floor file has the same kind of chunks (so ONNX Runtime's buffers for
    full-length batches are in both); what the big file adds on top of it is
    what grows with the file.
    """
    base = CACHE / f"big-file-{os.getpid()}"
    small = write_big_file(base / "small", floor_mb)
    big = write_big_file(base / "big", megabytes)
    size = big.stat().st_size / 1e6
    _, small_peak, small_chunks = ingest_child(small.parent, base / "store")
    seconds, peak, chunks = ingest_child(big.parent, base / "store")
    shutil.rmtree(base, ignore_errors=True)
    return [
        Figure(
            "6 memory",
            f"peak RSS of ingesting one {size:.1f} MB file ({chunks:,} chunks)",
            peak,
            "MB",
            floor=small_peak,
            floor_name=f"one {floor_mb:g} MB file made alike ({small_chunks:,} chunks)",
        ),
        Figure(
            "4 ingest",
            f"ingest of one {size:.1f} MB file, real vectors",
            chunks / seconds,
            "chunks/s",
            note=f"{seconds:.0f} s for the whole process",
        ),
    ]


def python_heap(megabytes: float, floor_mb: float = 0.1) -> list[Figure]:
    """Peak of the Python heap (tracemalloc) while ingesting one big file, in this process.

    RSS also counts Chroma's native index and ONNX Runtime's buffers; the
    Python heap is what the ingest code itself holds: nodes, texts, vectors.
    """
    import tracemalloc

    from assistant.ingest.embeddings import build_embedder

    base = CACHE / f"python-heap-{os.getpid()}"
    peaks = []
    embedder = None
    for size in (floor_mb, megabytes):
        path = write_big_file(base / f"{size:g}", size)
        settings = Settings(source_dir=path.parent, persist_dir=base / f"store-{size:g}")
        embedder = embedder or build_embedder(settings)
        store = ArticleStore(settings, fingerprint(settings))
        tracemalloc.start()
        report = ingest(settings, store, embedder, token_counter(settings), progress=False)
        peaks.append((tracemalloc.get_traced_memory()[1] / 1e6, report.chunks_embedded))
        tracemalloc.stop()
    shutil.rmtree(base, ignore_errors=True)
    (floor_peak, floor_chunks), (peak, chunks) = peaks
    return [
        Figure(
            "6 memory",
            f"Python heap peak while ingesting one {megabytes:g} MB file ({chunks:,} chunks)",
            peak,
            "MB",
            floor=floor_peak,
            floor_name=f"one {floor_mb:g} MB file made alike ({floor_chunks:,} chunks)",
        )
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ingesting")
    commands = parser.add_subparsers(dest="command", required=True)
    big = commands.add_parser("big-file", help="peak memory and speed on one big file")
    big.add_argument("--mb", type=float, default=2.0, help="size of the generated file")
    big.add_argument("--floor-mb", type=float, default=0.1, help="size of the small file")
    big.add_argument(
        "--python-heap", action="store_true", help="also trace the Python heap, in process"
    )
    args = parser.parse_args(argv)
    figures = big_file(args.mb, args.floor_mb)
    if args.python_heap:
        figures += python_heap(args.mb, args.floor_mb)
    print_table(figures)
    for figure in figures:
        print(f"{figure.name}: {figure.value:,.1f} {figure.unit}", end="")
        print(f" (floor {figure.floor:,.1f}: {figure.floor_name})" if figure.floor else "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
