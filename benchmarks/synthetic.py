"""Deterministic synthetic corpora of any size, with known relevant chunks.

Articles are recombined sentences of the five seed articles. Fifty seed
sentences are held back as needles: each appears in exactly one synthetic
article, so the chunks that contain it are the known relevant chunks for a
query made from it (the sentence without its first and last two words).

A real encode of 100k chunks takes over an hour on 2 cores (MiniLM runs about
20 chunks/s here), so the synthetic stores get composed vectors: each chunk's
vector is the normalized sum of the real MiniLM vectors of its sentences. The
chunking, the Chroma writes, the HNSW index and BM25 are the real code; only
the model's forward pass over each whole chunk is skipped. Ingest throughput
against the model itself is measured separately with real vectors.

`python -m benchmarks.synthetic build SIZE` builds one store in its own
process and prints one JSON line: chunks, seconds and peak memory.
"""

from __future__ import annotations

import json
import random
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from assistant.ingest.chunking import split_sentences
from assistant.settings import Settings
from benchmarks.measure import CACHE, ROOT, self_peak_rss_mb

SEEDS = ROOT / "seeds"
NEEDLES = 50
SENTENCES_PER_ARTICLE = 36
SEED = 20240408


@dataclass
class Needle:
    sentence: str
    query: str
    source: str  # the synthetic article holding it


def seed_sentences() -> list[str]:
    sentences = []
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for start, end in split_sentences(text):
            sentence = " ".join(text[start:end].split())
            if len(sentence.split()) >= 8 and sentence not in sentences:
                sentences.append(sentence)
    return sentences


def split_pool(sentences: list[str]) -> tuple[list[str], list[str]]:
    """(needles, distractors): every k-th sentence is a needle."""
    step = max(1, len(sentences) // NEEDLES)
    needles = sentences[::step][:NEEDLES]
    held = set(needles)
    return needles, [s for s in sentences if s not in held]


def query_for(sentence: str) -> str:
    words = sentence.split()
    return " ".join(words[2:-2]) if len(words) > 8 else sentence


def corpus_dir(size: int) -> Path:
    return CACHE / f"synthetic-{size}"


def write_corpus(size: int, chunks_per_article: float) -> tuple[Path, list[Needle]]:
    """Write about `size` chunks' worth of articles; the same files for the same size."""
    folder = corpus_dir(size) / "articles"
    needles, distractors = split_pool(seed_sentences())
    rng = random.Random(SEED)
    articles = max(NEEDLES, round(size / chunks_per_article))
    needle_home = {rng.randrange(articles): n for n in needles}
    while len(needle_home) < len(needles):  # collisions: place the rest one by one
        spare = [i for i in range(articles) if i not in needle_home]
        needle_home[rng.choice(spare)] = needles[len(needle_home)]
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    placed = []
    for number in range(articles):
        picked = rng.sample(distractors, SENTENCES_PER_ARTICLE)
        name = f"synthetic_{number:06d}.txt"
        if number in needle_home:
            sentence = needle_home[number]
            picked.insert(rng.randrange(len(picked) + 1), sentence)
            placed.append(Needle(sentence, query_for(sentence), name))
        paragraphs = [" ".join(picked[i : i + 4]) for i in range(0, len(picked), 4)]
        (folder / name).write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return folder, placed


class ComposedEmbedding(BaseEmbedding):
    """Chunk vector = normalized sum of the real vectors of its sentences (see module doc)."""

    _real: Any = PrivateAttr()
    _cache: dict[str, np.ndarray] = PrivateAttr(default_factory=dict)

    def __init__(self, real: BaseEmbedding) -> None:
        super().__init__(model_name=f"composed:{real.model_name}", embed_batch_size=2048)
        self._real = real
        sentences = seed_sentences()
        for sentence, vector in zip(sentences, real.embed(sentences), strict=True):
            self._cache[sentence] = vector

    @classmethod
    def class_name(cls) -> str:
        return "ComposedEmbedding"

    def _vector(self, text: str) -> np.ndarray:
        total = np.zeros(0, dtype=np.float32)
        for start, end in split_sentences(text):
            piece = " ".join(text[start:end].split())
            if piece not in self._cache:  # a fragment of a cut sentence: embed it for real
                self._cache[piece] = self._real.embed([piece])[0]
            total = self._cache[piece] if total.size == 0 else total + self._cache[piece]
        return total / max(float(np.linalg.norm(total)), 1e-12)

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(t).tolist() for t in texts]

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._vector(text).tolist()

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._real.get_query_embedding(query)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


def chunks_per_article(settings: Settings, count: Callable[[str], int]) -> float:
    """Measured on sample articles made like the real ones, with the real chunker."""
    from assistant.ingest.chunking import chunk_spans

    _, distractors = split_pool(seed_sentences())
    rng = random.Random(SEED + 1)
    samples = [" ".join(rng.sample(distractors, SENTENCES_PER_ARTICLE)) for _ in range(40)]
    chunks = [
        len(chunk_spans(t, settings.chunk_tokens, count, settings.chunk_overlap)) for t in samples
    ]
    return float(np.mean(chunks))


def settings_for(size: int) -> Settings:
    folder = corpus_dir(size)
    return Settings(source_dir=folder / "articles", persist_dir=folder / "store")


def needles_file(size: int) -> Path:
    return corpus_dir(size) / "needles.json"


def build(size: int) -> dict[str, Any]:
    """Write the corpus and ingest it with the real pipeline and composed vectors."""
    from assistant.ingest.embeddings import build_embedder, fingerprint, token_counter
    from assistant.ingest.store import ArticleStore
    from assistant.ingest.sync import ingest

    began = time.perf_counter()
    settings = settings_for(size)
    count = token_counter(settings)
    folder, needles = write_corpus(size, chunks_per_article(settings, count))
    needles_file(size).write_text(json.dumps([n.__dict__ for n in needles], indent=1))
    written = time.perf_counter() - began

    shutil.rmtree(settings.persist_dir, ignore_errors=True)
    embedder = ComposedEmbedding(build_embedder(settings))
    store = ArticleStore(settings, fingerprint(settings))
    report = ingest(settings, store, embedder, count, progress=False)
    return {
        "size": size,
        "files": len(report.added),
        "chunks": store.count(),
        "write_s": written,
        "ingest_s": report.seconds,
        "peak_rss_mb": self_peak_rss_mb(),
    }


def build_command(size: int) -> list[str]:
    return [sys.executable, "-m", "benchmarks.synthetic", "build", str(size)]


def load_needles(size: int) -> list[Needle]:
    return [Needle(**n) for n in json.loads(needles_file(size).read_text())]


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "build":
        sys.exit("usage: python -m benchmarks.synthetic build SIZE")
    result = build(int(sys.argv[2]))
    (corpus_dir(result["size"]) / "build.json").write_text(json.dumps(result))
    print(json.dumps(result))
