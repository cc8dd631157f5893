"""The web chat UI (`assistant ui`): ask questions, read cited answers, check the quotes.

Gradio serves the page on 127.0.0.1 unless another interface is chosen, with no
share link, no analytics and nothing loaded from a CDN. About a second after a
question, the closest passages show in a "Reading" state (not an answer); the
quotes the model chose replace them; then the checked answer (unchecked text is
never shown) and its sources, or why it abstained. The conversation can be
downloaded as Markdown with its quotes, files and offsets.
Gradio's queue lets several people use the page at once: answers wait their turn
(`ui_concurrency` at a time, one for the local model) while the page stays live.

This module lays the page out and wires its events; what they do is `ChatHandlers`
(handlers.py), plain Python that the tests drive without a browser; render.py makes
the HTML. One endpoint is documented for programs ("Use via API" in the footer):
`/ask` (api.py), a question in, JSON out, in the same queue as the chat's answers.
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from typing import Any

from assistant.core import Assistant
from assistant.errors import MissingExtra

try:
    import gradio as gr
except ImportError:  # pragma: no cover - depends on the installed extras
    raise MissingExtra("The web UI", "ui") from None

from assistant.ui.api import ASK_API
from assistant.ui.articles import ArticlesPanel, articles_panel
from assistant.ui.handlers import BUSY, ChatHandlers
from assistant.ui.render import parse_auth

__all__ = ["ASK_API", "BUSY", "CSS", "ChatHandlers", "build_app", "is_loopback", "launch"]

log = logging.getLogger(__name__)

EXAMPLES = [
    "Where did Biden and Kishida meet a day before the G7 summit?",
    "What did Japan and the US agree on chips?",
    "What did Japan say about hi-tech exports to China?",
    "Why did Biden cut his trip to Asia short?",
]
NOTICE_S = 20  # how often an open page looks for a store changed by another process

CSS = """
.na-answer { line-height: 1.55; }
.na-streaming { opacity: .85; }
.na-pending { color: var(--body-text-color-subdued); font-style: italic; }
.na-searched { font-size: .85em; color: var(--body-text-color-subdued); margin-bottom: .35em; }
.na-error { color: var(--error-text-color, #b91c1c); }
.na-meta { font-size: .75em; color: var(--body-text-color-subdued); margin-top: .5em; }
.na-found { margin-bottom: .6em; font-size: .9em; }
.na-found-quote { margin: .3em 0; padding-left: .6em; border-left: 3px solid var(--color-accent); }
.na-sources { margin-top: .8em; padding-top: .4em;
  border-top: 1px solid var(--border-color-primary); }
.na-sources-title { font-size: .8em; font-weight: 600; letter-spacing: .05em;
  text-transform: uppercase; color: var(--body-text-color-subdued); }
.na-source { margin: .5em 0; padding: .45em .7em; font-size: .9em; border-radius: 4px;
  border-left: 3px solid var(--color-accent); background: var(--background-fill-secondary); }
.na-source-head { margin-bottom: .25em; }
.na-num { font-weight: 600; }
.na-file { font-family: var(--font-mono); font-size: .9em; }
.na-about { color: var(--body-text-color-subdued); }
.na-context { line-height: 1.5; }
.na-context mark { background: #fde68a; color: #1f2937; padding: 0 .1em; border-radius: 2px; }
.na-source details { margin-top: .3em; }
.na-source:has(details[open]) > .na-context { display: none; }  /* the longer one replaces it */
.na-source summary { cursor: pointer; font-size: .85em; color: var(--body-text-color-subdued); }
.na-note { font-size: .8em; color: var(--body-text-color-subdued); }
.na-dates { font-size: .85em; margin-top: .2em; }
.na-also { font-size: .85em; margin-top: .2em; color: var(--body-text-color-subdued); }
.na-link { font-size: .85em; word-break: break-all; }
.na-reading-title, .na-closest-title { font-size: .85em; font-weight: 600;
  color: var(--body-text-color-subdued); }
.na-not-answer { margin-left: .3em; padding: 0 .4em; border: 1px solid var(--border-color-primary);
  border-radius: 3px; font-weight: 500; font-size: .9em; }
.na-reading { font-size: .9em; color: var(--body-text-color-subdued); }
.na-passage { margin: .35em 0; padding: .2em .6em;
  border-left: 3px dashed var(--border-color-primary); }
.na-passage q { font-style: italic; }
.na-why { margin-top: .35em; color: var(--body-text-color-subdued); }
.na-closest { margin-top: .7em; padding: .4em .7em; font-size: .9em; border-radius: 4px;
  border: 1px dashed var(--border-color-primary); color: var(--body-text-color-subdued); }
#na-status { font-size: .85em; }
"""


def build_app(
    assistant: Assistant, examples: list[str] | None = None, host: str | None = None
) -> gr.Blocks:
    """The chat page. Launch it with `launch()`, or `.launch(css=CSS)` for other options
    (`host`: the interface it will listen on, by default the `ui_host` setting)."""
    handlers = ChatHandlers(assistant)
    # Gradio's copies of the downloads are dropped after a day
    with gr.Blocks(
        title="News assistant", analytics_enabled=False, delete_cache=(86400, 86400)
    ) as demo:
        gr.Markdown(
            "## News assistant\nAnswers come only from the articles, with quotes you can "
            "check. Ask a follow-up and it is read in the context of the conversation."
        )
        status = gr.Markdown(handlers.status(), elem_id="na-status")
        page = _Page.lay_out(EXAMPLES if examples is None else examples)
        answered = page.wire(handlers)
        panel = articles_panel(assistant, not is_loopback(host or assistant.settings.ui_host))
        notice_changes(handlers, [demo.load, gr.Timer(NOTICE_S).tick], status, panel,
                       [*answered, *panel.changes])  # fmt: skip
        gr.api(  # the documented endpoint; its answers share the chat's queue places
            handlers.ask, api_name="ask", api_description=ASK_API, concurrency_id="answer"
        )
    return demo


def notice_changes(
    handlers: ChatHandlers, triggers: list[Any], status: Any, panel: ArticlesPanel,
    after: list[Any],
) -> None:  # fmt: skip
    """Redraw the status line and the Articles panel when the store changed: when the
    page loads, every `NOTICE_S` (another process's ingest is reloaded then), and after
    each answer, upload or removal. In the answers' queue: a reload never runs while an
    answer reads the store."""
    shown = gr.State(handlers.assistant.store.revision)  # what the page was built with
    notice: dict[str, Any] = {
        "fn": handlers.notice,
        "inputs": [shown],
        "outputs": [status, panel.table, panel.pick, shown],
        "concurrency_id": "answer",
        "show_progress": "hidden",
        "api_visibility": "undocumented",
    }
    gr.on(triggers, **notice)
    for event in after:
        event.then(**notice)


@dataclass
class _Page:
    """The chat's components, laid out inside a `gr.Blocks`, and its events."""

    chatbot: Any  # gr.Chatbot
    box: Any  # gr.Textbox
    send: Any  # gr.Button
    clear: Any  # gr.Button
    save: Any  # gr.DownloadButton
    examples: Any  # gr.Examples

    @classmethod
    def lay_out(cls, examples: list[str]) -> _Page:
        chatbot = gr.Chatbot(
            show_label=False,
            height="68vh",
            min_height=400,
            layout="panel",
            elem_id="na-chat",
            feedback_options=None,
            latex_delimiters=[],
            buttons=["copy"],
            placeholder="Ask a question about the news articles, or pick an example below.",
        )
        with gr.Row():
            box = gr.Textbox(
                show_label=False,
                placeholder="Ask about the articles…",
                scale=8,
                autofocus=True,
                submit_btn=False,
                elem_id="na-question",
                max_lines=4,
            )
            send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="na-ask")
            clear = gr.Button("Clear", scale=1, min_width=80, elem_id="na-clear")
            save = gr.DownloadButton(
                "Download .md", scale=1, min_width=170, interactive=False, elem_id="na-download"
            )
        shown = gr.Examples(
            examples=[[q] for q in examples],
            inputs=[box],
            label="Example questions (click to ask)",
            cache_examples=False,
        )
        return cls(chatbot, box, send, clear, save, shown)

    def wire(self, handlers: ChatHandlers) -> list[Any]:
        """Asking (typed, or an example clicked) shows the question at once and then
        answers it in the queue, then puts the conversation in the download button;
        Clear (or the chat's bin icon) cancels both. Returns the answers' events."""
        history, pending, busy = gr.State([]), gr.State(None), gr.State(False)
        answers = gr.State([])  # the conversation's `Answer`s, for the download
        chatbot, box = self.chatbot, self.box
        quick: dict[str, Any] = {  # never waits behind an answer
            "concurrency_limit": None, "show_progress": "hidden",
            "api_visibility": "undocumented",
        }  # fmt: skip
        ask = {"fn": handlers.submit, "inputs": [box, chatbot, busy],
               "outputs": [box, chatbot, pending, busy], **quick}  # fmt: skip
        answer = {
            "fn": handlers.respond,
            "inputs": [pending, chatbot, history, answers],
            "outputs": [chatbot, history, busy, pending, answers],
            "concurrency_id": "answer",  # every way of asking shares the limit
            "show_progress": "minimal",
            "api_visibility": "undocumented",
        }
        save = {"fn": handlers.download, "inputs": [answers], "outputs": [self.save], **quick}
        typed = gr.on([box.submit, self.send.click], **ask).success(**answer)
        picked = self.examples.load_input_event.success(**ask).success(**answer)
        gr.on(
            [self.clear.click, chatbot.clear],
            handlers.clear,
            outputs=[chatbot, history, pending, busy, answers, self.save],
            cancels=[typed, picked],
            **quick,
        )
        return [typed.then(**save), picked.then(**save)]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def launch(
    assistant: Assistant,
    *,
    host: str | None = None,
    port: int | None = None,
    prevent_thread_lock: bool = False,
    quiet: bool = False,
) -> gr.Blocks:
    """Serve the UI (blocking unless `prevent_thread_lock`); returns the running app."""
    settings = assistant.settings
    host = host or settings.ui_host
    port = port or settings.ui_port
    auth = parse_auth(settings.ui_auth)
    if not is_loopback(host):
        log.warning(
            "The UI listens on %s: other machines can reach it%s.",
            host,
            "" if auth else "; set ASSISTANT_UI_AUTH=user:password to require a login",
        )
    demo = build_app(assistant, host=host)  # loads the LLM now, not on the first question
    demo.queue(default_concurrency_limit=settings.ui_concurrency)
    demo.launch(
        server_name=host,
        server_port=port,
        auth=auth,
        share=False,
        inbrowser=False,
        prevent_thread_lock=prevent_thread_lock,
        quiet=quiet,
        show_error=False,
        footer_links=["api", "settings"],
        run_history=False,
        enable_monitoring=False,
        mcp_server=False,
        ssr_mode=False,
        pwa=False,
        css=CSS,
    )
    return demo
