"""Time and peak memory of ingesting the files a hostile or careless folder holds.

`python -m benchmarks.hostile_files` writes each file into a folder of its own, then
ingests it with the default limits in a process of its own (`--case NAME`), and prints
a line per file: the seconds the ingest took, what became of the file (read, or
skipped and why), the peak resident memory of the ingest process (the embedding model
loaded) and of its extraction worker (`assistant/ingest/worker.py`). The files:

- saved pages of 10, 20 and 40 MB, menus around a few paragraphs (the markup that
  costs trafilatura most), and pages of text paragraphs of 20 MB (the largest the
  default `max_html_mb` lets in) and 40 MB;
- a PDF bomb: 40 pages that share one compressed stream, which inflates to 70 MB of
  long strings (pypdf's own caps let it through: extraction ran for more than 10
  minutes before the limits);
- a PDF whose 40 pages share a 5 MB stream: each stream is under any cap, the total
  the pages inflate to (200 MB) is not.

The generators are shared with tests/test_hostile_ingest.py.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable
from pathlib import Path

PARAGRAPH = (
    "<p>The harbour authority of Port Aldridge said on Tuesday that crews had repaired "
    "berth {n} and reopened the quay to container ships after three weeks of work.</p>\n"
)
MENU = (
    "<nav class='menu'><ul>"
    + "".join(f"<li><a href='/section/{i}'>Section {i}</a></li>" for i in range(20))
    + "</ul></nav>\n"
)
PDF_LINE = b"BT /F1 12 Tf 72 720 Td (" + b"Quay reopens after repairs. " * 400 + b") Tj ET\n"


def menus_page(mb: float, paragraphs: int = 4) -> bytes:
    """A saved page of about `mb` MB: navigation menus around an article of a few
    paragraphs, dated 2024-03-05 in its metadata."""
    head = (
        "<html><head><title>Quay reopens | Daily Harbour</title>"
        "<meta property='article:published_time' content='2024-03-05'></head><body>"
    )
    body = "<article><h1>Quay reopens</h1>" + "".join(
        PARAGRAPH.format(n=n) for n in range(paragraphs)
    )
    body += "</article>"
    menus = max(0, int((mb * 1e6 - len(head) - len(body)) // len(MENU)))
    half = menus // 2
    page = head + MENU * half + body + MENU * (menus - half) + "</body></html>"
    return page.encode()


def text_page(mb: float) -> bytes:
    """A saved page of about `mb` MB of text paragraphs."""
    head = "<html><head><title>Harbour works</title></head><body><article><h1>Harbour works</h1>"
    size = int(mb * 1e6)
    count = max(1, (size - len(head)) // len(PARAGRAPH.format(n=100000)))
    body = "".join(PARAGRAPH.format(n=n) for n in range(count))
    return (head + body + "</article></body></html>").encode()


def shared_stream_pdf(pages: int, inflated_mb: float, line: bytes = PDF_LINE) -> bytes:
    """A PDF whose `pages` pages all show one Flate stream of about `inflated_mb` MB
    (Helvetica text), written by hand: a few hundred KB on disk."""
    content = line * max(1, int(inflated_mb * 1e6 / len(line)))
    stream = zlib.compress(content, 9)
    kids = " ".join(f"{5 + i} 0 R" for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    page = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>"
    )
    objects += [page] * pages
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


CASES: dict[str, tuple[str, Callable[[], bytes]]] = {
    "menus 10 MB": ("menus10.html", lambda: menus_page(10)),
    "menus 20 MB": ("menus20.html", lambda: menus_page(20)),
    "menus 40 MB": ("menus40.html", lambda: menus_page(40)),
    "text 20 MB (the size limit)": ("text20.html", lambda: text_page(20)),
    "text 40 MB": ("text40.html", lambda: text_page(40)),
    "PDF bomb, 40 pages x 70 MB": ("bomb.pdf", lambda: shared_stream_pdf(40, 70)),
    "PDF, 40 pages x 5 MB": ("shared.pdf", lambda: shared_stream_pdf(40, 5)),
}


def run_case(folder: Path, store: Path) -> dict[str, object]:
    """Ingest `folder` with the default limits; what became of its file, and the peaks."""
    from assistant.ingest.embeddings import build_embedder, fingerprint, token_counter
    from assistant.ingest.store import ArticleStore
    from assistant.ingest.sync import ingest
    from assistant.settings import Settings

    settings = Settings(_env_file=None, source_dir=folder, persist_dir=store)
    store_ = ArticleStore(settings, fingerprint(settings))
    embedder = build_embedder(settings)
    counter = token_counter(settings)
    workers = WorkerPeak()
    workers.start()
    began = time.perf_counter()
    report = ingest(settings, store_, embedder, counter, progress=False)
    seconds = time.perf_counter() - began
    workers.stop.set()
    workers.join()
    outcome = (
        f"skipped: {report.skipped[0].reason}"
        if report.skipped
        else f"read: {report.chunks_embedded} chunks"
    )
    return {
        "seconds": seconds,
        "outcome": outcome,
        "ingest_peak_mb": peak_mb("self"),
        "worker_peak_mb": workers.peak_mb,
    }


class WorkerPeak(threading.Thread):
    """The largest peak resident memory of this process's children (the extraction
    worker), read from /proc every few milliseconds while the ingest runs (wait4's
    ru_maxrss would count the parent's memory at the fork)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.peak_mb = 0.0

    def run(self) -> None:
        children = Path(f"/proc/{os.getpid()}/task/{threading.main_thread().native_id}/children")
        while not self.stop.wait(0.005):
            for pid in children.read_text().split():
                with contextlib.suppress(OSError, ValueError):  # it may have just ended
                    self.peak_mb = max(self.peak_mb, peak_mb(pid))


def peak_mb(pid: str) -> float:
    """A process's peak resident memory (Linux VmHWM), in MB (0 once it has ended)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--case", nargs=2, metavar=("FOLDER", "STORE"), help=argparse.SUPPRESS)
    parser.add_argument("--only", help="run the cases whose name holds this")
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(Path(args.case[0]), Path(args.case[1]))))
        return
    print(f"{'file':<30} {'seconds':>8} {'ingest MB':>10} {'worker MB':>10}  outcome")
    for name, (file_name, make) in CASES.items():
        if args.only and args.only not in name:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "articles"
            folder.mkdir()
            (folder / file_name).write_bytes(make())
            command = [sys.executable, "-m", "benchmarks.hostile_files", "--case"]
            done = subprocess.run(
                [*command, str(folder), str(Path(tmp) / "store")],
                capture_output=True,
                text=True,
                check=True,
            )
        got = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"{name:<30} {got['seconds']:>8.1f} {got['ingest_peak_mb']:>10.0f} "
            f"{got['worker_peak_mb']:>10.0f}  {got['outcome']}",
            flush=True,
        )


if __name__ == "__main__":
    main()
