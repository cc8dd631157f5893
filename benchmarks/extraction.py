"""`python -m benchmarks.extraction`: which library gets a news page's main text best.

This measures trafilatura, readability-lxml and newspaper4k, and the pipeline of
`assistant.ingest.formats` built on the chosen one. They run on saved news pages
with real furniture: `evals/corpus2/*.html`, with the ground truth in
`evals/corpus2/extraction_truth.json`, which has the form
`{file: {"body": [verbatim paragraphs], "furniture": [distinctive strings]}}`.

- body kept: the share of body items whose whitespace-normalised text is a
  substring of the whitespace-normalised extracted text;
- furniture let through: the share of furniture strings found in that text;
- ms/page: the median of `--repeats` calls per page after one warm-up, averaged
  over the pages (imports not counted);
- same text: whether every repeated call gave the same text;
- network: connection attempts and DNS look-ups during import and extraction.
  Each one is refused, so a library that wants the network shows it here.

The ranking puts body kept first (higher is better), then furniture let through
(lower is better), then speed. A library missing from this interpreter is
measured by `--python OTHER_PYTHON` when given (newspaper4k pins
python-dateutil<3, which conflicts with the project's venv), and is reported as
not installed otherwise. `--write` saves the report as benchmarks/extraction.md.
Run on demand; the tests do not run it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "evals" / "corpus2"
REPORT = ROOT / "benchmarks" / "extraction.md"

Extractor = Callable[[Path, bytes], str]


@dataclass
class Page:
    name: str
    data: bytes
    body: list[str]
    furniture: list[str]


@dataclass
class Result:
    name: str
    version: str = ""
    error: str = ""  # why it was not measured
    body_kept: int = 0
    body_total: int = 0
    furniture_through: int = 0
    furniture_total: int = 0
    ms_per_page: float = 0.0
    deterministic: bool = True
    network: int = 0
    missed: list[str] = field(default_factory=list)  # "file: body item"
    leaked: list[str] = field(default_factory=list)  # "file: furniture string"


def norm(text: str) -> str:
    return " ".join(text.split())


def load_pages(folder: Path) -> list[Page]:
    truth = json.loads((folder / "extraction_truth.json").read_text(encoding="utf-8"))
    pages = []
    for name, expected in sorted(truth.items()):
        path = folder / Path(name).name
        pages.append(
            Page(path.name, path.read_bytes(), expected["body"], expected.get("furniture", []))
        )
    return pages


# --- the libraries ---------------------------------------------------------------


def html_text(html: str) -> str:
    """The text of an HTML fragment, one line per block element."""
    import lxml.html

    root = lxml.html.fromstring(html)
    blocks = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "div")
    for elem in root.iter(*blocks, "section", "article", "tr", "br"):
        elem.tail = "\n" + (elem.tail or "")
    return root.text_content()


def trafilatura_with(**options: Any) -> Callable[[], tuple[str, Extractor]]:
    def setup() -> tuple[str, Extractor]:
        import trafilatura

        def run(path: Path, data: bytes) -> str:
            tree = trafilatura.load_html(data)  # bytes or a tree: a str URL would be fetched
            text = trafilatura.extract(tree, include_comments=False, **options)
            return text or ""

        return trafilatura.__version__, run

    return setup


def readability_setup() -> tuple[str, Extractor]:
    from readability import Document

    def run(path: Path, data: bytes) -> str:
        return html_text(Document(data).summary(html_partial=True))

    return version("readability-lxml"), run


def newspaper_setup() -> tuple[str, Extractor]:
    import newspaper

    def run(path: Path, data: bytes) -> str:
        article = newspaper.Article(url=f"file://{path}", fetch_images=False)
        article.download(input_html=data.decode("utf-8", "replace"))
        article.parse()
        return str(article.text)

    return version("newspaper4k"), run


def formats_setup() -> tuple[str, Extractor]:
    from assistant.ingest.formats import extract

    def run(path: Path, data: bytes) -> str:
        return extract(path, data).text

    return f"trafilatura {version('trafilatura')}", run


NOTES = {  # why a library may be missing from the project's venv
    "newspaper4k": "newspaper4k 0.9.6 pins python-dateutil<3 and the project's venv has "
    "python-dateutil 4.0.0, which pip would downgrade, so newspaper4k is not installed there; "
    "it is measured in another venv with the same Python and lxml (`--python`).",
}

LIBRARIES: dict[str, Callable[[], tuple[str, Extractor]]] = {
    "trafilatura": trafilatura_with(),
    "trafilatura (favor_precision)": trafilatura_with(favor_precision=True),
    "trafilatura (favor_recall)": trafilatura_with(favor_recall=True),
    "readability-lxml": readability_setup,
    "newspaper4k": newspaper_setup,
    "assistant.ingest.formats": formats_setup,
}


# --- measuring -------------------------------------------------------------------


@contextmanager
def refused_network() -> Iterator[list[str]]:
    """Refuse, and record, every connection and DNS look-up made inside."""
    attempts: list[str] = []
    saved = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo

    def refuse(what: str) -> Callable[..., Any]:
        def refused(*args: Any, **kwargs: Any) -> Any:
            attempts.append(f"{what} {args[1:2] or args[:1]}")
            raise OSError(f"benchmarks.extraction: no network ({what})")

        return refused

    socket.socket.connect = refuse("connect")  # type: ignore[method-assign]
    socket.socket.connect_ex = refuse("connect")  # type: ignore[method-assign]
    socket.getaddrinfo = refuse("getaddrinfo")
    try:
        yield attempts
    finally:
        socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = saved  # type: ignore[method-assign]


def measure(name: str, pages: list[Page], repeats: int) -> Result:
    result = Result(name)
    with refused_network() as attempts:
        try:
            result.version, run = LIBRARIES[name]()
        except ImportError as exc:
            result.error = f"not installed here ({exc.name or exc})"
            return result
        timings = []
        for page in pages:
            path = CORPUS / page.name
            outputs, seconds = [], []
            for i in range(repeats + 1):
                start = time.perf_counter()
                try:
                    text = run(path, page.data)
                except Exception as exc:  # a library's failure on a page scores as no text
                    text = f"<{type(exc).__name__}: {exc}>"
                if i:  # the first call warms up
                    seconds.append(time.perf_counter() - start)
                outputs.append(text)
            timings.append(statistics.median(seconds) * 1000)
            result.deterministic &= len(set(outputs)) == 1
            found = norm(outputs[0])
            for item in page.body:
                kept = norm(item) in found
                result.body_kept += kept
                if not kept:
                    result.missed.append(f"{page.name}: {norm(item)[:90]}")
            for item in page.furniture:
                through = norm(item) in found
                result.furniture_through += through
                if through:
                    result.leaked.append(f"{page.name}: {norm(item)[:90]}")
            result.body_total += len(page.body)
            result.furniture_total += len(page.furniture)
        result.ms_per_page = statistics.fmean(timings) if timings else 0.0
    result.network = len(attempts)
    return result


def measured_elsewhere(python: str, name: str, folder: Path, repeats: int) -> Result:
    args = [python, "-m", "benchmarks.extraction", "--json", "--only", name]
    args += ["--folder", str(folder), "--repeats", str(repeats)]
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        return Result(name, error=f"failed in {python}: {done.stderr.strip()[-300:]}")
    result = Result(**json.loads(done.stdout.strip().splitlines()[-1]))
    result.version += " (another venv)"
    return result


def quality(r: Result) -> tuple[float, float]:
    """What ranks a library, best first: body kept (higher), then furniture (lower)."""
    body = r.body_kept / r.body_total if r.body_total else 0.0
    furniture = r.furniture_through / r.furniture_total if r.furniture_total else 0.0
    return (-body, furniture)


def ranked(results: list[Result]) -> list[Result]:
    return sorted((r for r in results if not r.error), key=lambda r: (*quality(r), r.ms_per_page))


def share(part: int, whole: int) -> str:
    return f"{part}/{whole} = {part / whole:.0%}" if whole else "-"


def report(results: list[Result], pages: list[Page], folder: Path, repeats: int) -> str:
    try:
        lxml_version = version("lxml")
    except PackageNotFoundError:
        lxml_version = "?"
    shown = folder.relative_to(ROOT) if folder.is_relative_to(ROOT) else folder
    lines = [
        "# Main-text extraction from saved news pages",
        "",
        f"`python -m benchmarks.extraction`, {time.strftime('%Y-%m-%d', time.gmtime())}: "
        f"{len(pages)} pages of `{shown}`, "
        f"{sum(len(p.body) for p in pages)} body items, "
        f"{sum(len(p.furniture) for p in pages)} furniture strings; "
        f"Python {platform.python_version()}, lxml {lxml_version}; "
        f"ms/page is the median of {repeats} calls after a warm-up, averaged over the pages "
        f"({os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end).",
        "",
        "| library | version | body kept | furniture let through | ms/page | same text | network |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in ranked(results):
        lines.append(
            f"| {r.name} | {r.version} | {share(r.body_kept, r.body_total)} "
            f"| {share(r.furniture_through, r.furniture_total)} | {r.ms_per_page:.1f} "
            f"| {'yes' if r.deterministic else 'NO'} | {r.network} |"
        )
    for r in results:
        if r.error:
            lines.append(f"| {r.name} | - | not measured: {r.error} | | | | |")
    lines += [""] + [
        f"- {NOTES[r.name]}" for r in results if r.name in NOTES and "another" in r.version
    ]
    libraries = [r for r in ranked(results) if r.name != "assistant.ingest.formats"]
    if libraries:
        best = libraries[0]
        lines += [
            "",
            f"Best by body kept, then furniture let through: **{best.name}** "
            f"({share(best.body_kept, best.body_total)} body kept, "
            f"{share(best.furniture_through, best.furniture_total)} furniture let through).",
        ]
        tied = [r.name for r in libraries[1:] if quality(r) == quality(best)]
        if tied:
            lines[-1] += f" Tied on both with {', '.join(tied)}: the order among them is speed."
    lines += ["", "## What each one got wrong", ""]
    for r in ranked(results):
        lines.append(
            f"- **{r.name}**: {len(r.missed)} body items missed, {len(r.leaked)} "
            "furniture strings let through"
        )
        lines += [f"  - missed {m}" for m in r.missed]
        lines += [f"  - let through {m}" for m in r.leaked]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=CORPUS)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", action="append", choices=list(LIBRARIES))
    parser.add_argument("--python", help="measure libraries missing here with this interpreter")
    parser.add_argument("--json", action="store_true", help="one JSON line per library")
    parser.add_argument("--write", action="store_true", help=f"also write {REPORT.name}")
    args = parser.parse_args(argv)
    folder = args.folder.resolve()
    if not (folder / "extraction_truth.json").is_file():
        print(f"no {folder}/extraction_truth.json: nothing to measure", file=sys.stderr)
        return 2
    pages = load_pages(folder)
    results = []
    for name in args.only or list(LIBRARIES):
        result = measure(name, pages, args.repeats)
        if result.error.startswith("not installed") and args.python:
            result = measured_elsewhere(args.python, name, folder, args.repeats)
        results.append(result)
    if args.json:
        for result in results:
            print(json.dumps(asdict(result)))
        return 0
    text = report(results, pages, folder, args.repeats)
    print(text, end="")
    if args.write:
        REPORT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
