"""A person's own folder: its own store, the default once ingested, nothing sent away.

`assistant ingest --source DIR` makes DIR the folder `assistant ask`, `assistant ui`
and `Assistant()` answer from when no folder is named; the demo store is left as it
was; an exported OPENAI_API_KEY chooses nothing; every answer says what answered it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.ingest.store import list_stores, with_folder
from tests.conftest import SEEDS, settings_for

NEWS = (
    "Harbour city opens its first tram line\n\nRIVERTON, March 4, 2025\n\n"
    "The first tram line of Riverton opened on Tuesday with 14 stops between the ferry "
    "terminal and the university. Mayor Ilse Varga said 9,000 riders used it on the first day.\n"
)


@pytest.fixture
def news(tmp_path: Path) -> Path:
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "tram.txt").write_text(NEWS, encoding="utf-8")
    (folder / "notes.docx").write_bytes(b"PK\x03\x04 not an article")
    return folder


@pytest.fixture
def env(tmp_path: Path, model_cache: Path, small_gguf: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    """The user's environment: a data folder of their own and the small local model."""
    monkeypatch.setenv("ASSISTANT_PERSIST_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ASSISTANT_MODEL_CACHE_DIR", str(model_cache))
    monkeypatch.setenv("ASSISTANT_LOCAL_MODEL", str(small_gguf))
    return tmp_path / "data"


def test_ingest_makes_the_folder_the_default_and_leaves_the_demo_store(
    env: Path, news: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = tmp_path / "demo"
    shutil.copytree(SEEDS, demo)
    assert main(["ingest", "--source", str(demo)]) == 0
    assert main(["ingest", "--source", str(news)]) == 0
    out = capsys.readouterr().out
    assert "Skipped notes.docx: not a kind of file read as an article (.docx)" in out
    assert "now answer from this folder" in out
    stores = list_stores(settings_for(persist_dir=env))
    assert [s.folder for s in stores] == [str(news.resolve()), str(demo.resolve())]
    assert stores[1].chunks > stores[0].chunks  # the demo store kept its chunks
    assert with_folder(settings_for(persist_dir=env)).folder == news.resolve()
    assert main(["ingest", "--list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[1].startswith(f"* {news.resolve()}: ") and str(demo.resolve()) in listed[2]


def test_ask_without_a_folder_answers_from_the_one_ingested_and_says_who_answered(
    env: Path, news: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-anything")  # exported in the shell: chooses nothing
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    assert main(["ingest", "--source", str(news)]) == 0
    capsys.readouterr()
    assert main(["ask", "How many stops does the Riverton tram line have?"]) == 0
    out = capsys.readouterr().out
    assert f"Folder: {news.resolve()}" in out
    assert "Answered by: the local model SmolLM2" in out and "nothing was sent" in out
    if "Sources:" in out:  # the small model may abstain; a cited answer names the file
        assert "tram.txt" in out


def test_only_a_choice_made_for_the_assistant_picks_a_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from assistant.settings import Settings

    monkeypatch.setenv("OPENAI_API_KEY", "sk-anything")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    assert Settings().resolved_llm_backend == "local"
    assert Settings().api_key == "sk-anything"  # the key, once a server is chosen
    monkeypatch.setenv("ASSISTANT_OPENAI_MODEL", "gpt-4o-mini")
    assert Settings().resolved_llm_backend == "openai"
    monkeypatch.delenv("ASSISTANT_OPENAI_MODEL")
    monkeypatch.setenv("ASSISTANT_OPENAI_BASE_URL", "http://127.0.0.1:8080/v1")
    assert Settings().resolved_llm_backend == "openai"
    monkeypatch.setenv("ASSISTANT_LLM_BACKEND", "local")
    assert Settings().resolved_llm_backend == "local"


def test_show_prints_the_text_citations_index(
    env: Path, news: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    start = NEWS.index("The first tram")
    end = NEWS.index("university.") + len("university.")
    assert main(["show", "tram.txt", "--source-dir", str(news)]) == 0
    assert capsys.readouterr().out == NEWS
    shown = ["show", "tram.txt", "--source-dir", str(news), "--start", str(start)]
    assert main([*shown, "--end", str(end)]) == 0
    assert capsys.readouterr().out == NEWS[start:end] + "\n"
    assert main(["show", "missing.txt", "--source-dir", str(news)]) == 2
    assert "No readable article 'missing.txt'" in capsys.readouterr().err
    assert main(["show", "tram.txt", "--source-dir", str(news), "--end", "99999"]) == 2
    assert "not a slice of tram.txt" in capsys.readouterr().err


CORPUS2 = SEEDS.parent / "evals" / "corpus2"


@pytest.mark.parametrize(
    ("question", "suffix"),
    [
        ("How many passengers were stranded when the power failed?", ".html"),
        ("How many apprentices will the contractor recruit from the Portwick area?", ".pdf"),
    ],
)
def test_quotes_from_saved_pages_and_pdfs_are_checkable(
    make_settings,  # noqa: ANN001
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    question: str,
    suffix: str,
) -> None:
    from assistant.answering.selection import RankSelector
    from assistant.core import Assistant
    from tests.test_stages import Replying

    folder = tmp_path / "saved"
    shutil.copytree(CORPUS2, folder)
    settings = make_settings(source_dir=folder)
    assistant = Assistant(settings, chat_model=Replying("-"), selector=RankSelector())
    report = assistant.last_ingest
    assert report is not None and len(report.added) == 11
    assert {s.source for s in report.skipped} == {"extraction_truth.json", "make_pdfs.py"}
    answer = assistant.ask(question)
    assert answer.citations and answer.citations[0].source.endswith(suffix), answer.text
    for c in answer.citations:
        assert assistant.article_text(c.source)[c.start : c.end] == c.quote
        argv = ["show", c.source, "--start", str(c.start), "--end", str(c.end)]
        argv += ["--source-dir", str(folder), "--persist-dir", str(settings.persist_dir)]
        assert main(argv) == 0
        assert capsys.readouterr().out == c.quote + "\n"
    assert "<" not in assistant.article_text(answer.citations[0].source)  # text, not markup


def test_a_saved_page_is_dated_by_its_metadata_not_its_update(tmp_path: Path) -> None:
    from assistant.ingest.corpus import load_corpus

    articles, _ = load_corpus(CORPUS2, texts=tmp_path)
    by_name = {a.source: a for a in articles}
    failure = by_name["harbour_line_power_failure.html"]
    assert failure.date == "2025-09-15"
    assert failure.date_basis == (
        "2025-09-15, stated in the page's metadata (article:published_time)"
    )
    assert [n.reading for n in failure.dates][:1] == ["Wednesday, September 10, 2025"]
    assert by_name["harbour_line_fares_courier.pdf"].date == "2025-06-12"
    kept = sorted(p.name for p in tmp_path.iterdir())
    assert len(kept) == 9 and all(name.endswith(".txt") for name in kept)  # 7 pages, 2 PDFs
