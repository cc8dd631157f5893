"""`python -m benchmarks.web`: fetch, refresh and dedup figures, against a local server.

Everything runs against an HTTP server this script starts on 127.0.0.1 (the tests'
`tests/local_web.py`), never the internet, so the figures are the assistant's own cost
(HTTP on loopback, extraction, writing the file and its origin), not a network's.

- fetch: `assistant add`'s work per page (fetch, extract to check it, save) for news
  pages of about 6 KB and 60 KB of HTML, and the fetch alone;
- refresh: a feed of 20 items followed and refreshed (robots.txt read, each item fetched
  and saved), refreshed again unchanged (with its ETag: one request, a 304), and with one
  new item; then 10 unchanged feeds. The per-host delay is set to 0 here: with the
  default (`HOST_DELAY_S`, 1 s) a first refresh of N items from one site takes N seconds
  more, by design;
- dedup: the time to sketch and group 1,000 articles (recombined seed sentences, so they
  share wording heavily), and again when every sketch is kept from the last ingest; and
  how well the grouping tells copies from other stories on the same topic: each of the
  16 articles of the seeds and evals/corpus2 is run by three other sites with their own
  headline and furniture (one as it was, one with a dateline added and its last paragraph
  cut, one with a credit line added and a middle paragraph cut) and the pairs grouped
  are compared with the truth. The seeds are five stories on US-Japan summits and chips,
  corpus2 eleven on one city's tram line: different stories on the same topic.

`--write` saves the report as benchmarks/web.md. Run on demand; the tests do not run it.
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from assistant.ingest.corpus import load_corpus
from assistant.ingest.dedup import THRESHOLD, Entry, group, resemblance, sketch
from assistant.ingest.formats import extract
from assistant.web.feeds import Pacer, Refresh, follow
from assistant.web.fetch import Fetcher
from assistant.web.pages import add_pages
from benchmarks.measure import ROOT
from benchmarks.synthetic import seed_sentences
from tests.local_web import Handler, LocalWeb, Reply, feed_xml, news_page

MB = 1_000_000
REPORT = ROOT / "benchmarks" / "web.md"


@contextmanager
def local_web() -> Iterator[LocalWeb]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    web = LocalWeb(server)
    server.RequestHandlerClass = type("Bound", (Handler,), {"web": web})
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield web
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def paragraphs(n: int, seed: int) -> list[str]:
    pool = seed_sentences()
    rng = random.Random(seed)
    return [" ".join(rng.sample(pool, 3)) for _ in range(n)]


def fetch_figures(web: LocalWeb, pages: int = 40) -> list[str]:
    lines = []
    for size in (6, 90):  # paragraphs: pages of about 6 KB and 60 KB
        urls = [
            web.add(f"/p{size}/{i}", news_page(f"Story {size} number {i}", paragraphs(size, i)))
            for i in range(pages)
        ]
        kb = len(web.routes[f"/p{size}/0"].body) / 1000
        with tempfile.TemporaryDirectory() as folder, Fetcher(max_bytes=50 * MB) as fetcher:
            began = time.perf_counter()
            for url in urls:
                fetcher.get(url)
            fetch_ms = (time.perf_counter() - began) / pages * 1000
            began = time.perf_counter()
            added = add_pages(urls, Path(folder), fetcher)
            add_ms = (time.perf_counter() - began) / pages * 1000
        assert len(added.saved) == pages, added.failed
        lines.append(f"| {kb:.0f} KB of HTML | {add_ms:.1f} ms | {fetch_ms:.1f} ms |")
    return [
        "| page | `assistant add`, per page (fetch, extract, save) | the fetch alone |",
        "|---|---|---|",
        *lines,
    ]


def refresh_figures(web: LocalWeb) -> list[str]:
    items = []
    for i in range(21):
        url = web.add(f"/news/{i}", news_page(f"Feed story {i}", paragraphs(8, 100 + i)))
        items.append((f"id-{i}", url, f"Feed story {i}"))
    body = feed_xml("Bench", items[1:]).encode()
    feed = web.add("/feed.xml", Reply(body, "application/rss+xml", headers={"ETag": '"v1"'}))
    rows = []
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        with Fetcher(max_bytes=50 * MB) as fetcher:
            follow(folder, feed, fetcher)

        def run(label: str) -> None:
            with Fetcher(max_bytes=50 * MB) as fetcher:
                began = time.perf_counter()
                [result] = Refresh(folder, fetcher, pacer=Pacer(0.0)).run()
                ms = (time.perf_counter() - began) * 1000
            saved = sum(s.changed for s in result.saved)
            rows.append(f"| {label} | {ms:.0f} ms | {result.requests} | {saved} |")

        run("first refresh, 20 new items")
        run("again, unchanged (ETag: 304)")
        body = feed_xml("Bench", items).encode()
        web.add("/feed.xml", Reply(body, "application/rss+xml", headers={"ETag": '"v2"'}))
        run("the feed has 1 new item")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        with Fetcher(max_bytes=50 * MB) as fetcher:
            for n in range(10):
                own = [
                    (f"{key}-{n}", web.add(f"/f{n}/{key}", web.routes[urlsplit(url).path]), name)
                    for key, url, name in items[1:]
                ]
                feed_n = Reply(feed_xml("Bench", own).encode(), "application/rss+xml",
                               headers={"ETag": f'"f{n}"'})  # fmt: skip
                follow(folder, web.add(f"/feeds/{n}.xml", feed_n), fetcher)
        for label in ("10 feeds, first refresh (20 items each)", "10 feeds, unchanged"):
            with Fetcher(max_bytes=50 * MB) as fetcher:
                began = time.perf_counter()
                results = Refresh(folder, fetcher, pacer=Pacer(0.0)).run()
                ms = (time.perf_counter() - began) * 1000
            requests = sum(r.requests for r in results)
            saved = sum(s.changed for r in results for s in r.saved)
            rows.append(f"| {label} | {ms:.0f} ms | {requests} | {saved} |")
    return ["| refresh | time | requests | pages saved |", "|---|---|---|---|", *rows]


def dedup_speed(n: int = 1000) -> list[str]:
    pool = seed_sentences()
    rng = random.Random(7)
    texts = ["\n\n".join(rng.sample(pool, 25)) for _ in range(n)]
    words = statistics.mean(len(t.split()) for t in texts)
    began = time.perf_counter()
    entries = {}
    for i, text in enumerate(texts):
        shown, count = sketch(text)
        entries[f"a{i}.txt"] = Entry(str(i), shown, count, len(text.split()))
    sketched = time.perf_counter() - began
    began = time.perf_counter()
    copies = group(entries)
    grouped = time.perf_counter() - began
    return [
        f"{n} articles of {words:.0f} words (recombined seed sentences): sketching "
        f"{sketched:.2f} s, grouping {grouped:.3f} s, {sketched + grouped:.2f} s in all "
        f"({(sketched + grouped) / n * 1000:.2f} ms an article); a later ingest keeps the "
        f"sketches of unchanged files, so it pays the grouping only. Grouped as copies: "
        f"{len(copies)} (they share sentences, not stories)."
    ]


def variants(paras: list[str], title: str, n: int) -> list[str]:
    """Three other sites' pages of one story, each with its headline and furniture."""
    middle = len(paras) // 2
    bodies = [
        paras,
        [f"RIVERTON (Wire) -- {paras[0]}", *paras[1:-1]] if len(paras) > 2 else paras,
        [*paras[:middle], *paras[middle + 1 :], "Reporting by the wire desk; editing by staff."],
    ]
    sites = ["Morning Post", "City Wire", "Daily Ledger"]
    return [
        news_page(f"{title} ({sites[k]} edition {n})", body, site=sites[k],
                  extra=f"<div class='promo'>Subscribe to {sites[k]} today</div>")
        for k, body in enumerate(bodies)
    ]  # fmt: skip


