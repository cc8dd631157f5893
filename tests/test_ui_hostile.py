"""The Articles panel with a careless or hostile user: what ingest would not read is
refused with the reason (never "Added"), Remove moves the entry it names (a link, not
its target), and a mistake such as removing an article twice is one readable line on
the page (a `gr.Error`), never a bare "Error" or a traceback in the server log.

Real parts: the folder and files are made here, ingest and the store are real, and the
last test drives a launched page through `gradio_client` on 127.0.0.1.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from assistant.core import Assistant
from tests.conftest import free_port
from tests.test_ui import ScriptedChat

gr = pytest.importorskip("gradio")
gradio_client = pytest.importorskip("gradio_client")

from assistant.ui import app as ui  # noqa: E402
from assistant.ui import articles  # noqa: E402
from assistant.ui.articles import ArticleHandlers  # noqa: E402

ARTICLE = (
    "Harbour city opens its first tram line\n\nRIVERTON, March 4, 2025\n\n"
    "The first tram line of Riverton opened on Tuesday with 14 stops.\n"
)
DUP = (
    "Riverton bus depot burns down\n\nRIVERTON, March 9, 2025\n\n"
    "The bus depot of Riverton burned down on Sunday, destroying 30 buses.\n"
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "tram.txt").write_text(ARTICLE, encoding="utf-8")
    (folder / "dup.txt").write_text(DUP, encoding="utf-8")
    os.symlink("dup.txt", folder / "alias.txt")  # a link to another article of the folder
    return folder


@pytest.fixture
def handlers(make_settings, folder: Path) -> ArticleHandlers:  # noqa: ANN001
    settings = make_settings(source_dir=folder, max_file_mb=2, max_html_mb=1)
    return ArticleHandlers(Assistant(settings))


def uploads(tmp_path: Path, files: dict[str, str | bytes]) -> list[str]:
    where = tmp_path / "uploads"
    where.mkdir(exist_ok=True)
    for name, content in files.items():
        path = where / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return [str(where / name) for name in files]


# --- uploads ------------------------------------------------------------------


def test_an_upload_ingest_would_not_read_is_refused_with_the_reason(
    handlers: ArticleHandlers, folder: Path, tmp_path: Path
) -> None:
    sent = {
        ".draft.txt": ARTICLE.replace("14 stops", "16 stops"),  # hidden: ingest skips it
        "notes.docx": b"PK\x03\x04",
        "big.txt": "word " * 460_000,  # 2.3 MB, over max_file_mb = 2
        "big.html": "<p>word</p>\n" * 110_000,  # 1.3 MB, over max_html_mb = 1
        "ok.txt": ARTICLE.replace("14 stops", "15 stops"),
    }
    said, rows, _ = handlers.upload(uploads(tmp_path, sent))
    lines = said.splitlines()
    assert (
        "- Not added .draft.txt: a hidden name (starting with a dot): ingest does not read "
        "hidden files." in lines
    )
    assert any(line.startswith("- Not added notes.docx: not a kind of file") for line in lines)
    assert (
        "- Not added big.txt: the file is 2.3 MB; the limit is 2 MB (setting max_file_mb)." in lines
    )
    assert (
        "- Not added big.html: the file is 1.3 MB; the limit for saved pages is 1 MB "
        "(setting max_html_mb)." in lines
    )
    assert [line for line in lines if "Added" in line] == [
        "- Added ok.txt (2025-03-04, stated in the article (“March 4, 2025”))."
    ]
    assert sorted(p.name for p in folder.iterdir()) == [
        "alias.txt",
        "dup.txt",
        "ok.txt",
        "tram.txt",
    ]
    assert "ok.txt" in [r[0] for r in rows]


def test_added_is_said_only_of_what_ingest_stored(
    handlers: ArticleHandlers, folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should a check before the copy miss a rule of ingest, the panel still says what
    ingest did with the file, never "Added"."""
    monkeypatch.setattr(articles, "upload_refusal", lambda upload, settings: None)
    said, rows, _ = handlers.upload(uploads(tmp_path, {".draft.txt": ARTICLE}))
    assert said == "- Copied .draft.txt, but ingest did not read it."
    assert ".draft.txt" not in [r[0] for r in rows]


# --- removing -----------------------------------------------------------------


def test_removing_a_link_moves_the_link_not_its_target(
    handlers: ArticleHandlers, folder: Path
) -> None:
    assert {"alias.txt", "dup.txt"} <= set(handlers.sources())
    said, rows, _ = handlers.remove("alias.txt")
    assert said.startswith("- Removed alias.txt: it is now .removed/alias.txt in ")
    moved = folder / ".removed" / "alias.txt"
    assert moved.is_symlink() and os.readlink(moved) == "dup.txt"  # the link itself
    assert not (folder / "alias.txt").exists() and not (folder / "alias.txt").is_symlink()
    assert (folder / "dup.txt").read_text(encoding="utf-8") == DUP  # the target stays
    assert [r[0] for r in rows] == ["dup.txt", "tram.txt"]


def test_removing_an_article_twice_is_one_readable_line(
    handlers: ArticleHandlers, folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    handlers.remove("tram.txt")
    with caplog.at_level(logging.INFO), pytest.raises(gr.Error) as caught:
        handlers.remove("tram.txt")
    error = caught.value
    assert error.message == f"No article 'tram.txt' in {folder} to remove."
    assert error.title == "The article was not removed" and not error.print_exception
    assert [r for r in caplog.records if r.exc_info] == []  # no traceback logged
    with pytest.raises(gr.Error, match="No article '../tram.txt'"):
        handlers.remove("../tram.txt")  # nothing outside the folder is touched


def test_a_failed_upload_is_one_readable_line(
    handlers: ArticleHandlers, folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug (here, a copy that fails) is one generic line; its traceback stays in the log."""

    def broken(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("assistant.ingest.folder.shutil.copyfile", broken)
    with pytest.raises(gr.Error) as caught:
        handlers.upload(uploads(tmp_path, {"ok.txt": ARTICLE}))
    assert caught.value.message == (
        "Something went wrong while adding the articles (OSError). The details are in the "
        "server log; please try again."
    )


# --- through the page ---------------------------------------------------------


def test_the_page_shows_the_message_and_logs_no_traceback(
    make_settings, folder: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """Two pages open on one folder: the second removes what the first already did (its
    list still offers it). Before, that page showed a bare "Error" and the server log a
    traceback; now the message, and no traceback."""
    settings = make_settings(source_dir=folder, ui_port=free_port())
    assistant = Assistant(settings, chat_model=ScriptedChat())
    app = ui.launch(assistant, prevent_thread_lock=True, quiet=True)
    url = f"http://127.0.0.1:{settings.ui_port}"
    try:
        first, second = (gradio_client.Client(url, verbose=False) for _ in range(2))
        said, _, pick = first.predict("tram.txt", api_name="/remove")
        capfd.readouterr()
        with pytest.raises(Exception, match="No article 'tram.txt' in .* to remove.") as caught:
            second.predict("tram.txt", api_name="/remove")
    finally:
        app.close()
    assert str(caught.value).strip() not in ("Error", "None", "")
    assert "Traceback" not in capfd.readouterr().err
    assert said.startswith("- Removed tram.txt")
    assert pick.get("value", "kept") is None  # the first page has nothing left picked
