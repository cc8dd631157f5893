"""Where a saved page came from: its address and when it was fetched, kept with the file.

Why: a page fetched by `assistant add` or a feed refresh is an ordinary file in the
folder (ingest reads it like a page saved from a browser), but its citations should show
the address it came from, and a later ingest, or a rebuilt store, must still know it.
So each fetched page has a hidden sidecar beside it, `.NAME.source.json`, which ingest
never reads as an article (hidden files are left out). The sidecar records the sha256 of
the bytes it describes: a file replaced by hand (another page saved under the same name)
does not inherit the old address. No network here: this only reads and writes files.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

from assistant.atomic import replaced_on_success

SIDECAR = ".{name}.source.json"


@dataclass(frozen=True)
class Origin:
    url: str  # the address asked for (what a citation shows)
    fetched_at: str  # ISO 8601, UTC
    sha256: str  # of the saved file's bytes: the origin holds for that file only
    final_url: str = ""  # where redirects ended, when they did elsewhere
    feed: str = ""  # the feed that listed it, if it came from a refresh

    @property
    def site(self) -> str:
        """The site, as a person names it: "example.com" for https://www.example.com/x."""
        host = urlsplit(self.url).hostname or self.url
        return host.removeprefix("www.")


def sidecar(path: Path) -> Path:
    """Where the origin of the file at `path` is kept."""
    return path.with_name(SIDECAR.format(name=path.name))


def write_origin(path: Path, origin: Origin) -> None:
    """Keep the origin of the file at `path` (written whole or not at all)."""
    with replaced_on_success(sidecar(path)) as partial:
        partial.write_text(json.dumps(asdict(origin), indent=1), encoding="utf-8")


def read_origin(path: Path, sha256: str) -> Origin | None:
    """The origin of the file at `path` whose bytes hash to `sha256`, if one was kept for
    those bytes (None for a file saved by hand, or replaced since it was fetched)."""
    try:
        data = json.loads(sidecar(path).read_text(encoding="utf-8"))
        origin = Origin(**{k: str(v) for k, v in data.items() if k in Origin.__dataclass_fields__})
    except (OSError, ValueError, TypeError):
        return None
    return origin if origin.sha256 == sha256 and origin.url else None


def saved_addresses(folder: Path) -> dict[str, Path]:
    """address -> the file fetched from it, for every page in the folder that has an
    origin (a page fetched again replaces its file rather than adding a second one)."""
    found: dict[str, Path] = {}
    for kept in sorted(folder.rglob(SIDECAR.format(name="*"))):
        name = kept.name.removeprefix(".").removesuffix(".source.json")
        page = kept.with_name(name)
        try:
            url = str(json.loads(kept.read_text(encoding="utf-8")).get("url") or "")
        except (OSError, ValueError, AttributeError):
            continue
        if url and page.is_file() and ".removed" not in page.relative_to(folder).parts:
            found[url] = page
    return found