def dedup_precision() -> list[str]:
    originals = []
    for folder in (ROOT / "seeds", ROOT / "evals" / "corpus2"):
        articles, _ = load_corpus(folder)
        originals += [(a.source, a.text) for a in articles]
    entries: dict[str, Entry] = {}
    story: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as name:
        for n, (source, text) in enumerate(originals):
            paras = [p for p in text.split("\n") if len(p.split()) > 4]  # lines: PDFs, seeds
            for k, page in enumerate(variants(paras, f"Story {n}", n)):
                path = Path(name) / f"s{n}-copy{k}.html"
                copy = extract(path, page.encode()).text
                shown, count = sketch(copy)
                entries[path.name] = Entry("", shown, count, len(copy.split()))
                story[path.name] = n
            shown, count = sketch(text)
            entries[source] = Entry("", shown, count, len(text.split()))
            story[source] = n
    copies = group(entries)
    head = {s: copies.get(s, s) for s in entries}
    pairs = list(itertools.combinations(sorted(entries), 2))
    same = {(a, b) for a, b in pairs if story[a] == story[b]}
    found = {(a, b) for a, b in pairs if head[a] == head[b]}
    right = len(same & found)
    resemblances = [resemblance(entries[a].sketch, entries[b].sketch) for a, b in pairs]
    copies_r = [r for (a, b), r in zip(pairs, resemblances, strict=True) if (a, b) in same]
    others_r = [r for (a, b), r in zip(pairs, resemblances, strict=True) if (a, b) not in same]
    return [
        f"{len(originals)} stories x 4 copies (the original and three other sites' pages, "
        f"extracted by ingest's own extraction): {len(same)} pairs of copies, "
        f"{len(pairs) - len(same)} pairs of different stories on the same topics.",
        f"Pairs grouped: {len(found)}; precision {right / max(len(found), 1):.3f}, recall "
        f"{right / len(same):.3f} (threshold {THRESHOLD}).",
        f"Resemblance of copies: min {min(copies_r):.2f}, median "
        f"{statistics.median(copies_r):.2f}; of different stories: max {max(others_r):.2f}, "
        f"median {statistics.median(others_r):.3f}.",
    ]


def report() -> str:
    with local_web() as web:
        fetch = fetch_figures(web)
        refresh = refresh_figures(web)
    return "\n".join(
        [
            "# Web: fetch, refresh and dedup (python -m benchmarks.web)",
            "",
            "Against an HTTP server on 127.0.0.1 started by the benchmark: the assistant's "
            "own cost, no network's. Per-host delay 0 (the default is 1 s between two "
            "requests to one host).",
            "",
            "## Fetch",
            "",
            *fetch,
            "",
            "## Refresh",
            "",
            *refresh,
            "",
            "## Dedup (one story once)",
            "",
            *dedup_speed(),
            "",
            *dedup_precision(),
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.web", description=__doc__)
    parser.add_argument("--write", action="store_true", help=f"save the report as {REPORT}")
    args = parser.parse_args()
    text = report()
    print(text)
    if args.write:
        REPORT.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
