"""One story once: copies of an article (the same agency text on several sites) found at ingest.

Why: when three sites run one agency story, its three copies compete for the places in
retrieval and the answer cites the same sentence three times. Ingest groups them; every
copy stays in the folder and in the store, one answers for the story (its fullest text:
the most words, then the first name), the others are never retrieved (`copies_of`), and
a citation of the story names them: "also published by <site or file>" (`noted`).

The measure: a text is cut into 5-word shingles (case folded), each hashed (blake2b,
64 bits), and its `SKETCH` smallest hashes are its sketch (a bottom-k MinHash). The
resemblance of two texts (Jaccard: shared shingles over all their shingles) is read from
their sketches: of the `SKETCH` smallest hashes of the two together, the share both hold.
Two texts at `THRESHOLD` or above are one story (and so, in a chain, are their copies).
A text of fewer than `MIN_SHINGLES` shingles (about 40 words) is never grouped: a few
lines share wording by chance (a correction of one number in a short brief is another
article). Pairs are found through an index of the sketches' hashes, not by comparing
every pair. `python -m benchmarks.web` measures the time per 1,000 articles and how
well it tells copies from other stories on the same topic.

The groups are kept beside the store (`stories.json`: each article's sha256, sketch,
length, address and site), updated by every ingest from the files it reads (a sketch is
reused while its file's sha256 is unchanged), and read by retrieval and the answer.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import json
import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from assistant.atomic import replaced_on_success
from assistant.ingest.corpus import Article
from assistant.ingest.store import ArticleStore
from assistant.schema import Citation

SHINGLE_WORDS = 5
SKETCH = 128  # hashes kept per text
THRESHOLD = 0.5  # resemblance at which two texts are one story
MIN_SHINGLES = 40  # shorter texts are never grouped
VERSION = 1  # of the shingling: an index made otherwise is recomputed
WORD = re.compile(r"\w+")


def sketch(text: str) -> tuple[tuple[int, ...], int]:
    """The text's sketch (its smallest shingle hashes, ascending) and its shingle count."""
    words = WORD.findall(text.casefold())
    shingles = {
        " ".join(words[i : i + SHINGLE_WORDS])
        for i in range(max(len(words) - SHINGLE_WORDS + 1, 1 if words else 0))
    }
    hashes = (
        int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "big") for s in shingles
    )
    return tuple(heapq.nsmallest(SKETCH, hashes)), len(shingles)


