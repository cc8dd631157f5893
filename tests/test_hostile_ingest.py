"""A hostile or careless folder: ingest stays bounded, one bad file never stops it,
and nothing from a file reaches the terminal raw (issue 34, items 1-4, 10-12).

Every file is generated here. The slow library cases (a page that takes seconds, a
PDF bomb) carry a pytest timeout: without the limits they ran for minutes.
"""

from __future__ import annotations

import datetime
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.cli.printing import print_answer
from assistant.errors import CorpusUnavailable
from assistant.ingest.corpus import Article, Skipped, load_corpus, text_reader
from assistant.ingest.embeddings import build_embedder, fingerprint, token_counter
from assistant.ingest.rules import Limits, skip_reason
from assistant.ingest.store import ArticleStore
from assistant.ingest.sync import SKIPS_LISTED, IngestReport, ingest
from assistant.schema import Answer, Citation, Evidence
from assistant.settings import Settings
from benchmarks.hostile_files import menus_page, shared_stream_pdf
from tests.conftest import settings_for

ARTICLE = (
    "Quay reopens after repairs\n\n"
    "Port Aldridge, May 19, 2023\n\n"
    "The harbour authority said crews had repaired the damaged berth and reopened "
    "the quay to container ships after three weeks of work.\n"
)
PARAGRAPHS = "".join(
    f"<p>The harbour authority said on Tuesday that crews had repaired berth {n} and "
    "reopened the quay to container ships after three weeks of work.</p>"
    for n in range(3)
)


def page(published: str = "", *json_ld: str, title: str = "Quay reopens") -> str:
    """A small saved news page with these publication dates in its metadata."""
    meta = f"<meta property='article:published_time' content='{published}'>" if published else ""
    scripts = "".join(
        '<script type="application/ld+json">'
        f'{{"@type": "NewsArticle", "headline": "{title}", "datePublished": "{day}"}}</script>'
        for day in json_ld
    )
    return (
        f"<html><head><title>{title}</title>{meta}{scripts}</head><body><article>"
        f"<h1>{title}</h1>{PARAGRAPHS}</article></body></html>"
    )


@pytest.fixture(scope="module")
def embedder(model_cache: Path):  # one model load for the module
    return build_embedder(settings_for(model_cache_dir=model_cache))


def run_ingest(settings: Settings, embedder) -> tuple[IngestReport, ArticleStore]:
    store = ArticleStore(settings, fingerprint(settings))
    report = ingest(settings, store, embedder, token_counter(settings), progress=False)
    return report, store


def skips(report: IngestReport) -> dict[str, str]:
    return {s.source: s.reason for s in report.skipped}


def read(folder: Path, **limits: float) -> tuple[dict[str, Article], dict[str, str]]:
    """The folder's articles and skips, read as ingest reads them (worker included)."""
    from assistant.ingest.corpus import iter_corpus

    articles, skipped = {}, {}
    for item in iter_corpus(folder, limits=Limits(**limits)):  # type: ignore[arg-type]
        if isinstance(item, Skipped):
            skipped[item.source] = item.reason
        else:
            articles[item.source] = item
    return articles, skipped


# --- 1, 2: every file within a size, time and memory budget -------------------------


def test_a_saved_page_over_its_size_limit_is_skipped_naming_the_setting(tmp_path: Path) -> None:
    (tmp_path / "big.html").write_bytes(menus_page(1.5))
    (tmp_path / "big.txt").write_text(ARTICLE + "More words. " * 130_000)  # 1.6 MB of text
    articles, skipped = read(tmp_path, max_html_mb=1, max_file_mb=2)
    assert skipped == {
        "big.html": "the file is 1.5 MB; the limit for saved pages is 1 MB (setting max_html_mb)"
    }
    assert list(articles) == ["big.txt"]  # text has its own, higher limit


@pytest.mark.timeout(120)
def test_a_page_that_takes_longer_than_its_time_budget_is_stopped_and_the_rest_read(
    tmp_path: Path,
) -> None:
    (tmp_path / "a_menus.html").write_bytes(menus_page(4))  # several seconds of trafilatura
    (tmp_path / "b_news.html").write_text(page("2024-03-05"))
    (tmp_path / "c_note.txt").write_text(ARTICLE)
    articles, skipped = read(tmp_path, extract_timeout_s=1)
    assert skipped == {
        "a_menus.html": "reading it took longer than 1 s (setting extract_timeout_s)"
    }
    assert sorted(articles) == ["b_news.html", "c_note.txt"]  # a new worker read the page
    assert articles["b_news.html"].title == "Quay reopens"


