"""The chat page's "Articles" panel: what the folder holds, and adding or removing articles.

Why: a person's news arrives as pages saved from a browser or PDFs, and dropping
them on the page is how they expect to add them. An upload ingest would not read
(`ingest.rules.skip_reason`: a hidden name, another kind of file, over a size limit) is
refused with that reason; the others are copied into the folder the assistant answers
from and ingested at once, and "Added" is said only of a file ingest stored. Each
article is listed with its title, date and where the date came from. Removing one moves
the entry it names (a link as the link) into the folder's `.removed/` and takes its
chunks out of the store. A mistake is one line on the page (`alerts.py`). The page
redraws the list when another process changed the store (`ChatHandlers.notice`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.core import Assistant
from assistant.ingest.corpus import ARTICLE_SUFFIXES, Skipped
from assistant.ingest.dedup import stories_of
from assistant.ingest.folder import add_files, remove_file
from assistant.ingest.rules import skip_reason
from assistant.ingest.sync import IngestReport
from assistant.settings import Settings
from assistant.ui.alerts import shown_as_one_line

HEADERS = ["file", "title", "date (and where it came from)", "address"]
FEED_HEADERS = ["feed", "title", "last refresh", "pages saved", "what it did"]


def article_rows(assistant: Assistant) -> list[list[str]]:
    """One row per stored article: file, title, date (and where it came from), and the
    address it was fetched from (and, for a copy of a story, the copy that answers)."""
    stories = stories_of(assistant.store)
    copies = stories.copies()
    rows = []
    for a in assistant.store.articles():
        source = a["source"]
        address = stories.url(source)
        if source in copies:
            address += f" (same story as {copies[source]}, which answers)"
        rows.append([source, a["title"], a["date"], address.strip()])
    return rows


def feed_rows(folder: Path) -> list[list[str]]:
    """One row per feed the folder follows (`assistant follow`)."""
    from assistant.cli.web import shown_time
    from assistant.web.feeds import Registry

    return [
        [f.url, f.title, shown_time(f.refreshed_at) if f.refreshed_at else "never",
         str(f.saved), f.last_result]
        for f in Registry(folder).feeds
    ]  # fmt: skip


def upload_refusal(upload: Path, settings: Settings) -> str | None:
    """Why ingest would not read this upload, under its own name, or None (ingest's own
    rules: a hidden name, the kind of file, the size limits for its kind)."""
    return skip_reason(upload, settings)


class ArticleHandlers:
    """The panel's events, as plain methods over one `Assistant`.

    `exposed`: the UI listens beyond loopback, so an address a visitor types may not be on
    this machine's own network (loopback, private, link-local: `web/fetch.py`)."""

    def __init__(self, assistant: Assistant, exposed: bool = False) -> None:
        self.assistant = assistant
        self.exposed = exposed

    def rows(self) -> list[list[str]]:
        return article_rows(self.assistant)

    def sources(self) -> list[str]:
        return [row[0] for row in self.rows()]

    def upload(self, files: list[str] | None) -> tuple[str, list[list[str]], Any]:
        """Copy the uploads ingest would read into the folder, ingest, and say what became
        of each: "Added" only for a file ingest stored, else the reason it was not."""
        with shown_as_one_line("The articles were not added", "adding the articles"):
            settings = self.assistant.settings
            uploads = [Path(f) for f in files or []]
            refused, wanted = [], []
            for upload in uploads:
                reason = upload_refusal(upload, settings)
                refused += [Skipped(upload.name, reason)] if reason else []
                wanted += [] if reason else [upload]
            added = add_files(settings.folder, wanted, settings.max_file_mb)
            lines = [f"Not added {s.source}: {s.reason}." for s in [*refused, *added.refused]]
            if added.saved:
                report = self.assistant.ingest(progress=False)
                lines = [*self._saved(added.saved, report), *lines]
            return self._shown(lines or ["Nothing to add."])

    def add_addresses(self, text: str | None) -> tuple[str, list[list[str]], Any]:
        """Fetch each address typed (separated by spaces), save its page, and ingest."""
        from assistant.web.fetch import Fetcher, page_limit
        from assistant.web.pages import add_pages

        urls = (text or "").split()
        if not urls:
            return self._shown(["Type a web address (https://…) to add its page."])
        with shown_as_one_line("The pages were not added", "adding the pages"):
            settings = self.assistant.settings
            limit = page_limit(settings)
            with Fetcher(max_bytes=limit, allow_private=not self.exposed) as fetcher:
                added = add_pages(urls, settings.folder, fetcher)
            if any(saved.changed for saved in added.saved):
                self.assistant.ingest(progress=False)
            lines = [
                f"Added {s.name} from {s.url}." if s.changed
                else f"{s.name} is unchanged since it was saved from {s.url}."
                for s in added.saved
            ]  # fmt: skip
            return self._shown([*lines, *(f"Not added: {line}" for line in added.failed)])

    def remove(self, source: str | None) -> tuple[str, list[list[str]], Any]:
        """Move the named entry out of the folder (into `.removed/`; a link is moved as the
        link, its target stays) and out of the store."""
        if not source:
            return self._shown(["Pick an article to remove."])
        with shown_as_one_line("The article was not removed", "removing the article"):
            folder = self.assistant.settings.folder
            moved = remove_file(folder, source)
            self.assistant.ingest(progress=False)
            where = moved.relative_to(folder.resolve())
            said = f"Removed {source}: it is now {where} in {folder} (move it back to restore it)."
            return self._shown([said], unpick=True)  # nothing left picked to remove again

    def _saved(self, saved: list[str], report: IngestReport) -> list[str]:
        skipped = {s.source: s.reason for s in report.skipped}
        stored = {*report.added, *report.updated, *report.unchanged, *report.repaired}
        lines = []
        for name in saved:
            if name in skipped:
                lines.append(f"Copied {name}, but it gives no article: {skipped[name]}.")
            elif name in stored:
                lines.append(f"Added {name} ({report.dates.get(name, 'date unknown')}).")
            else:  # ingest passed it over without a reason: never "Added"
                lines.append(f"Copied {name}, but ingest did not read it.")
        return lines

    def _shown(self, lines: list[str], unpick: bool = False) -> tuple[str, list[list[str]], Any]:
        """The lines said, the rows, and the remove list's choices (emptied of its pick)."""
        rows = self.rows()
        pick = gr.update(choices=[row[0] for row in rows], **({"value": None} if unpick else {}))
        return "\n".join(f"- {line}" for line in lines), rows, pick


