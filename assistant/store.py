"""The Chroma collection that holds the chunks, on disk or on a Chroma server.

Chroma is only ever given our own embeddings (its default embedding function
would download an ONNX model). The collection's metadata carries the
fingerprint of the embedding model and chunking that made it, and each chunk's
metadata carries its file's sha256, which is what makes ingest incremental.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llama_index.core.schema import TextNode

from assistant.errors import StoreUnavailable
from assistant.settings import Settings

CHUNK_KEYS = ("source", "start", "end", "file_sha256", "title", "date")
# Chroma's defaults (16 neighbours, ef 100) miss chunks that stand apart from the
# rest, which are the ones holding a unique fact: on a 10k-chunk benchmark corpus
# they found 20% of the known relevant chunks against 51% for exact search;
# these settings find 42% at about 5 ms a query (benchmarks/results.md).
PAGE = 5000  # records per read when listing a whole collection
HNSW = {"space": "cosine", "max_neighbors": 32, "ef_construction": 200, "ef_search": 500}


@dataclass
class ArticleStore:
    """A Chroma collection plus the LlamaIndex vector store wrapping it."""

    settings: Settings
    fingerprint: str

    def __post_init__(self) -> None:
        self.client = connect(self.settings)
        self.collection = self._open()

    @property
    def where(self) -> str:
        return describe(self.settings)

    def _open(self) -> Any:
        try:
            collection = self.client.get_or_create_collection(
                self.settings.collection,
                metadata={"fingerprint": self.fingerprint, "source_dir": self.source_dir},
                configuration={"hnsw": HNSW},
                embedding_function=None,
            )
        except Exception as exc:  # chromadb raises many types for a bad server or path
            raise StoreUnavailable(f"Cannot open {self.where}: {exc}") from exc
        return collection

    @property
    def source_dir(self) -> str:
        return str(self.settings.source_dir.resolve())

    @property
    def stale(self) -> bool:
        """True when the chunks were made by another model or chunking, or another folder."""
        meta = self.collection.metadata or {}
        return (
            meta.get("fingerprint") != self.fingerprint or meta.get("source_dir") != self.source_dir
        )

    @property
    def revision(self) -> str:
        """Changes whenever ingest changes the chunks: keys caches built from them."""
        return str((self.collection.metadata or {}).get("revision", ""))

    def new_revision(self) -> str:
        meta = {k: v for k, v in (self.collection.metadata or {}).items() if ":" not in k}
        meta["revision"] = uuid.uuid4().hex
        self.collection.modify(metadata=meta)
        return meta["revision"]

    def cache_dir(self) -> Path:
        """Where indexes derived from this collection are kept (BM25)."""
        if self.settings.chroma_host:
            server = f"{self.settings.chroma_host}-{self.settings.chroma_port}"
            return self.settings.model_cache_dir / "indexes" / server / self.settings.collection
        return self.settings.persist_dir / "indexes" / self.settings.collection

    def reset(self) -> None:
        """Drop every chunk and start a collection with the current fingerprint."""
        self.client.delete_collection(self.settings.collection)
        self.collection = self._open()

    def vector_store(self) -> Any:
        from llama_index.vector_stores.chroma import ChromaVectorStore

        return ChromaVectorStore(chroma_collection=self.collection)

    def count(self) -> int:
        return self.collection.count()

    def file_hashes(self) -> dict[str, str]:
        """source -> sha256 of the file version whose chunks are stored.

        A source with chunks of two versions (an interrupted update) maps to ""
        so that the next ingest redoes it.
        """
        hashes: dict[str, str] = {}
        for meta in self.get_all(["metadatas"])["metadatas"]:
            source, sha = str(meta["source"]), str(meta["file_sha256"])
            hashes[source] = sha if hashes.get(source, sha) == sha else ""
        return hashes

    def get_all(self, include: list[str]) -> dict[str, list[Any]]:
        """Every record's id and the fields asked for, read a page at a time.

        One `get()` of a whole large collection fails inside Chroma ("too many
        SQL variables" at 100k chunks).
        """
        got: dict[str, list[Any]] = {"ids": [], **{field: [] for field in include}}
        offset = 0
        while True:
            page = self.collection.get(include=include, limit=PAGE, offset=offset)
            for field in got:
                values = page[field]
                got[field].extend(values if values is not None else [None] * len(page["ids"]))
            if len(page["ids"]) < PAGE:
                return got
            offset += PAGE

    def delete_source(self, source: str, keep_sha256: str | None = None) -> None:
        """Drop a file's chunks, or only those of versions other than `keep_sha256`."""
        where: dict[str, Any] = {"source": source}
        if keep_sha256 is not None:
            where = {"$and": [where, {"file_sha256": {"$ne": keep_sha256}}]}
        self.collection.delete(where=where)

    def all_nodes(self) -> list[TextNode]:
        """Every stored chunk as a LlamaIndex node (for BM25)."""
        got = self.get_all(["documents", "metadatas"])
        return [
            TextNode(id_=id_, text=doc or "", metadata=chunk_metadata(meta or {}))
            for id_, doc, meta in zip(
                got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True
            )
        ]


def chunk_metadata(meta: dict[str, Any]) -> dict[str, Any]:
    return {k: meta[k] for k in CHUNK_KEYS if k in meta}


def describe(settings: Settings) -> str:
    if settings.chroma_host:
        scheme = "https" if settings.chroma_ssl else "http"
        return f"the Chroma server at {scheme}://{settings.chroma_host}:{settings.chroma_port}"
    return f"the Chroma store at {settings.persist_dir}"


def connect(settings: Settings) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if settings.chroma_host:
            return chromadb.HttpClient(
                host=settings.chroma_host,
                port=settings.chroma_port,
                ssl=settings.chroma_ssl,
                settings=chroma_settings,
            )
        settings.persist_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.persist_dir), settings=chroma_settings)
    except Exception as exc:
        raise StoreUnavailable(f"Cannot open {describe(settings)}: {exc}") from exc
