"""Mirror a folder of articles into the vector store, embedding only what changed.

A file whose sha256 matches the stored chunks is left alone; a changed file's
chunks are replaced; a file that disappeared loses its chunks. If the store was
made with another embedding model or chunking (its fingerprint differs), the
whole store is rebuilt. Unreadable files, and files over `max_file_mb`, are
skipped with a warning and keep the chunks they had.

Memory does not grow with the size of a file or with the number of files
beyond a few names and hashes each: files are read one at a time (none over
`max_file_mb`), a file's chunks are made lazily, and they are embedded and
written `EMBED_BATCH` at a time, so one article's text and one batch of nodes
and vectors are held at once. Chroma's own index does grow with the store, and
ONNX Runtime keeps its buffers for the longest batch it has seen.

A run can be killed at any point and the next run repairs it: a file counts as
stored only once all its chunks are (see `assistant.store`), the leftovers of a
file cut off half-way are deleted before it is embedded again, and an old
version of a file is deleted only after every chunk of the new one is in.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode
from tqdm import tqdm

from assistant.errors import CorpusUnavailable, StoreUnavailable
from assistant.ingest.chunking import TokenCounter, iter_chunk_spans
from assistant.ingest.corpus import Article, Skipped, check_folder, discover, iter_corpus
from assistant.ingest.dedup import Stories, stories_file
from assistant.ingest.rules import Limits
from assistant.ingest.shown import printable
from assistant.ingest.store import (
    CHUNK_KEYS,
    MANIFEST_KEYS,
    ArticleStore,
    StoredFile,
    describe,
    local_dir,
    read_only,
    texts_dir,
)
from assistant.schema import DateNote
from assistant.settings import Settings

log = logging.getLogger(__name__)
EMBED_BATCH = 256  # chunks embedded and written per step
LISTED = 10  # repaired files and dates named in the summary
SKIPS_LISTED = 30  # skipped files named one a line; past that, counted by reason
REASONS_LISTED = 3


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    # files an interrupted run left with missing chunks or two versions
    repaired: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    dates: dict[str, str] = field(default_factory=dict)  # embedded file -> its date and basis
    left_out: list[str] = field(default_factory=list)  # the store's folders inside the folder
    chunks_embedded: int = 0
    rebuilt_because: list[str] = field(default_factory=list)  # why the store was rebuilt
    copies: dict[str, str] = field(default_factory=dict)  # copy -> the one answering (dedup)
    regrouped: bool = False  # the copies or the articles' addresses changed
    seconds: float = 0.0

    @property
    def rebuilt(self) -> bool:
        return bool(self.rebuilt_because)

    @property
    def changed(self) -> bool:
        """True when the chunks in the store, or which of them answer (copies of one
        story, `dedup`), changed: a new revision for caches."""
        return bool(self.added or self.updated or self.removed or self.repaired or self.regrouped)

    def summary(self) -> str:
        lines = []
        if self.rebuilt:
            lines.append(f"Rebuilt the store: {'; '.join(self.rebuilt_because)}.")
        if not self.changed:
            lines.append(
                f"Nothing changed: {len(self.unchanged)} files up to date, nothing embedded."
            )
        else:
            lines.append(
                f"Ingested in {self.seconds:.1f}s: {len(self.added)} added, "
                f"{len(self.updated)} updated, {len(self.repaired)} repaired, "
                f"{len(self.removed)} removed, {len(self.unchanged)} unchanged; "
                f"{self.chunks_embedded} chunks embedded."
            )
        if self.repaired:
            named = ", ".join(printable(r) for r in self.repaired[:LISTED])
            more = f" and {len(self.repaired) - LISTED} more" if len(self.repaired) > LISTED else ""
            lines.append(f"Repaired what an interrupted ingest left incomplete: {named}{more}.")
        if self.dates:
            lines.append("Article dates (where each came from):")
            dated = list(self.dates.items())[:LISTED]
            lines += [f"  {printable(source)}: {printable(basis)}" for source, basis in dated]
            if len(self.dates) > LISTED:
                lines.append(f"  and {len(self.dates) - LISTED} more")
        if self.copies and self.regrouped:
            lines.append("Copies of one story (kept; answered from the first named):")
            grouped = list(self.copies.items())[:LISTED]
            lines += [f"  {printable(head)} = {printable(copy)}" for copy, head in grouped]
        lines += [
            f"Left out {printable(where)}/: the assistant's own store, not articles."
            for where in self.left_out
        ]
        return "\n".join(lines + skipped_lines(self.skipped))


def skipped_lines(skipped: list[Skipped]) -> list[str]:
    """One line per skipped file, up to `SKIPS_LISTED`; the rest counted by reason."""
    lines = [f"Skipped {printable(s.source)}: {printable(s.reason)}" for s in skipped]
    if len(skipped) <= SKIPS_LISTED:
        return lines
    rest = Counter(s.reason for s in skipped[SKIPS_LISTED:])
    common = rest.most_common(REASONS_LISTED)
    said = [f"{n} {printable(reason)}" for reason, n in common]
    if len(rest) > REASONS_LISTED:
        said.append(f"{sum(rest.values()) - sum(n for _, n in common)} for other reasons")
    more = len(skipped) - SKIPS_LISTED
    return [*lines[:SKIPS_LISTED], f"Skipped {more} more files: {'; '.join(said)}."]


def article_nodes(
    article: Article, settings: Settings, count_tokens: TokenCounter
) -> Iterator[TextNode]:
    """One LlamaIndex node per chunk, made as they are asked for.

    The metadata stays out of the embedded text. The last node also carries the
    file's chunk count (`file_chunks`): it is known only once the chunker has
    finished, and it marks the file done only when written (see `assistant.store`).
    """
    spans = iter_chunk_spans(
        article.text, settings.chunk_tokens, count_tokens, settings.chunk_overlap
    )
    span = next(spans, None)
    index = 0
    while span is not None:
        following = next(spans, None)
        meta: dict[str, str | int] = {
            "source": article.source,
            "start": span.start,
            "end": span.end,
            "file_sha256": article.sha256,
            "title": article.title or "",
            "date": article.date or "",
            "date_basis": article.date_basis,
            "dates": notes_json(article.dates, span.start, span.end),
            "chunk": index,
        }
        if following is None:
            meta["file_chunks"] = index + 1
        key = f"{article.source}\0{article.sha256}\0{span.start}\0{span.end}"
        node = TextNode(
            id_=hashlib.sha1(key.encode()).hexdigest(),
            text=article.text[span.start : span.end],
            metadata=meta,
            excluded_embed_metadata_keys=[*CHUNK_KEYS, *MANIFEST_KEYS],
            excluded_llm_metadata_keys=[*CHUNK_KEYS, *MANIFEST_KEYS],
            start_char_idx=span.start,
            end_char_idx=span.end,
        )
        node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=article.source)
        yield node
        span, index = following, index + 1


def notes_json(notes: Sequence[DateNote], start: int, end: int) -> str:
    """The date notes inside text[start:end], as JSON (Chroma metadata holds scalars)."""
    inside = [
        n.model_dump(exclude_defaults=True) for n in notes if start <= n.start and n.end <= end
    ]
    return json.dumps(inside, ensure_ascii=False) if inside else ""


class Writer:
    """Embeds and writes nodes a batch at a time; finishes a file once all of it is in."""

    def __init__(self, store: ArticleStore, embedder: BaseEmbedding, report: IngestReport) -> None:
        self.store, self.embedder, self.report = store, embedder, report
        self.vector_store = store.vector_store()
        self.batch: list[TextNode] = []
        # (source, sha256) of files whose last node is queued and whose other versions go
        self.finishing: list[tuple[str, str]] = []

    def add(self, article: Article, nodes: Iterator[TextNode], replaces: bool) -> None:
        """Queue a file's nodes; `replaces`: other versions of it are stored, to delete."""
        for node in nodes:
            self.batch.append(node)
            if len(self.batch) >= EMBED_BATCH:
                self.flush()
        if replaces:
            self.finishing.append((article.source, article.sha256))

    def flush(self) -> None:
        if self.batch:
            texts = [n.get_content() for n in self.batch]
            for node, vector in zip(
                self.batch, self.embedder.get_text_embedding_batch(texts), strict=True
            ):
                node.embedding = vector
            self.vector_store.add(self.batch)
            self.report.chunks_embedded += len(self.batch)
            self.batch = []
        # every chunk of these files is in now: their other versions can go
        for source, sha256 in self.finishing:
            self.store.delete_source(source, keep_sha256=sha256)
        self.finishing = []


