"""Group 3: retrieval latency and recall on the seeds and on synthetic corpora.

Three ways to get the top 10 from the same Chroma store and the same vectors:
- ours: `HybridRetriever` (LlamaIndex vector retriever + BM25, fused by RRF);
- stock: LlamaIndex's `VectorStoreIndex.from_vector_store(...).as_retriever()`;
- floor: NumPy brute force, one matrix-vector product over every stored vector.
Each is timed end to end from the question text, query embedding included.
Recall@10 counts the known relevant chunks found (synthetic corpora: the chunks
holding the needle sentence; seeds: a chunk of the article the eval expects).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from assistant.answering.retrieval import HybridRetriever
from assistant.ingest.embeddings import fingerprint
from assistant.ingest.store import ArticleStore
from assistant.settings import Settings
from benchmarks.measure import Figure, median, percentile

TOP = 10
OURS = "ours (hybrid)"


@dataclass
class Probe:
    query: str
    relevant: set[str]  # chunk ids (synthetic) or file names (seeds)
    by_file: bool = False


class BruteForce:
    def __init__(self, store: ArticleStore, embed: Callable[[str], list[float]]) -> None:
        got = store.get_all(["embeddings", "metadatas"])
        self.ids = list(got["ids"])
        self.sources = [str(m["source"]) for m in got["metadatas"]]
        self.matrix = np.asarray(got["embeddings"], dtype=np.float32)
        self.embed = embed

    def top(self, query: str) -> list[int]:
        scores = self.matrix @ np.asarray(self.embed(query), dtype=np.float32)
        best = np.argpartition(-scores, min(TOP, len(scores) - 1))[:TOP]
        return list(best[np.argsort(-scores[best])])


def recall(found_ids: list[str], found_sources: list[str], probe: Probe) -> float:
    if probe.by_file:
        return float(bool(probe.relevant & set(found_sources)))
    return len(probe.relevant & set(found_ids)) / min(len(probe.relevant), TOP)


def measure(name: str, settings: Settings, embedder, probes: list[Probe]) -> list[Figure]:
    from llama_index.core import VectorStoreIndex

    store = ArticleStore(settings, fingerprint(settings))

    shutil.rmtree(store.cache_dir() / "bm25", ignore_errors=True)
    began = time.perf_counter()
    HybridRetriever(store, embedder, settings)
    build_s = time.perf_counter() - began
    began = time.perf_counter()
    ours = HybridRetriever(store, embedder, settings)
    cached_s = time.perf_counter() - began
    stock = VectorStoreIndex.from_vector_store(
        store.vector_store(), embed_model=embedder
    ).as_retriever(similarity_top_k=TOP)
    brute = BruteForce(store, embedder.get_query_embedding)

    def run_ours(q: str) -> tuple[list[str], list[str]]:
        chunks = ours.retrieve(q, top_k=TOP)
        return [c.id for c in chunks], [c.source for c in chunks]

    def run_stock(q: str) -> tuple[list[str], list[str]]:
        hits = stock.retrieve(q)
        return [h.node.node_id for h in hits], [str(h.node.metadata["source"]) for h in hits]

    def run_brute(q: str) -> tuple[list[str], list[str]]:
        rows = brute.top(q)
        return [brute.ids[i] for i in rows], [brute.sources[i] for i in rows]

    methods = {OURS: run_ours, "stock LlamaIndex": run_stock, "brute force": run_brute}
    latencies: dict[str, list[float]] = {m: [] for m in methods}
    recalls: dict[str, list[float]] = {m: [] for m in methods}
    for method, run in methods.items():  # one method at a time, as a process would use it
        for probe in probes[:3]:  # warm-up: first calls load lazily
            run(probe.query)
        for probe in probes:
            began = time.perf_counter()
            ids, sources = run(probe.query)
            latencies[method].append(1000 * (time.perf_counter() - began))
            recalls[method].append(recall(ids, sources, probe))
    mean = {m: float(np.mean(r)) for m, r in recalls.items()}
    figures = []
    chunks = store.count()
    floor_p50 = median(latencies["brute force"])
    for method in (OURS, "stock LlamaIndex"):
        p50 = median(latencies[method])
        figures.append(
            Figure(
                "3 retrieval",
                f"{name} ({chunks:,} chunks): {method} p50 / p95",
                p50,
                "ms",
                floor=floor_p50,
                floor_name="NumPy brute force p50",
                target="p50 < 50 ms at 100k" if "100" in name and method == OURS else "",
                met=(p50 < 50) if "100" in name and method == OURS else None,
                note=f"p95 {percentile(latencies[method], 95):.1f} ms",
            )
        )
        ratio = mean[method] / mean["brute force"] if mean["brute force"] else float("nan")
        figures.append(
            Figure(
                "3 retrieval",
                f"{name}: {method} recall@10",
                mean[method],
                "",
                floor=mean["brute force"],
                floor_name="brute force recall@10",
                target="≥ 0.95 × brute force" if "100" in name and method == OURS else "",
                met=(ratio >= 0.95) if "100" in name and method == OURS else None,
                note=f"{len(probes)} queries",
            )
        )
    figures.append(
        Figure(
            "3 retrieval",
            f"{name}: opening the retrievers, BM25 index from its cache",
            cached_s,
            "s",
            floor=build_s,
            floor_name="building BM25 from every chunk (first open after a change)",
            note=f"brute force p95 {percentile(latencies['brute force'], 95):.1f} ms",
        )
    )
    return figures
