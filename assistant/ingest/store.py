"""The Chroma collections that hold the chunks, on disk or on a Chroma server.

One collection per article folder, named after the folder's resolved path
(`articles-3f2a9c...`), with the folder and what made the chunks (embedding
model, chunking, date rules) in its metadata: switching between two folders
re-embeds neither, and a store is never rebuilt from another folder. Without a
folder named, the assistant answers from the store ingested last (`current`).

Chroma is only ever given our own embeddings (its default embedding function
would download an ONNX model). The collection's metadata carries the
fingerprint of the embedding model and chunking that made it, and each chunk's
metadata carries its file's sha256, which is what makes ingest incremental.

The chunks are also the manifest of which files are done. A file's chunks are
written a batch at a time, so a killed ingest can leave some of them in the
store; a sha256 on those alone would make the file look done for good. So each
chunk records its position in its file (`chunk`), and the file's last chunk,
written after all the others, also records how many there are
(`file_chunks`): a version of a file counts as stored only when that last
chunk is there and so are exactly that many chunks of the version. Chunks
written before these keys existed have no `file_chunks`, so their files are
redone once.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import os
import shutil
import stat
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llama_index.core.schema import TextNode

from assistant.errors import StoreUnavailable
from assistant.ingest.embeddings import made_with
from assistant.settings import DEFAULT_SOURCE_DIR, Settings

CHUNK_KEYS = ("source", "start", "end", "file_sha256", "title", "date", "date_basis", "dates")
MANIFEST_KEYS = ("chunk", "file_chunks")  # position in its file; on the last chunk, the count
# Chroma's defaults (16 neighbours, ef 100) miss chunks that stand apart from the
# rest, which are the ones holding a unique fact: on a 10k-chunk benchmark corpus
# they found 20% of the known relevant chunks against 51% for exact search;
# these settings find 42% at about 5 ms a query (benchmarks/results.md).
PAGE = 5000  # records per read when listing a whole collection
log = logging.getLogger(__name__)
HNSW = {"space": "cosine", "max_neighbors": 32, "ef_construction": 200, "ef_search": 500}


@dataclass
class StoredFile:
    """The versions (sha256) of one file that have chunks in the store."""

    complete: set[str] = field(default_factory=set)  # every chunk is there
    partial: set[str] = field(default_factory=set)  # some chunks missing: a killed run

    @property
    def done(self) -> str | None:
        """The sha256 of the file if exactly one version is stored, and all of it."""
        if len(self.complete) == 1 and not self.partial:
            return next(iter(self.complete))
        return None


@dataclass
class ArticleStore:
    """A Chroma collection plus the LlamaIndex vector store wrapping it."""

    settings: Settings
    fingerprint: str

    def __post_init__(self) -> None:
        self.name = collection_name(self.settings)
        self.client = connect(self.settings)
        self.collection = self._open()

    @property
    def where(self) -> str:
        return f"{describe(self.settings)} (collection {self.name})"

    def _open(self) -> Any:
        meta = {"fingerprint": self.fingerprint, "source_dir": self.source_dir}
        try:
            collection = self.client.get_or_create_collection(
                self.name,
                metadata={**meta, **made_with(self.settings)},
                configuration={"hnsw": HNSW},
                embedding_function=None,
            )
        except Exception as exc:  # chromadb raises many types for a bad server or path
            raise StoreUnavailable(f"Cannot open {self.where}: {exc}") from exc
        return collection

    @property
    def source_dir(self) -> str:
        return str(self.settings.folder.resolve())

    @property
    def stale(self) -> bool:
        """True when the chunks were made by another model, chunking or date rules."""
        return bool(self.stale_because())

    def stale_because(self) -> list[str]:
        """Why the chunks cannot be used as they are, in words ([] when they can)."""
        meta = self.collection.metadata or {}
        if (
            meta.get("fingerprint") == self.fingerprint
            and meta.get("source_dir") == self.source_dir
        ):
            return []
        now = {"source_dir": self.source_dir, **made_with(self.settings)}
        words = {"source_dir": "the folder", "embedding": "the embedding model",
                 "chunking": "the chunking", "date_rules": "the date rules"}  # fmt: skip
        reasons = [
            f"{words[key]} changed ({meta.get(key) or 'not recorded'} -> {value})"
            for key, value in now.items()
            if meta.get(key) != value
        ]
        return reasons or ["it was built with other settings"]

    def mark_current(self) -> None:
        """This folder's store is the one to answer from when no folder is named."""
        meta = {k: v for k, v in (self.collection.metadata or {}).items() if ":" not in k}
        meta["ingested_at"] = time.time()
        self.collection.modify(metadata=meta)

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
        return local_dir(self.settings) / "indexes" / self.name

    def reset(self) -> None:
        """Drop every chunk and start a collection with the current fingerprint."""
        self.client.delete_collection(self.name)
        self.collection = self._open()

    def vector_store(self) -> Any:
        from llama_index.vector_stores.chroma import ChromaVectorStore

        return ChromaVectorStore(chroma_collection=self.collection)

    def count(self) -> int:
        return self.collection.count()

    def files(self) -> dict[str, StoredFile]:
        """source -> what is stored of each version of the file (see the module doc)."""
        chunks: Counter[tuple[str, str]] = Counter()
        totals: dict[tuple[str, str], int] = {}
        for page in self.pages(["metadatas"]):  # a page at a time: the store can be large
            for meta in page["metadatas"] or []:
                key = (str(meta["source"]), str(meta["file_sha256"]))
                chunks[key] += 1
                if isinstance(meta.get("file_chunks"), int):
                    totals[key] = meta["file_chunks"]
        files: dict[str, StoredFile] = {}
        for (source, sha), count in chunks.items():
            stored = files.setdefault(source, StoredFile())
            (stored.complete if totals.get((source, sha)) == count else stored.partial).add(sha)
        return files

    def articles(self) -> list[dict[str, str]]:
        """One row per stored file: its name, title, date and the date's basis."""
        rows: dict[str, dict[str, str]] = {}
        for page in self.pages(["metadatas"]):
            for meta in page["metadatas"] or []:
                source = str(meta["source"])
                rows.setdefault(
                    source,
                    {
                        "source": source,
                        "title": str(meta.get("title") or ""),
                        "date": str(meta.get("date_basis") or meta.get("date") or ""),
                    },
                )
        return [rows[k] for k in sorted(rows)]

    def file_hashes(self) -> dict[str, str]:
        """source -> sha256 of the one file version whose chunks are all stored.

        A source with some chunks missing (a killed ingest) or chunks of two
        versions (an interrupted update) maps to "": the next ingest repairs it.
        """
        return {source: stored.done or "" for source, stored in self.files().items()}

    def get_all(self, include: list[str]) -> dict[str, list[Any]]:
        """Every record's id and the fields asked for (see `pages`)."""
        got: dict[str, list[Any]] = {"ids": [], **{name: [] for name in include}}
        for page in self.pages(include):
            for name in got:
                values = page[name]
                got[name].extend(values if values is not None else [None] * len(page["ids"]))
        return got

    def pages(self, include: list[str]) -> Iterator[dict[str, Any]]:
        """The whole collection, `PAGE` records at a time.

        One `get()` of a whole large collection fails inside Chroma ("too many
        SQL variables" at 100k chunks).
        """
        offset = 0
        while True:
            page = self.collection.get(include=include, limit=PAGE, offset=offset)
            yield page
            if len(page["ids"]) < PAGE:
                return
            offset += PAGE

    def delete_source(self, source: str, keep_sha256: str | None = None) -> None:
        """Drop a file's chunks, or only those of versions other than `keep_sha256`."""
        where: dict[str, Any] = {"source": source}
        if keep_sha256 is not None:
            where = {"$and": [where, {"file_sha256": {"$ne": keep_sha256}}]}
        self.collection.delete(where=where)

    def delete_version(self, source: str, sha256: str) -> None:
        """Drop the chunks of one version of a file (what a killed run left of it)."""
        self.collection.delete(where={"$and": [{"source": source}, {"file_sha256": sha256}]})

    def all_nodes(self) -> list[TextNode]:
        """Every stored chunk as a LlamaIndex node (for BM25)."""
        got = self.get_all(["documents", "metadatas"])
        return [
            TextNode(id_=id_, text=doc or "", metadata=chunk_metadata(meta or {}))
            for id_, doc, meta in zip(
                got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True
            )
        ]


