"""Mirror a folder of articles into the vector store, embedding only what changed.

A file whose sha256 matches the stored chunks is left alone; a changed file's
chunks are replaced; a file that disappeared loses its chunks. If the store was
made with another embedding model or chunking (its fingerprint differs), the
whole store is rebuilt. Unreadable files are skipped with a warning.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode
from tqdm import tqdm

from assistant.chunking import chunk_spans
from assistant.corpus import Article, Skipped, load_corpus
from assistant.settings import Settings
from assistant.store import CHUNK_KEYS, ArticleStore

log = logging.getLogger(__name__)
EMBED_BATCH = 256  # chunks embedded and written per step


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    chunks_embedded: int = 0
    rebuilt: bool = False
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        lines = []
        if self.rebuilt:
            lines.append("Embedding model or chunking changed: rebuilt the store.")
        if not self.changed:
            lines.append(
                f"Nothing changed: {len(self.unchanged)} files up to date, nothing embedded."
            )
        else:
            lines.append(
                f"Ingested in {self.seconds:.1f}s: {len(self.added)} added, "
                f"{len(self.updated)} updated, {len(self.removed)} removed, "
                f"{len(self.unchanged)} unchanged; {self.chunks_embedded} chunks embedded."
            )
        lines += [f"Skipped {s.source}: {s.reason}" for s in self.skipped]
        return "\n".join(lines)


def article_nodes(
    article: Article, settings: Settings, count_tokens: Callable[[str], int]
) -> list[TextNode]:
    """One LlamaIndex node per chunk; its metadata stays out of the embedded text."""
    nodes = []
    for span in chunk_spans(
        article.text, settings.chunk_tokens, count_tokens, settings.chunk_overlap
    ):
        meta = {
            "source": article.source,
            "start": span.start,
            "end": span.end,
            "file_sha256": article.sha256,
            "title": article.title or "",
            "date": article.date or "",
        }
        key = f"{article.source}\0{article.sha256}\0{span.start}\0{span.end}"
        node = TextNode(
            id_=hashlib.sha1(key.encode()).hexdigest(),
            text=article.text[span.start : span.end],
            metadata=meta,
            excluded_embed_metadata_keys=list(CHUNK_KEYS),
            excluded_llm_metadata_keys=list(CHUNK_KEYS),
            start_char_idx=span.start,
            end_char_idx=span.end,
        )
        node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=article.source)
        nodes.append(node)
    return nodes


def ingest(
    settings: Settings,
    store: ArticleStore,
    embedder: BaseEmbedding,
    count_tokens: Callable[[str], int],
    progress: bool = True,
) -> IngestReport:
    began = time.perf_counter()
    report = IngestReport()
    if store.stale:
        store.reset()
        report.rebuilt = True
    articles, report.skipped = load_corpus(settings.source_dir)
    for skipped in report.skipped:
        log.warning("Skipping %s: %s", skipped.source, skipped.reason)
    stored = store.file_hashes()
    current = {a.source for a in articles}
    unreadable = {s.source for s in report.skipped}

    to_embed: list[Article] = []
    for article in articles:
        old = stored.get(article.source)
        if old == article.sha256:
            report.unchanged.append(article.source)
            continue
        (report.updated if old is not None else report.added).append(article.source)
        to_embed.append(article)
    # A file that became unreadable keeps its old chunks: nothing is lost.
    report.removed = sorted(set(stored) - current - unreadable)

    vector_store = store.vector_store()
    with tqdm(desc="Embedding chunks", unit="chunk", disable=not progress or not to_embed) as bar:
        # a batch at a time: memory stays flat however large the folder is
        for batch in _batches(_nodes(to_embed, settings, count_tokens), EMBED_BATCH):
            vectors = embedder.get_text_embedding_batch([n.get_content() for n in batch])
            for node, vector in zip(batch, vectors, strict=True):
                node.embedding = vector
            vector_store.add(batch)
            report.chunks_embedded += len(batch)
            bar.update(len(batch))
    # old versions go only once the new chunks are in: an interrupted run loses nothing
    updated = set(report.updated)
    for article in to_embed:
        if article.source in updated:
            store.delete_source(article.source, keep_sha256=article.sha256)
    for source in report.removed:
        store.delete_source(source)
    if report.changed or report.rebuilt:
        store.new_revision()
    report.seconds = time.perf_counter() - began
    return report


def _nodes(
    articles: list[Article], settings: Settings, count_tokens: Callable[[str], int]
) -> Iterator[TextNode]:
    for article in articles:
        yield from article_nodes(article, settings, count_tokens)


def _batches(nodes: Iterator[TextNode], size: int) -> Iterator[list[TextNode]]:
    batch: list[TextNode] = []
    for node in nodes:
        batch.append(node)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