def resemblance(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """Estimated Jaccard resemblance of the two texts whose sketches these are."""
    if not a or not b:
        return 0.0
    both = set(a) & set(b)
    union = heapq.nsmallest(SKETCH, set(a) | set(b))
    return sum(1 for h in union if h in both) / len(union)


@dataclass
class Entry:
    """What the index knows of one article."""

    sha256: str
    sketch: tuple[int, ...]
    shingles: int
    words: int
    url: str = ""  # the address it was fetched from ("" for a file saved by hand)
    site: str = ""  # that address's site, as a person names it
    copy_of: str = ""  # the article that answers for its story, when this is a copy


class Stories:
    """The index of one folder's store: which articles are copies of which."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, Entry] = {}
        self._seen: dict[str, Entry] = {}  # by the ingest under way
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") == VERSION:
                self.entries = {s: _entry(e) for s, e in data["articles"].items()}
        except (OSError, ValueError, KeyError, TypeError):
            pass  # none yet, or unreadable: the next ingest makes it again

    # --- reading ---------------------------------------------------------------

    def copies(self) -> dict[str, str]:
        """{copy: the copy that answers for its story}, by name."""
        return {s: e.copy_of for s, e in sorted(self.entries.items()) if e.copy_of}

    def story(self, source: str) -> list[str]:
        """Every copy of `source`'s story, the one that answers first ([source] alone)."""
        entry = self.entries.get(source)
        if entry is None:
            return [source]
        head = entry.copy_of or source
        rest = sorted(s for s, e in self.entries.items() if e.copy_of == head)
        return [head, *rest] if rest or head != source else [source]

    def also(self, source: str) -> list[str]:
        """Where else the story of `source` was published: the other copies' sites (or
        file names, for files saved by hand), each once."""
        seen = {self.label(source)}
        named = []
        for other in self.story(source):
            label = self.label(other)
            if other != source and label not in seen:
                seen.add(label)
                named.append(label)
        return named

    def label(self, source: str) -> str:
        entry = self.entries.get(source)
        return entry.site if entry is not None and entry.site else source

    def url(self, source: str) -> str:
        entry = self.entries.get(source)
        return entry.url if entry is not None else ""

    # --- ingest ------------------------------------------------------------------

    def see(self, source: str, article: Article | None) -> None:
        """Note an article read by this ingest (None: unreadable now, so its old entry is
        kept, as its chunks are). Its text is not held: only its sketch."""
        from assistant.web.origin import read_origin

        old = self.entries.get(source)
        if article is None:
            if old is not None:
                self._seen[source] = old
            return
        if old is None or old.sha256 != article.sha256:
            shown, count = sketch(article.text)
            old = Entry(article.sha256, shown, count, len(WORD.findall(article.text)))
        origin = read_origin(article.path, article.sha256)
        url, site = (origin.url, origin.site) if origin else ("", "")
        self._seen[source] = Entry(old.sha256, old.sketch, old.shingles, old.words, url, site)

    def finish(self) -> bool:
        """Group what this ingest saw, keep it (the articles not seen are gone) and write
        the index; True if a copy, a group or an address changed."""
        entries, self._seen = self._seen, {}
        for copy, head in group(entries).items():
            entries[copy].copy_of = head
        before = _marks(self.entries)
        self.entries = entries
        with replaced_on_success(self.path) as partial:
            saved = {s: {**asdict(e), "sketch": _packed(e.sketch)} for s, e in entries.items()}
            partial.write_text(json.dumps({"version": VERSION, "articles": saved}), "utf-8")
        return before != _marks(entries)

    # --- the answer ----------------------------------------------------------------

    def noted(self, citations: list[Citation]) -> list[Citation]:
        """The citations with their article's address and the story's other copies."""
        return [
            c.model_copy(
                update={"url": self.url(c.source) or None, "also_published_by": self.also(c.source)}
            )
            for c in citations
        ]


def group(entries: dict[str, Entry]) -> dict[str, str]:
    """{copy: the copy answering for its story} over every story with two or more."""
    parent = {s: s for s, e in entries.items() if e.shingles >= MIN_SHINGLES}

    def root(s: str) -> str:
        while parent[s] != s:
            parent[s] = parent[parent[s]]
            s = parent[s]
        return s

    index: dict[int, list[str]] = defaultdict(list)
    for source in sorted(parent):
        mine = entries[source].sketch
        shared = Counter(other for h in mine for other in index[h])
        for other, n in shared.items():
            theirs = entries[other].sketch
            # the hashes both sketches hold bound the resemblance from above: most pairs
            # stop here without working it out
            if n >= THRESHOLD * min(SKETCH, max(len(mine), len(theirs))) and (
                resemblance(mine, theirs) >= THRESHOLD
            ):
                parent[root(source)] = root(other)
        for h in mine:
            index[h].append(source)
    stories: dict[str, list[str]] = defaultdict(list)
    for source in parent:
        stories[root(source)].append(source)
    copies = {}
    for members in stories.values():
        head = min(members, key=lambda s: (-entries[s].words, s))
        copies.update({s: head for s in members if s != head})
    return copies


def not_from(sources: set[str]) -> Any:
    """A vector-search filter that leaves out these articles' chunks (None: no filter)."""
    if not sources:
        return None
    from llama_index.core.vector_stores import FilterOperator, MetadataFilter, MetadataFilters

    only = MetadataFilter(key="source", value=sorted(sources), operator=FilterOperator.NIN)
    return MetadataFilters(filters=[only])


def _marks(entries: dict[str, Entry]) -> dict[str, tuple[str, str]]:
    """What retrieval and citations read of the index: the copies, and the addresses."""
    return {s: (e.copy_of, e.url) for s, e in entries.items() if e.copy_of or e.url}


def _packed(hashes: tuple[int, ...]) -> str:
    return base64.b64encode(b"".join(h.to_bytes(8, "big") for h in hashes)).decode()


def _entry(data: dict[str, object]) -> Entry:
    raw = base64.b64decode(str(data["sketch"]))
    hashes = tuple(int.from_bytes(raw[i : i + 8], "big") for i in range(0, len(raw), 8))
    fields = {k: v for k, v in data.items() if k in Entry.__dataclass_fields__}
    return Entry(**{**fields, "sketch": hashes})  # type: ignore[arg-type]


_read: dict[Path, tuple[tuple[int, int, int], Stories]] = {}


def stories_file(store: ArticleStore) -> Path:
    """Where the index of this store's articles is kept (beside its BM25 index)."""
    return store.cache_dir() / "stories.json"


def stories_of(store: ArticleStore) -> Stories:
    """The store's index as its last ingest wrote it (read again only when it changed)."""
    path = stories_file(store)
    try:
        found = path.stat()  # a new file each time (replaced by a rename): a new inode
    except OSError:
        return Stories(path)
    stamp = (found.st_ino, found.st_mtime_ns, found.st_size)
    kept = _read.get(path)
    if kept is None or kept[0] != stamp:
        kept = _read[path] = (stamp, Stories(path))
    return kept[1]
