"""The real-page corpus: saved news pages nobody on the team wrote or tuned for.

The pages come from the public extraction benchmark `scrapinghub/article-extraction-benchmark`
(`html/<sha256>.html.gz`), whose HTML is the publishers' text and so stays out of this
repository. `pages.tsv` names the 50 pages the questions in `evals/questions_pages.yaml` were
written over (a readable file name, the benchmark's hash, the split, the page's address);
`materialize` copies them, decompressed and under those names, into a folder the assistant
ingests like any user's folder of saved pages.
"""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import AssistantError

HERE = Path(__file__).resolve().parent
LIST = HERE / "pages.tsv"
# where `--pages` looks when it is not given: an environment variable, then a checkout of the
# benchmark beside this repository
ENV = "ASSISTANT_EVAL_PAGES"


@dataclass(frozen=True)
class Page:
    name: str
    sha256: str
    split: str
    url: str


def pages(path: Path = LIST) -> list[Page]:
    rows = path.read_text(encoding="utf-8").splitlines()[1:]
    return [Page(*row.split("\t")) for row in rows if row.strip()]


def default_dir() -> Path | None:
    """The benchmark's folder named by $ASSISTANT_EVAL_PAGES, if set (None otherwise)."""
    value = os.environ.get(ENV, "").strip()
    return Path(value).expanduser() if value else None


def materialize(bench: Path, into: Path) -> Path:
    """Copy the listed pages out of the benchmark folder `bench` (which holds
    `html/<sha256>.html.gz`, or the `.html.gz` files themselves) into `into`, decompressed.

    A page already there with the same bytes is left alone, so the store built over the
    folder stays current between runs."""
    html = bench / "html" if (bench / "html").is_dir() else bench
    missing = [p.sha256 for p in pages() if not (html / f"{p.sha256}.html.gz").is_file()]
    if missing:
        raise AssistantError(
            f"--pages {bench}: not the extraction benchmark's folder "
            f"({len(missing)} of {len(pages())} listed pages missing, e.g. {missing[0]}.html.gz)"
        )
    into.mkdir(parents=True, exist_ok=True)
    for page in pages():
        data = gzip.decompress((html / f"{page.sha256}.html.gz").read_bytes())
        target = into / page.name
        if not target.is_file() or target.read_bytes() != data:
            target.write_bytes(data)
    return into