@dataclass
class ArticlesPanel:
    """The panel's components the page redraws, and its events that change the store."""

    table: Any  # gr.Dataframe
    pick: Any  # gr.Dropdown
    changes: list[Any]  # the upload and remove events


def articles_panel(assistant: Assistant, exposed: bool = False) -> ArticlesPanel:
    """The panel, laid out and wired inside the page's `gr.Blocks` (`exposed`: the UI
    listens beyond loopback)."""
    handlers = ArticleHandlers(assistant, exposed)
    folder = assistant.settings.folder
    with gr.Accordion(f"Articles in {folder}", open=False, elem_id="na-articles") as panel:
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
        with gr.Row():
            address = gr.Textbox(
                label="Add by address", placeholder="https://… (several: separate them by "
                "spaces)", scale=4, elem_id="na-address",
            )  # fmt: skip
            fetch = gr.Button("Add", scale=1, min_width=80, elem_id="na-add-address")
        feeds = gr.Dataframe(
            value=feed_rows(folder), headers=FEED_HEADERS, interactive=False, wrap=True,
            label="Feeds followed (assistant follow, assistant refresh)", elem_id="na-feeds",
        )  # fmt: skip
        said = gr.Markdown(elem_id="na-articles-said")
        shared: dict[str, Any] = {
            "outputs": [said, table, pick],
            "concurrency_id": "answer",  # never while an answer reads the store
            "api_visibility": "undocumented",
        }
        uploaded = uploads.upload(handlers.upload, inputs=[uploads], **shared)
        removed = remove.click(handlers.remove, inputs=[pick], **shared)
        typed = gr.on([fetch.click, address.submit], handlers.add_addresses, inputs=[address],
                      **shared)  # fmt: skip
        panel.expand(  # read again when opened: `assistant refresh` runs in another process
            lambda: feed_rows(folder), outputs=[feeds], concurrency_limit=None,
            show_progress="hidden", api_visibility="undocumented",
        )  # fmt: skip
    return ArticlesPanel(table, pick, [uploaded, removed, typed])