@pytest.mark.timeout(120)
def test_a_page_that_needs_more_memory_than_its_budget_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "a_menus.html").write_bytes(menus_page(5))  # about 400 MB to extract
    (tmp_path / "b_news.html").write_text(page("2024-03-05"))
    articles, skipped = read(tmp_path, extract_memory_mb=256)
    assert skipped == {
        "a_menus.html": "reading it needs more than 256 MB of memory (setting extract_memory_mb)"
    }
    assert list(articles) == ["b_news.html"]


@pytest.mark.timeout(120)
def test_a_pdf_bomb_is_refused_by_what_its_pages_inflate_to(tmp_path: Path) -> None:
    # 40 pages share one stream of 70 MB (a file of 190 KB): pypdf's per-stream cap
    # let it through, and extracting it ran for more than ten minutes
    (tmp_path / "bomb.pdf").write_bytes(shared_stream_pdf(40, 70))
    # each page's 3 MB is under any cap; all of them are not
    (tmp_path / "shared.pdf").write_bytes(shared_stream_pdf(40, 3))
    (tmp_path / "small.pdf").write_bytes(shared_stream_pdf(2, 0.05))
    articles, skipped = read(tmp_path)
    assert skipped == {
        "bomb.pdf": "a stream of the PDF inflates to more than 10 MB, the limit "
        "(setting max_pdf_inflated_mb)",
        "shared.pdf": "the PDF's pages inflate to 12 MB by page 4 of 40; the limit is 10 MB "
        "(setting max_pdf_inflated_mb)",
    }
    assert articles["small.pdf"].text.startswith("Quay reopens after repairs.")


def test_a_pdf_with_more_pages_than_its_limit_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "long.pdf").write_bytes(shared_stream_pdf(30, 0.001))
    _, skipped = read(tmp_path, max_pdf_pages=20)
    assert skipped == {"long.pdf": "the PDF has 30 pages; the limit is 20 (setting max_pdf_pages)"}


def test_the_limits_are_settings_with_bounds() -> None:
    settings = settings_for(extract_timeout_s=5, max_pdf_pages=10)
    assert Limits.of(settings).extract_timeout_s == 5 and Limits.of(settings).max_pdf_pages == 10
    for name, bad in (("extract_memory_mb", 10), ("extract_timeout_s", 0), ("max_html_mb", 0)):
        with pytest.raises(ValueError, match=name):
            settings_for(**{name: bad})


# --- 3, 4: one bad file never stops an ingest -----------------------------------------


def test_a_file_name_that_is_not_utf8_is_a_listed_skip_and_the_rest_is_ingested(
    make_settings, embedder, corpus: Path
) -> None:
    (corpus / os.fsdecode(b"caf\xe9.txt")).write_text(ARTICLE)
    report, store = run_ingest(make_settings(), embedder)
    assert skips(report) == {"caf\\xe9.txt": "the name is not UTF-8 (rename the file)"}
    assert len(report.added) == 5 and len(store.files()) == 5
    report.summary().encode("utf-8")  # printable: no lone surrogates


def test_implausible_metadata_dates_do_not_stop_an_ingest(
    make_settings, embedder, corpus: Path
) -> None:
    (corpus / "far.html").write_text(page("9999-12-31"))
    (corpus / "early.html").write_text(page("0001-01-01"))
    report, store = run_ingest(make_settings(), embedder)
    assert report.skipped == [] and {"far.html", "early.html"} <= set(report.added)
    basis = report.dates["far.html"]
    assert basis.startswith("unknown") and "ignored 9999-12-31" in basis
    assert "not a plausible publication date" in report.dates["early.html"]


def test_dates_out_of_range_conflicting_or_in_the_future_are_said(tmp_path: Path) -> None:
    today = datetime.date.today()
    ahead = (today + datetime.timedelta(days=30)).isoformat()
    (tmp_path / "a.html").write_text(page("9999-12-31", "2023-05-19"))
    (tmp_path / "b.html").write_text(page("", "2023-05-19", "2023-05-21"))
    (tmp_path / "c.html").write_text(page(ahead))
    (tmp_path / "d.html").write_text(page("2099-01-01"))
    articles, _ = read(tmp_path)
    a, b, c, d = (articles[f"{x}.html"] for x in "abcd")
    assert a.date == "2023-05-19" and "ignored 9999-12-31 from the page's metadata" in a.date_basis
    assert b.date == "2023-05-19"  # the first, and the other is said
    assert b.date_basis == (
        "2023-05-19, stated in JSON-LD datePublished (NewsArticle); the page also states "
        "2023-05-21 (JSON-LD datePublished (NewsArticle))"
    )
    assert c.date == ahead and f"a date after today ({today.isoformat()})" in c.date_basis
    assert d.date is None and "ignored 2099-01-01" in d.date_basis


