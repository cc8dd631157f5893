"""The UI's Articles panel: uploads go through ingest's checks, removals lose nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.core import Assistant

pytest.importorskip("gradio")

from assistant.ui.articles import ArticleHandlers  # noqa: E402

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
