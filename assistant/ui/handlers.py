"""What the chat page's events do, as plain methods over one `Assistant`.

Why apart from the layout (app.py): the tests drive these without a browser, and
each is a step a reader sees: the question at once, then the passages being read,
the chosen quotes, the checked answer and its sources (or why it abstained); the
`/ask` endpoint's JSON; the conversation as a Markdown file; and a store that
another process changed (`assistant ingest` in a terminal) noticed and reloaded
before the next answer, with the status line and the Articles panel redrawn.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.core import Assistant, Found, Ranked
from assistant.errors import AssistantError
from assistant.schema import Answer, Evidence
from assistant.ui.alerts import shown_as_one_line
from assistant.ui.api import answer_json, evidence_json, ranked_json
from assistant.ui.articles import article_rows
from assistant.ui.render import (
    Message,
    answer_html,
    error_html,
    meta_html,
    pending_html,
    question_html,
    remember,
    status_markdown,
    streaming_html,
)
from assistant.ui.transcript import conversation_markdown, file_name

log = logging.getLogger(__name__)

BUSY = "The previous question is still being answered: wait for it, or press Clear."
KEPT_ANSWERS = 200  # per conversation, for the download

# what `respond` yields: the chat, the conversation for follow-ups, the busy flag,
# the pending question and the conversation's answers (for the download)
Update = tuple[Any, Any, Any, Any, Any]


@dataclass
class _Progress:
    """What the chat shows of an answer under way, as the stream's events arrive."""

    ranked: list[Evidence] = field(default_factory=list)
    found: list[Evidence] = field(default_factory=list)
    checked: str = ""

    def add(self, event: str | Ranked | Found) -> str:
        """Take one event; the bubble's HTML now."""
        if isinstance(event, Ranked):
            self.ranked = list(event)
        elif isinstance(event, Found):
            self.found = list(event)
        else:
            self.checked += event
        return streaming_html(self.checked, self.found, self.ranked)


class ChatHandlers:
    """What the page's events do, as plain methods over one `Assistant`."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.downloads = Path(tempfile.mkdtemp(prefix="news-assistant-"))
        weakref.finalize(self, shutil.rmtree, self.downloads, True)

    def read_article(self, source: str) -> str | None:
        """An article's text, decoded as at ingest so the citation offsets match."""
        return self.assistant.read_text(source)

    def submit(self, text: str, messages: list[dict[str, Any]], busy: bool) -> tuple[Any, ...]:
        """Show the question at once (the answer waits its turn in the queue).

        Returns the cleared textbox, the chat, the question to answer and the busy flag.
        While an answer is pending or being written, nothing changes.
        """
        if busy:
            gr.Warning(BUSY, title="Please wait")
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        text = text or ""
        shown = list(messages or [])
        if text.strip():
            shown.append({"role": "user", "content": question_html(text)})
        return "", shown, text, True

    def respond(
        self,
        question: str | None,
        messages: list[dict[str, Any]],
        history: list[Message],
        answers: list[Answer] | None = None,
    ) -> Iterator[Update]:
        """Stream the answer into the chat: the closest passages while the model reads
        them, the chosen quotes, the checked sentences, then the final answer and its
        sources (or why it abstained).

        Yields the chat, the conversation for follow-ups, the busy flag, the pending
        question (taken at once, so a second `respond` finds none) and the answers so
        far. Errors become a message in the chat; the conversation is left as it was.
        """
        if question is None:  # already taken, or asked while busy: change nothing
            yield (gr.skip(),) * 5
            return
        shown, history, answers = list(messages or []), list(history or []), list(answers or [])

        def update(content: str, busy: bool = True) -> Update:
            return [*shown, {"role": "assistant", "content": content}], history, busy, None, answers

        yield update(pending_html())
        try:
            answer, shown_so_far = None, _Progress()
            for event in self.assistant.stream(question, history or None):
                if isinstance(event, Answer):
                    answer = event
                else:
                    yield update(shown_so_far.add(event))
        except Exception as exc:  # every failure is shown; only bugs are logged in full
            if isinstance(exc, AssistantError):
                log.info("question failed: %s", exc)
            else:
                log.exception("question failed")
            yield update(error_html(exc), busy=False)
            return
        if answer is None:  # pragma: no cover - stream() always ends with an Answer
            raise AssertionError("stream() ended without an answer")
        history = remember(history, question, answer.text)
        answers = [*answers, answer][-KEPT_ANSWERS:]
        yield update(answer_html(answer, self.read_article) + meta_html(answer), busy=False)

    def ask(self, question: str) -> Iterator[dict[str, Any]]:
        """The `/ask` endpoint: the ranked passages, the chosen evidence, then the answer
        (see `ASK_API`). Errors reach the client as a `gr.Error` with the user-facing
        message; a bug's details stay in the server log."""
        with shown_as_one_line("The question was not answered", "answering"):
            for event in self.assistant.stream(question):
                if isinstance(event, Ranked):
                    yield ranked_json(question, event)
                elif isinstance(event, Found):
                    yield evidence_json(question, event)
                elif isinstance(event, Answer):
                    yield answer_json(event)

    def clear(self) -> tuple[list[Any], list[Message], None, bool, list[Answer], Any]:
        """Empty chat and conversation (a running or queued answer is cancelled)."""
        return [], [], None, False, [], self.download([])

    def save_markdown(self, answers: list[Answer]) -> Path | None:
        """The conversation as a Markdown file (None before the first answer)."""
        if not answers:
            return None
        folder = str(self.assistant.settings.folder)
        markdown = conversation_markdown(answers, folder)
        digest = hashlib.sha256(markdown.encode()).hexdigest()[:16]
        path = self.downloads / digest / file_name()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(markdown, encoding="utf-8")
        return path

    def download(self, answers: list[Answer]) -> Any:
        """The download button, holding the conversation so far (disabled when empty)."""
        path = self.save_markdown(answers or [])
        return gr.update(value=str(path) if path else None, interactive=path is not None)

    def notice(self, shown: str) -> tuple[Any, Any, Any, Any]:
        """Reload a store another process changed, and redraw the status line and the
        Articles panel when the store differs from what this page shows.

        `shown` is the store revision the page last drew; returns the status, the
        article rows, the remove list's choices and the revision now shown.
        """
        try:
            self.assistant.refresh_if_changed()
        except AssistantError as exc:  # the next answer shows it in the chat
            log.info("cannot reload the store: %s", exc)
        revision = self.assistant.store.revision
        if revision == shown:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        rows = article_rows(self.assistant)
        return self.status(), rows, gr.update(choices=[r[0] for r in rows]), revision

    def status(self) -> str:
        chat = self.assistant.chat
        articles = len(self.assistant.store.file_hashes())
        chunks, folder = self.assistant.store.count(), str(self.assistant.settings.folder)
        where = getattr(chat, "where", "")
        return status_markdown(chat.backend, chat.model, where, articles, chunks, folder)