def collection_name(settings: Settings) -> str:
    """The collection of the settings' folder: `articles-` and a digest of its path."""
    folder = str(settings.folder.resolve())
    return f"{settings.collection}-{hashlib.sha256(folder.encode()).hexdigest()[:12]}"


def local_dir(settings: Settings) -> Path:
    """Where what is derived from the stores is kept on this machine (BM25 indexes, the
    text of saved pages and PDFs): beside the on-disk store, or in the cache folder
    for a Chroma server."""
    if settings.chroma_host:
        server = f"{settings.chroma_host}-{settings.chroma_port}"
        return settings.model_cache_dir / "servers" / server
    return settings.persist_dir


def texts_dir(settings: Settings) -> Path:
    """Where the text extracted from saved pages and PDFs is kept, by each file's sha256."""
    return local_dir(settings) / "texts"


@dataclass(frozen=True)
class StoreInfo:
    """One folder's store, as `assistant ingest --list` shows it."""

    name: str
    folder: str
    chunks: int
    ingested_at: float  # Unix time of its last `assistant ingest`; 0.0 if never
    made_with: dict[str, str]


def list_stores(settings: Settings, counted: bool = True) -> list[StoreInfo]:
    """Every folder's store under the settings' collection prefix, the current one first
    (`counted=False`: without reading each one's chunk count)."""
    prefix = f"{settings.collection}-"
    stores = []
    for collection in connect(settings).list_collections():
        if not collection.name.startswith(prefix):
            continue
        meta = collection.metadata or {}
        stores.append(
            StoreInfo(
                name=collection.name,
                folder=str(meta.get("source_dir", "")),
                chunks=collection.count() if counted else 0,
                ingested_at=float(meta.get("ingested_at", 0.0)),
                made_with={k: str(meta[k]) for k in ("embedding", "chunking") if k in meta},
            )
        )
    return sorted(stores, key=lambda s: (-s.ingested_at, s.folder))


