"""The UI's Articles panel: uploads go through ingest's checks, removals lose nothing,
and an article that another process ingested is answered from without a restart."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.core import Assistant
from assistant.settings import Settings
from tests.test_ui import ScriptedChat, ask, last_reply

gr = pytest.importorskip("gradio")

from assistant.ui.articles import ArticleHandlers  # noqa: E402
from assistant.ui.handlers import ChatHandlers  # noqa: E402

ARTICLE = (
    "Harbour city opens its first tram line\n\nRIVERTON, March 4, 2025\n\n"
    "The first tram line of Riverton opened on Tuesday with 14 stops.\n"
)


@pytest.fixture
def handlers(make_settings, tmp_path: Path) -> ArticleHandlers:  # noqa: ANN001
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "tram.txt").write_text(ARTICLE, encoding="utf-8")
    return ArticleHandlers(Assistant(make_settings(source_dir=folder)))


def test_upload_adds_and_lists_with_the_date_and_refuses_with_the_reason(
    handlers: ArticleHandlers, tmp_path: Path
) -> None:
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "tram.txt").write_text(ARTICLE.replace("14 stops", "15 stops"), encoding="utf-8")
    (uploads / "slides.pptx").write_bytes(b"PK\x03\x04")
    (uploads / "empty.md").write_text("", encoding="utf-8")
    said, rows, _ = handlers.upload([str(p) for p in sorted(uploads.iterdir())])
    assert "Added tram (2).txt (2025-03-04, stated in the article (“March 4, 2025”))" in said
    assert "Not added slides.pptx: not a kind of file read as an article (.pptx)" in said
    assert "Copied empty.md, but it gives no article: empty file" in said
    assert [r[0] for r in rows] == ["tram (2).txt", "tram.txt"]  # the first kept as it was
    assert rows[1][1] == "Harbour city opens its first tram line"
    assert handlers.assistant.retriever.search  # the store changed: the retriever was refreshed
    found = handlers.assistant.retriever.retrieve("15 stops", top_k=1)
    assert found[0].source == "tram (2).txt"


def test_remove_moves_the_file_aside_and_out_of_the_store(handlers: ArticleHandlers) -> None:
    folder = handlers.assistant.settings.folder
    said, rows, _ = handlers.remove("tram.txt")
    assert rows == [] and not (folder / "tram.txt").exists()
    assert (folder / ".removed" / "tram.txt").read_text(encoding="utf-8") == ARTICLE
    assert "move it back to restore it" in said
    said, _, _ = handlers.remove(None)
    assert said == "- Pick an article to remove."


DEPOT = (
    "Riverton bus depot burns down\n\nRIVERTON, March 9, 2025\n\n"
    "The bus depot of Riverton burned down on Sunday, destroying 30 buses.\n"
)


def ingest_in_another_process(settings: Settings) -> None:
    """`assistant ingest` in a terminal, as a person would run it beside the open UI."""
    env = {
        **os.environ,
        "ASSISTANT_SOURCE_DIR": str(settings.folder),
        "ASSISTANT_PERSIST_DIR": str(settings.persist_dir),
        "ASSISTANT_MODEL_CACHE_DIR": str(settings.model_cache_dir),
    }
    command = [str(Path(sys.executable).with_name("assistant")), "ingest"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]


def test_an_ingest_by_another_process_is_answered_from_and_shown(
    make_settings,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "tram.txt").write_text(ARTICLE, encoding="utf-8")
    settings = make_settings(source_dir=folder)
    chat = ScriptedChat()
    handlers = ChatHandlers(Assistant(settings, chat_model=chat))
    built = handlers.assistant.store.revision  # what a page opened now shows
    assert handlers.notice(built) == (gr.skip(),) * 4
    assert handlers.assistant.refresh_if_changed() is False

    (folder / "depot.txt").write_text(DEPOT, encoding="utf-8")
    ingest_in_another_process(settings)

    chat.answer = "The Riverton bus depot burned down on Sunday [@depot]."
    updates, _ = ask(handlers, "When did the Riverton bus depot burn down?")
    final = last_reply(updates)
    assert '<span class="na-file">depot.txt</span>' in final and "Sunday" in final
    (answer,) = updates[-1][4]
    found = [c for c in answer.chunks if c.source == "depot.txt"]
    assert found and found[0].similarity is not None  # the vector index too, not only BM25
    status, rows, pick, shown = handlers.notice(built)  # the page redraws after the answer
    assert "**Articles:** 2 in" in status and [r[0] for r in rows] == ["depot.txt", "tram.txt"]
    assert pick["choices"] == ["depot.txt", "tram.txt"] and shown != built
    assert handlers.notice(shown) == (gr.skip(),) * 4  # and only once
    assert handlers.assistant.refresh_if_changed() is False
