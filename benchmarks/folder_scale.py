"""A real folder's scale: 2,000 saved pages and text files, ingested for real, as distractors.

Why: a user's folder is thousands of articles, half of them pages saved from a
browser. This writes 2,000 articles of news length (1,000 `.html` pages with
navigation, ads, scripts, a cookie banner and comments around the body, and
1,000 `.txt` files with a headline and a dateline), made of recombined body
sentences of the second eval corpus (a tram line in an invented city: news
prose on another topic than the seeds), next to the five seed articles. Then:

- one `assistant ingest` of the whole folder in its own process: articles per
  second and peak RSS (real extraction, real MiniLM vectors, real Chroma writes);
- retrieval hit@3 of the seed eval's answerable questions, on the seeds alone and
  with the 2,000 distractors in the same store: what the distractors cost.

    python -m benchmarks.folder_scale [--articles 2000]   (about 10 minutes on 2 cores)

It prints the numbers and writes them to benchmarks/folder_scale.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

from benchmarks.measure import CACHE, ROOT, assistant_command, machine, run_child

TRUTH = ROOT / "evals" / "corpus2" / "extraction_truth.json"
RESULTS = ROOT / "benchmarks" / "folder_scale.md"
SENTENCES = 24  # about 600 words: a news story's length
PAGE = """<!doctype html><html><head><title>{title} | Harbour Courier</title>
<meta property="og:title" content="{title}">
<meta property="article:published_time" content="{date}T08:00:00+00:00">
<script>window.dataLayer=[];function track(e){{dataLayer.push(e)}}</script></head>
<body><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
<div class="cookie">We use cookies to improve your experience. Accept all cookies?</div>
<div class="ad">Advertisement: Spring sale on garden furniture, up to 40% off</div>
<article><h1>{title}</h1><p class="byline">By Staff Reporter</p>{body}</article>
<section class="comments"><h3>Comments</h3><p>Another waste of money, say I.</p></section>
<aside><h3>Most read</h3><ul><li><a href="/a">Council tax to rise</a></li></ul></aside>
<footer>Copyright Harbour Courier</footer></body></html>"""


def sentences() -> list[str]:
    """The second corpus's body sentences: news prose, not about the seeds' topic."""
    bodies = json.loads(TRUTH.read_text(encoding="utf-8"))
    found = []
    for page in bodies.values():
        for paragraph in page["body"]:
            found += [s for s in re.split(r"(?<=[.!?])\s+", paragraph) if len(s.split()) >= 8]
    return found


def write_folder(folder: Path, count: int) -> None:
    """The seeds and `count` distractors, alternately a saved page and a text file."""
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(ROOT / "seeds", folder)
    pool, rng = sentences(), random.Random(20250304)
    for n in range(count):
        picked = rng.sample(pool, SENTENCES)
        title = f"Harbour Line report {n}: {' '.join(picked[0].split()[:6])}"
        date = f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        if n % 2:
            body = "".join(f"<p>{s}</p>" for s in picked)
            page = PAGE.format(title=title, date=date, body=body)
            (folder / f"report-{n:04d}.html").write_text(page, encoding="utf-8")
        else:
            text = f"{title}\n\nPORTWICK, {date}\n\n" + "\n\n".join(picked) + "\n"
            (folder / f"report-{n:04d}.txt").write_text(text, encoding="utf-8")


def ingest(folder: Path, store: Path) -> dict[str, float]:
    """Seconds and peak RSS of one `assistant ingest` of the folder, in its own process."""
    env = {**os.environ, "ASSISTANT_PERSIST_DIR": str(store)}
    command = [assistant_command(), "ingest", "--source", str(folder)]
    run = run_child(command, env, 3 * 3600)
    chunks = re.search(r"(\d+) chunks embedded", run.stdout)
    if "chunks from" not in run.stdout:
        raise RuntimeError(f"ingest failed: {run.stderr[-2000:]}")
    return {"seconds": run.seconds, "peak_rss_mb": run.peak_rss_mb,
            "chunks": float(chunks.group(1)) if chunks else 0.0}  # fmt: skip


def hit_at_3(folder: Path, store: Path) -> tuple[float, int]:
    """Share of the seed eval's answerable questions with an expected file in the top 3."""
    from assistant.answering.retrieval import HybridRetriever
    from assistant.ingest.embeddings import build_embedder, fingerprint
    from assistant.ingest.store import ArticleStore
    from assistant.settings import Settings
    from evals.runner import load_questions

    settings = Settings(source_dir=folder, persist_dir=store)
    retriever = HybridRetriever(
        ArticleStore(settings, fingerprint(settings)), build_embedder(settings), settings
    )
    asked = [q for q in load_questions() if q.answerable and q.kind != "follow_up"]
    hits = 0
    for q in asked:
        top = [c.source for c in retriever.retrieve(q.question, top_k=3)]
        hits += any(s in q.sources for s in top)
    return hits / len(asked), len(asked)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.folder_scale")
    parser.add_argument("--articles", type=int, default=2000)
    args = parser.parse_args(argv)
    base = CACHE / "folder-scale"
    seeds_only, big = base / "seeds", base / "folder"
    shutil.rmtree(base, ignore_errors=True)
    shutil.copytree(ROOT / "seeds", seeds_only)
    write_folder(big, args.articles)
    alone = ingest(seeds_only, base / "store-seeds")
    run = ingest(big, base / "store-folder")
    hit_alone, n = hit_at_3(seeds_only, base / "store-seeds")
    hit_big, _ = hit_at_3(big, base / "store-folder")
    files = args.articles + 5
    lines = [
        f"# Ingest of a {files}-article folder ({args.articles // 2} saved pages, "
        f"{args.articles - args.articles // 2} text files, the 5 seeds)",
        "",
        f"Machine: {machine()}",
        "",
        "| figure | value |",
        "|---|---|",
        f"| articles per second | {files / run['seconds']:.1f} |",
        f"| ingest wall time | {run['seconds']:.0f} s ({run['chunks']:.0f} chunks embedded) |",
        f"| peak RSS of the ingest process | {run['peak_rss_mb']:.0f} MB "
        f"(the 5 seeds alone: {alone['peak_rss_mb']:.0f} MB) |",
        f"| seed eval hit@3, seeds alone | {hit_alone:.1%} of {n} questions |",
        f"| seed eval hit@3, with the {args.articles} distractors | {hit_big:.1%} |",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.write_text(text, encoding="utf-8")
    shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