def with_folder(settings: Settings) -> Settings:
    """The settings with the folder to answer from: the one named (flag, environment),
    else the folder of the store ingested last (if it is still there), else the demo
    articles."""
    if settings.source_dir is not None:
        return settings
    for store in list_stores(settings, counted=False):
        if store.ingested_at and store.folder and Path(store.folder).is_dir():
            return settings.model_copy(update={"source_dir": Path(store.folder)})
    return settings.model_copy(update={"source_dir": DEFAULT_SOURCE_DIR})


def chunk_metadata(meta: dict[str, Any]) -> dict[str, Any]:
    return {k: meta[k] for k in CHUNK_KEYS if k in meta}


def describe(settings: Settings) -> str:
    if settings.chroma_host:
        return f"the Chroma server at {describe_url(settings)}"
    return f"the Chroma store at {settings.persist_dir}"


def connect(settings: Settings) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if settings.chroma_host:
            check_server(settings)
            client = chromadb.HttpClient(
                host=settings.chroma_host,
                port=settings.chroma_port,
                ssl=settings.chroma_ssl,
                settings=chroma_settings,
            )
            limit_wait(client, settings.chroma_timeout)
            return client
        settings.persist_dir.mkdir(parents=True, exist_ok=True)
        where = readable_copy(settings.persist_dir) if read_only(settings) else settings.persist_dir
        return chromadb.PersistentClient(path=str(where), settings=chroma_settings)
    except StoreUnavailable:
        raise
    except Exception as exc:
        raise StoreUnavailable(f"Cannot open {describe(settings)}: {exc}") from exc


def read_only(settings: Settings) -> bool:
    """Whether the on-disk store cannot be written by this process (a read-only folder,
    file or file system): it can still answer, from a copy, but not be ingested into."""
    if settings.chroma_host:
        return False
    folder, db = settings.persist_dir, settings.persist_dir / "chroma.sqlite3"
    if not folder.is_dir():
        return False
    return not (os.access(folder, os.W_OK) and (not db.exists() or os.access(db, os.W_OK)))


_COPIES: dict[Path, Path] = {}  # a read-only store -> its copy, made once per process


def readable_copy(folder: Path) -> Path:
    """A copy of a read-only store, to open instead (Chroma writes to its database even
    to read it), removed when the process ends. The extracted texts and the indexes
    beside it are read where they are, not copied."""
    folder = folder.resolve()
    if folder not in _COPIES:
        log.warning("%s is read-only: reading a copy of it (ingest cannot update it)", folder)
        copy = Path(tempfile.mkdtemp(prefix="news-assistant-store-")) / "store"
        shutil.copytree(folder, copy, ignore=shutil.ignore_patterns("indexes", "texts"))
        for path in [copy, *copy.rglob("*")]:  # writable, as the copy is this process's
            path.chmod(path.stat().st_mode | stat.S_IWUSR)
        atexit.register(shutil.rmtree, copy.parent, True)
        _COPIES[folder] = copy
    return _COPIES[folder]


def check_server(settings: Settings) -> None:
    """One heartbeat with a timeout: Chroma's own client would wait forever for an answer."""
    import httpx

    with server_errors(settings):
        url = f"{describe_url(settings)}/api/v2/heartbeat"
        httpx.get(url, timeout=settings.chroma_timeout).raise_for_status()


@contextmanager
def server_errors(settings: Settings) -> Iterator[None]:
    """A Chroma server that times out or fails, or a collection that another process
    deleted or rebuilt under this one, as a `StoreUnavailable` that says so."""
    import httpx
    from chromadb.errors import NotFoundError

    try:
        yield
    except NotFoundError:
        raise StoreUnavailable(
            f"The collection of {settings.folder} in {describe(settings)} was deleted or "
            "rebuilt by another process while this one was using it (an ingest with other "
            "settings): start again to use it."
        ) from None
    except httpx.TimeoutException:
        raise StoreUnavailable(
            f"{describe(settings)} did not answer within {settings.chroma_timeout:g}s "
            "(setting chroma_timeout)."
        ) from None
    except httpx.HTTPError as exc:
        raise StoreUnavailable(f"Cannot reach {describe(settings)}: {exc}") from None


def limit_wait(client: Any, seconds: float) -> None:
    """Give the client's HTTP session a timeout (chromadb 1.x creates it with none)."""
    import httpx

    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(seconds)


def describe_url(settings: Settings) -> str:
    scheme = "https" if settings.chroma_ssl else "http"
    return f"{scheme}://{settings.chroma_host}:{settings.chroma_port}"