def ingest(
    settings: Settings,
    store: ArticleStore,
    embedder: BaseEmbedding,
    count_tokens: TokenCounter,
    progress: bool = True,
) -> IngestReport:
    """Bring the store in line with the folder, one file at a time (see the module doc)."""
    began = time.perf_counter()
    report = IngestReport()
    check_folder(settings.folder)
    if read_only(settings):
        raise StoreUnavailable(
            f"{describe(settings)} is read-only: ingest cannot update it; "
            "give a --persist-dir this user can write, or make it writable."
        )
    if reasons := store.stale_because():
        store.reset()
        report.rebuilt_because = reasons
    stored = store.files()
    seen: set[str] = set()
    writer = Writer(store, embedder, report)
    stories = Stories(stories_file(store))
    ours = stores_inside(settings)
    report.left_out = [p.relative_to(settings.folder.resolve()).as_posix() for p in ours]
    files = sum(1 for _ in discover(settings.folder, ours))  # names only: the bar's total
    bar = tqdm(total=files, desc="Ingesting", unit="file", disable=not progress)
    items = iter_corpus(
        settings.folder, texts=texts_dir(settings), limits=Limits.of(settings), exclude=ours
    )
    try:
        for item in items:
            bar.update(1)  # tqdm shows the time left from the files done so far
            bar.set_postfix(chunks=report.chunks_embedded + len(writer.batch), refresh=False)
            seen.add(item.source)
            if isinstance(item, Article) and (trouble := _dates_trouble(item, stored)):
                item = trouble
            stories.see(item.source, item if isinstance(item, Article) else None)
            if isinstance(item, Skipped):
                # a file that became unreadable keeps its old chunks: nothing is lost
                _warn_skipped(item, len(report.skipped))
                report.skipped.append(item)
                continue
            before = stored.get(item.source)
            if _embed_needed(item, before, store, report):
                if before and item.sha256 in before.partial:  # what a killed run left of it
                    store.delete_version(item.source, item.sha256)
                report.dates[item.source] = item.date_basis
                nodes = article_nodes(item, settings, count_tokens)
                writer.add(item, nodes, replaces=before is not None)
        writer.flush()
    finally:
        items.close()  # stops the extraction worker
        bar.close()
    report.removed = sorted(set(stored) - seen)
    for source in report.removed:
        store.delete_source(source)
    report.regrouped = stories.finish()
    report.copies = stories.copies()
    if report.changed or report.rebuilt:
        store.new_revision()
    report.seconds = time.perf_counter() - began
    return report


