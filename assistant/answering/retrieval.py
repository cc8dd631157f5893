"""Hybrid retrieval: dense vectors from Chroma and BM25, fused by reciprocal rank.

Dense search finds paraphrases; BM25 finds exact names and numbers the small
embedding model blurs (for "When was the first Biden-Kishida face-to-face
summit?" dense search alone misses the article, BM25 ranks it first). Both run
through LlamaIndex retrievers; fusion is reciprocal rank fusion (RRF).

`search` is the stage the assistant calls: the whole question's best `top_k`
chunks, and each part's best `PART_CHUNKS` of a multi-part question, so that no
part is crowded out, with the best cosine similarity any candidate reached
(too low, and the model is not asked at all). Another retriever takes its place
by having the same `search` and `refresh` (`Retriever`).
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from llama_index.core import VectorStoreIndex
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.schema import BaseNode, NodeWithScore

from assistant.answering.question import Question
from assistant.atomic import replaced_on_success
from assistant.ingest.dedup import not_from, stories_of
from assistant.ingest.store import ArticleStore, server_errors
from assistant.schema import RetrievedChunk
from assistant.settings import Settings

log = logging.getLogger(__name__)
PART_CHUNKS = 2  # a multi-part question's chunks: top_k for the whole, and this many per part


@dataclass
class Retrieved:
    chunks: list[RetrievedChunk]  # what the evidence step reads, best first
    similarity: float  # the best cosine similarity of any candidate (-1.0: none)


class Retriever(Protocol):
    def search(self, question: Question) -> Retrieved:
        """The chunks to read for the question (and each of its parts)."""
        ...

    def refresh(self) -> None:
        """Read the store again after it changed."""
        ...


def cosine_from_chroma(score: float | None) -> float | None:
    """LlamaIndex reports Chroma results as exp(-distance); cosine = 1 - distance."""
    if score is None or score <= 0:
        return None
    return 1.0 + math.log(score)


class HybridRetriever:
    def __init__(self, store: ArticleStore, embedder: BaseEmbedding, settings: Settings) -> None:
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self.refresh()

    def refresh(self) -> None:
        """Rebuild the retrievers after the store changed."""
        k = self.settings.candidates
        index = VectorStoreIndex.from_vector_store(
            self.store.vector_store(), embed_model=self.embedder
        )
        self.copies = set(stories_of(self.store).copies())  # one story once (ingest/dedup.py)
        self.vector = index.as_retriever(similarity_top_k=k, filters=not_from(self.copies))
        self.bm25: Any = None
        if self.settings.retrieval != "vector":
            self.bm25 = self._bm25(k)

    def _bm25(self, k: int) -> Any:
        """BM25 over every chunk, loaded from its cache when the chunks did not change.

        Building it means reading every chunk back from Chroma and tokenizing it
        (about 50 s at 100k chunks); loading the saved index takes about 2 s.
        """
        import Stemmer
        from llama_index.retrievers.bm25 import BM25Retriever

        # bm25s sets its logger to DEBUG on import and logs every index build
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        if self.store.count() == 0:
            return None
        revision = self.store.revision or self.store.new_revision()
        cache = self.store.cache_dir() / "bm25"
        stamp = cache / "revision"
        if stamp.is_file() and stamp.read_text() == revision:
            try:
                retriever = BM25Retriever.from_persist_dir(str(cache), show_progress=False)
                retriever.similarity_top_k = min(k, int(retriever.bm25.scores["num_docs"]))
                return retriever
            except Exception as exc:  # a damaged cache is rebuilt, never fatal
                log.warning("Rebuilding the BM25 index: %s", exc)
        nodes = [n for n in self.store.all_nodes() if n.metadata["source"] not in self.copies]
        retriever = BM25Retriever.from_defaults(
            nodes=list[BaseNode](nodes),
            similarity_top_k=min(k, len(nodes)),
            stemmer=Stemmer.Stemmer("english"),
            language="english",
        )
        try:
            save_bm25(retriever, cache, revision)
        except OSError as exc:  # a read-only place: answer anyway, uncached
            log.warning("Cannot cache the BM25 index in %s: %s", cache, exc)
        return retriever

    def search(self, question: Question) -> Retrieved:
        """The whole question's best `top_k` chunks, then each part's best `PART_CHUNKS`
        not already among them; fusion sees `candidates` twice over for each."""
        depth = self.settings.candidates * 2
        candidates = self.retrieve(question.text, top_k=depth)
        chunks = candidates[: self.settings.top_k]
        for part in question.parts:  # each part's best chunks too, so no part is crowded out
            found = self.retrieve(part, top_k=depth)
            candidates += found
            ids = {c.id for c in chunks}
            chunks += [c for c in found[:PART_CHUNKS] if c.id not in ids]
        similarities = [c.similarity for c in candidates if c.similarity is not None]
        return Retrieved(chunks, max(similarities, default=-1.0))

    def retrieve(self, question: str, top_k: int | None = None) -> list[RetrievedChunk]:
        mode = self.settings.retrieval
        with server_errors(self.settings):
            dense = self.vector.retrieve(question) if mode != "bm25" else []
        sparse = self.bm25.retrieve(question) if self.bm25 is not None and mode != "vector" else []
        return fuse(dense, sparse, self.settings.rrf_k)[: top_k or self.settings.top_k]


def save_bm25(retriever: Any, cache: Path, revision: str) -> None:
    """Write the index beside the old one, then swap: readers never see half an index."""
    with replaced_on_success(cache) as partial:
        partial.mkdir()
        retriever.persist(str(partial), show_progress=False)
        (partial / "revision").write_text(revision)


def fuse(
    dense: list[NodeWithScore], sparse: list[NodeWithScore], rrf_k: int
) -> list[RetrievedChunk]:
    """Reciprocal rank fusion: score = sum over lists of 1 / (rrf_k + rank)."""
    chunks: dict[str, RetrievedChunk] = {}
    for name, results in (("vector", dense), ("bm25", sparse)):
        for rank, hit in enumerate(results, start=1):
            node = hit.node
            chunk = chunks.get(node.node_id)
            if chunk is None:
                meta = node.metadata
                chunk = chunks[node.node_id] = RetrievedChunk(
                    id=node.node_id,
                    source=str(meta["source"]),
                    start=int(meta["start"]),
                    end=int(meta["end"]),
                    text=node.get_content(),
                    title=meta.get("title") or None,
                    date=meta.get("date") or None,
                    date_basis=meta.get("date_basis") or "",
                    dates=json.loads(meta.get("dates") or "[]"),
                    score=0.0,
                )
            chunk.score += 1.0 / (rrf_k + rank)
            if name == "vector":
                chunk.vector_rank = rank
                chunk.similarity = cosine_from_chroma(hit.score)
            else:
                chunk.bm25_rank = rank
    return sorted(chunks.values(), key=lambda c: (-c.score, c.source, c.start))