def test_a_dateline_that_cannot_be_a_publication_date_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(ARTICLE.replace("May 19, 2023", "May 19, 2099"))
    [article], _ = load_corpus(tmp_path)
    assert article.date is None
    assert "“May 19, 2099”, which cannot be its publication date" in article.date_basis
    assert article.dates is not None  # resolving against it does not fail either


# --- 10, 11, 12: show, the terminal, the store inside the folder ---------------------


@pytest.mark.timeout(60)
def test_show_refuses_a_fifo_at_once(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    os.mkfifo(corpus / "pipe.txt")  # nothing ever writes to it: reading it would block
    argv = ["show", "pipe.txt", "--source-dir", str(corpus), "--persist-dir", str(tmp_path)]
    assert main(argv) == 2
    assert "'pipe.txt' in " in (err := capsys.readouterr().err)
    assert "is a FIFO (named pipe), not a regular file: it is not an article." in err
    assert text_reader(corpus)("pipe.txt") is None
    _, skipped = read(corpus)
    assert skipped == {"pipe.txt": "a FIFO (named pipe), not a regular file"}


TRAP = "\x1b]0;pwned\x07\x1b[2J"  # retitles the terminal, then clears it


def test_control_characters_from_articles_never_reach_the_terminal(
    tmp_path: Path, corpus: Path, model_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = f"trap{TRAP}.txt"
    (corpus / name).write_text(f"Quay {TRAP}reopens after repairs\n\n{ARTICLE}")
    store = tmp_path / "store"
    argv = ["--source-dir", str(corpus), "--persist-dir", str(store)]
    argv += ["--model-cache-dir", str(model_cache)]
    assert main(["ingest", *argv]) == 0
    out = capsys.readouterr().out
    assert "trap␛]0;pwned␇␛[2J.txt" in out and "\x1b" not in out and "\x07" not in out
    assert main(["show", name, *argv[:4]]) == 0
    shown = capsys.readouterr().out
    text = text_reader(corpus)(name) or ""
    assert "\x1b" not in shown and len(shown) == len(text)  # offsets still index it
    cited = Citation(number=1, source=name, quote=TRAP, start=5, end=17, title=f"Quay {TRAP}")
    evidence = Evidence(source=name, start=5, end=17, text=f"the {TRAP} quay")
    for answer in (
        Answer(question="q", standalone_question=f"q{TRAP}", text=f"Reopened{TRAP} [1].",
               citations=[cited], backend="local", model="m", prompt="p"),
        Answer(question="q", standalone_question="q", text="The articles don't say.",
               abstained=True, evidence=[evidence], backend="local", model="m", prompt="p"),
    ):  # fmt: skip
        print_answer(answer, corpus)
        printed = capsys.readouterr().out
        assert "\x1b" not in printed and "\x07" not in printed and "␛" in printed


def test_a_store_inside_the_article_folder_is_never_read_as_articles(
    make_settings, embedder, corpus: Path
) -> None:
    (corpus / "news.html").write_text(page("2024-03-05"))  # its text is kept in the store
    settings = make_settings(persist_dir=corpus / "store")
    run_ingest(settings, embedder)
    assert list((corpus / "store" / "texts").glob("*.txt"))
    report, store = run_ingest(settings, embedder)
    assert not report.changed and report.skipped == [] and report.left_out == ["store"]
    assert all(not s.startswith("store/") for s in store.files())
    assert "Left out store/: the assistant's own store, not articles." in report.summary()
    with pytest.raises(CorpusUnavailable, match="is the article folder itself"):
        run_ingest(make_settings(persist_dir=corpus), embedder)


# --- also seen: many skips, UTF-16 and byte order marks, a read-only store -----------


def test_ten_thousand_empty_files_make_a_summary_line_not_ten_thousand(
    make_settings, embedder, corpus: Path, caplog: pytest.LogCaptureFixture
) -> None:
    for n in range(10_000):
        (corpus / f"empty{n:05d}.txt").touch()
    (corpus / "notes.docx").write_bytes(b"PK")
    with caplog.at_level(logging.WARNING):
        report, _ = run_ingest(make_settings(), embedder)
    lines = report.summary().splitlines()
    assert len(report.skipped) == 10_001 and len(lines) < SKIPS_LISTED + 20
    assert lines[-1] == (
        "Skipped 9971 more files: 9970 empty file; 1 not a kind of file read as an article "
        "(.docx): .txt, .md, .html, .htm, .pdf are."
    )
    warned = [r for r in caplog.records if r.name == "assistant.ingest.sync"]
    assert len(warned) == SKIPS_LISTED + 1


def test_utf16_and_byte_order_marked_text_is_decoded(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(ARTICLE.encode("utf-16"))  # with its byte order mark
    (tmp_path / "b.md").write_bytes(b"\xef\xbb\xbf# Quay reopens\n\n" + ARTICLE.encode())
    (tmp_path / "c.txt").write_bytes(ARTICLE.encode("utf-16-le"))  # no mark: cannot be told
    (tmp_path / "d.txt").write_bytes(bytes(range(256)) * 4)
    articles, skipped = load_corpus(tmp_path)
    a, b = articles
    assert a.text == ARTICLE and a.title == "Quay reopens after repairs"
    assert a.date == "2023-05-19"
    assert b.text == "\ufeff# Quay reopens\n\n" + ARTICLE  # as open(path).read() gives it
    assert b.title == "Quay reopens"
    assert text_reader(tmp_path)("a.txt") == a.text  # what citations index
    assert {s.source: s.reason for s in skipped} == {
        "c.txt": "UTF-16 text without a byte order mark: save it as UTF-8",
        "d.txt": "binary file (contains NUL bytes)",
    }


def without_write_access() -> list[str]:
    """A command prefix that runs without the right to write files whose mode forbids it
    (root ignores the mode: its capabilities are dropped)."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: cannot make a store read-only")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner"]


def test_a_read_only_store_still_answers_and_lists(make_settings, embedder, tmp_path: Path) -> None:
    settings = make_settings()
    run_ingest(settings, embedder)
    ArticleStore(settings, fingerprint(settings)).mark_current()
    store = settings.persist_dir
    modes = {p: p.stat().st_mode for p in [store, *store.rglob("*")]}
    env = {
        **os.environ,
        "ASSISTANT_PERSIST_DIR": str(store),
        "ASSISTANT_MODEL_CACHE_DIR": str(settings.model_cache_dir),
        "ASSISTANT_N_THREADS": "1",
    }
    assistant = [*without_write_access(), sys.executable, "-m", "assistant.cli"]
    try:
        for path in modes:
            path.chmod(path.stat().st_mode & ~0o222)
        listed = subprocess.run([*assistant, "ingest", "--list"], env=env, capture_output=True,
                                text=True, timeout=300)  # fmt: skip
        asked = subprocess.run([*assistant, "ask", "Is there a recipe for banana bread?"],
                               env=env, capture_output=True, text=True, timeout=300)  # fmt: skip
        again = subprocess.run([*assistant, "ingest"], env=env, capture_output=True, text=True,
                               timeout=300)  # fmt: skip
    finally:
        for path, mode in modes.items():
            path.chmod(mode)
    assert listed.returncode == 0, listed.stderr
    assert f"* {settings.source_dir}: 48 chunks" in listed.stdout
    assert "is read-only: reading a copy of it" in listed.stderr
    assert asked.returncode == 0, asked.stderr
    assert asked.stdout.startswith("The articles don't say.")
    assert again.returncode == 2 and "is read-only: ingest cannot update it" in again.stderr


# --- the function the chat page's uploads use ----------------------------------------


def test_skip_reason_says_why_ingest_would_not_read_a_file(tmp_path: Path) -> None:
    files = {
        ".draft.txt": ARTICLE.encode(),
        "notes.docx": b"PK",
        "big.html": menus_page(1.2),
        "fine.txt": ARTICLE.encode(),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    os.mkfifo(tmp_path / "pipe.txt")
    settings = settings_for(max_html_mb=1)
    said = {name: skip_reason(tmp_path / name, settings) for name in [*files, "pipe.txt"]}
    assert said == {
        ".draft.txt": "a hidden name (starting with a dot): ingest does not read hidden files",
        "notes.docx": "not a kind of file read as an article (.docx): .txt, .md, .html, .htm, "
        ".pdf are",
        "big.html": "the file is 1.2 MB; the limit for saved pages is 1 MB (setting max_html_mb)",
        "fine.txt": None,
        "pipe.txt": "a FIFO (named pipe), not a regular file",
    }