def stores_inside(settings: Settings) -> list[Path]:
    """The assistant's own folders (its store, its model cache) that lie inside the
    article folder: never read as articles."""
    root = settings.folder.resolve()
    if local_dir(settings).resolve() == root:
        raise CorpusUnavailable(
            f"The store's folder (--persist-dir) is the article folder itself, {root}: give "
            "it a folder of its own (one inside the article folder is fine)."
        )
    places = {local_dir(settings).resolve(), settings.model_cache_dir.resolve()}
    return sorted(p for p in places if p != root and p.is_relative_to(root))


def _dates_trouble(article: Article, stored: dict[str, StoredFile]) -> Skipped | None:
    """The article as a skip, if it is to be embedded and working out its dates fails
    (a bug on a strange file is this file's, not the whole ingest's)."""
    if article.source in stored and article.sha256 in stored[article.source].complete:
        return None  # stored as it is: its dates are not worked out again
    try:
        article.date_basis, article.dates  # noqa: B018  # cached on the article
    except Exception as exc:
        log.debug("dating %s failed", article.source, exc_info=True)
        return Skipped(article.source, f"its dates cannot be read ({type(exc).__name__}: {exc})")
    return None


def _warn_skipped(item: Skipped, before: int) -> None:
    """A warning for each of the first skipped files; the summary counts the rest."""
    if before < SKIPS_LISTED:
        log.warning("Skipping %s: %s", printable(item.source), printable(item.reason))
    elif before == SKIPS_LISTED:
        log.warning("Skipping more files: the summary counts them by reason")


def _embed_needed(
    article: Article, stored: StoredFile | None, store: ArticleStore, report: IngestReport
) -> bool:
    """Sort the file into the report; True if its chunks must be (re)made.

    `repaired` is on top of added/updated/unchanged: it names the files an
    interrupted run had left with missing chunks, or with two versions.
    """
    source = article.source
    if stored is None:
        report.added.append(source)
        return True
    if stored.partial or len(stored.complete) > 1:
        report.repaired.append(source)
    if article.sha256 in stored.complete:
        report.unchanged.append(source)
        if not stored.done:  # killed before it deleted another version of the file
            store.delete_source(source, keep_sha256=article.sha256)
        return False
    (report.updated if stored.complete else report.added).append(source)
    return True
