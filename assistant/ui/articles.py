"""The chat page's "Articles" panel: what the folder holds, and adding or removing articles.

Why: a person's news arrives as pages saved from a browser or PDFs, and dropping
them on the page is how they expect to add them. An upload goes through the same
checks as `assistant ingest` (`ingest/folder.py`: type, size, links), is copied into
the folder the assistant answers from and ingested at once; each article is listed
with its title, date and where the date came from. Removing one moves the file
into the folder's `.removed/` and takes its chunks out of the store. The page redraws
the list when another process changed the store (`ChatHandlers.notice`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.core import Assistant
from assistant.ingest.corpus import ARTICLE_SUFFIXES
from assistant.ingest.folder import add_files, remove_file
from assistant.ingest.sync import IngestReport

HEADERS = ["file", "title", "date (and where it came from)"]


def article_rows(assistant: Assistant) -> list[list[str]]:
    """One row per stored article: file, title, date (and where it came from)."""
    return [[a["source"], a["title"], a["date"]] for a in assistant.store.articles()]


class ArticleHandlers:
    """The panel's events, as plain methods over one `Assistant`."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant

    def rows(self) -> list[list[str]]:
        return article_rows(self.assistant)

    def sources(self) -> list[str]:
        return [row[0] for row in self.rows()]

    def upload(self, files: list[str] | None) -> tuple[str, list[list[str]], Any]:
        """Copy the uploads into the folder, ingest, and say what became of each."""
        settings = self.assistant.settings
        added = add_files(settings.folder, [Path(f) for f in files or []], settings.max_file_mb)
        lines = [f"Not added {s.source}: {s.reason}." for s in added.refused]
        if added.saved:
            report = self.assistant.ingest(progress=False)
            lines = [*self._saved(added.saved, report), *lines]
        return self._shown(lines or ["Nothing to add."])

    def remove(self, source: str | None) -> tuple[str, list[list[str]], Any]:
        """Move the article out of the folder (into `.removed/`) and out of the store."""
        if not source:
            return self._shown(["Pick an article to remove."])
        folder = self.assistant.settings.folder
        moved = remove_file(folder, source)
        self.assistant.ingest(progress=False)
        where = moved.relative_to(folder.resolve())
        return self._shown([f"Removed {source}: it is now {where} in {folder} (move it back "
                            "to restore it)."])  # fmt: skip

    def _saved(self, saved: list[str], report: IngestReport) -> list[str]:
        skipped = {s.source: s.reason for s in report.skipped}
        lines = []
        for name in saved:
            if name in skipped:
                lines.append(f"Copied {name}, but it gives no article: {skipped[name]}.")
            else:
                lines.append(f"Added {name} ({report.dates.get(name, 'date unknown')}).")
        return lines

    def _shown(self, lines: list[str]) -> tuple[str, list[list[str]], Any]:
        rows = self.rows()
        choices = [row[0] for row in rows]
        return "\n".join(f"- {line}" for line in lines), rows, gr.update(choices=choices)


@dataclass
class ArticlesPanel:
    """The panel's components the page redraws, and its events that change the store."""

    table: Any  # gr.Dataframe
    pick: Any  # gr.Dropdown
    changes: list[Any]  # the upload and remove events


def articles_panel(assistant: Assistant) -> ArticlesPanel:
    """The panel, laid out and wired inside the page's `gr.Blocks`."""
    handlers = ArticleHandlers(assistant)
    folder = assistant.settings.folder
    with gr.Accordion(f"Articles in {folder}", open=False, elem_id="na-articles"):
        table = gr.Dataframe(
            value=handlers.rows(), headers=HEADERS, interactive=False, wrap=True,
            elem_id="na-article-list",
        )  # fmt: skip
        with gr.Row():
            uploads = gr.File(
                file_count="multiple", file_types=list(ARTICLE_SUFFIXES),
                label="Add articles (.txt, .md, .html, .htm, .pdf)", elem_id="na-upload",
            )  # fmt: skip
            with gr.Column():
                pick = gr.Dropdown(handlers.sources(), label="Remove an article", value=None)
                remove = gr.Button("Remove", variant="stop", elem_id="na-remove")
        said = gr.Markdown(elem_id="na-articles-said")
        shared: dict[str, Any] = {
            "outputs": [said, table, pick],
            "concurrency_id": "answer",  # never while an answer reads the store
            "api_visibility": "undocumented",
        }
        uploaded = uploads.upload(handlers.upload, inputs=[uploads], **shared)
        removed = remove.click(handlers.remove, inputs=[pick], **shared)
    return ArticlesPanel(table, pick, [uploaded, removed])
