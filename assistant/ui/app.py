"""The web chat UI (`assistant ui`): ask questions, read cited answers, check the quotes.

Gradio serves the page on 127.0.0.1 unless another interface is chosen, with no
share link, no analytics and nothing loaded from a CDN. The quotes found come
first; then each sentence of the answer appears once the model has finished it
and a quote carries it (unchecked text is never shown); then the final answer
and its sources.
Gradio's queue lets several people use the page at once: answers wait their turn
(`ui_concurrency` at a time, one for the local model) while the page stays live.

The event handlers are methods of `ChatHandlers`, plain Python that the tests
drive without a browser; `ui_render` makes the HTML. One endpoint is documented
for programs ("Use via API" in the footer): `/ask`, a question in, JSON out (the
evidence first, then the answer), in the same queue as the chat's answers.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from assistant.core import Assistant, Found
from assistant.errors import AssistantError, MissingExtra
from assistant.schema import Answer, Evidence
from assistant.ui.articles import articles_panel
from assistant.ui.render import (
    Message,
    answer_html,
    error_html,
    meta_html,
    parse_auth,
    pending_html,
    question_html,
    remember,
    status_markdown,
    streaming_html,
)

try:
    import gradio as gr
except ImportError:  # pragma: no cover - depends on the installed extras
    raise MissingExtra("The web UI", "ui") from None

log = logging.getLogger(__name__)

EXAMPLES = [
    "Where did Biden and Kishida meet a day before the G7 summit?",
    "What did Japan and the US agree on chips?",
    "What did Japan say about hi-tech exports to China?",
    "Why did Biden cut his trip to Asia short?",
]
BUSY = "The previous question is still being answered: wait for it, or press Clear."

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
#na-status { font-size: .85em; }
"""

ASK_API = """Answer one question from the articles (no conversation), as JSON.

Streams up to two outputs; `predict()` returns the last. First, once the evidence is
chosen, `{"stage": "evidence", "question", "evidence": [{"file", "quote", "start",
"end", "title", "date", "probability"}]}` (none when the assistant abstains before
choosing). Then `{"stage": "answer", "question", "text", "abstained", "citations":
[{"number", "file", "quote", "start", "end", "title", "date"}], "backend", "model",
"server", "timings": {"evidence_s", "first_token_s", "total_s", ...}}`. Every quote is
the article's text[start:end]. A bad question or an unreachable LLM is an error."""


class ChatHandlers:
    """What the page's events do, as plain methods over one `Assistant`."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant

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
        self, question: str | None, messages: list[dict[str, Any]], history: list[Message]
    ) -> Iterator[tuple[Any, Any, Any, Any]]:
        """Stream the checked sentences into the chat, then the final answer and sources.

        Yields the chat, the conversation for follow-ups, the busy flag and the pending
        question (taken at once, so a second `respond` finds none). Errors become a
        message in the chat; the conversation is left as it was.
        """
        if question is None:  # already taken, or asked while busy: change nothing
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        shown = list(messages or [])
        history = list(history or [])
        yield [*shown, {"role": "assistant", "content": pending_html()}], history, True, None
        checked = ""
        found: list[Evidence] = []
        answer: Answer | None = None
        try:
            for event in self.assistant.stream(question, history or None):
                if isinstance(event, Answer):
                    answer = event
                    continue
                if isinstance(event, Found):
                    found = list(event)
                else:
                    checked += event
                reply = {"role": "assistant", "content": streaming_html(checked, found)}
                yield [*shown, reply], history, True, None
        except Exception as exc:  # every failure is shown; only bugs are logged in full
            if isinstance(exc, AssistantError):
                log.info("question failed: %s", exc)
            else:
                log.exception("question failed")
            yield [*shown, {"role": "assistant", "content": error_html(exc)}], history, False, None
            return
        if answer is None:  # pragma: no cover - stream() always ends with an Answer
            raise AssertionError("stream() ended without an answer")
        content = answer_html(answer, self.read_article) + meta_html(answer)
        history = remember(history, question, answer.text)
        yield [*shown, {"role": "assistant", "content": content}], history, False, None

    def ask(self, question: str) -> Iterator[dict[str, Any]]:
        """The `/ask` endpoint: the chosen evidence as JSON once it is known, then the
        answer (see `ASK_API`). Errors reach the client as a `gr.Error` with the
        user-facing message; a bug's details stay in the server log."""
        try:
            for event in self.assistant.stream(question):
                if isinstance(event, Found):
                    yield evidence_json(question, event)
                elif isinstance(event, Answer):
                    yield answer_json(event)
        except AssistantError as exc:
            log.info("question failed: %s", exc)
            raise gr.Error(str(exc), title="The question was not answered") from None
        except Exception as exc:
            log.exception("question failed")
            raise gr.Error(
                f"Something went wrong while answering ({type(exc).__name__}). "
                "The details are in the server log; please try again.",
                title="The question was not answered",
            ) from None

    def clear(self) -> tuple[list[dict[str, Any]], list[Message], None, bool]:
        """Empty chat and conversation (a running or queued answer is cancelled)."""
        return [], [], None, False

    def status(self) -> str:
        chat = self.assistant.chat
        articles = len(self.assistant.store.file_hashes())
        chunks, folder = self.assistant.store.count(), str(self.assistant.settings.folder)
        where = getattr(chat, "where", "")
        return status_markdown(chat.backend, chat.model, where, articles, chunks, folder)


def evidence_json(question: str, found: list[Evidence]) -> dict[str, Any]:
    """The `/ask` endpoint's first output: the sentences chosen to answer from."""
    evidence = [
        {
            "file": e.source, "quote": e.text, "start": e.start, "end": e.end,
            "title": e.title, "date": e.date, "probability": e.probability,
        }
        for e in found
    ]  # fmt: skip
    return {"stage": "evidence", "question": question.strip(), "evidence": evidence}


def answer_json(answer: Answer) -> dict[str, Any]:
    """The `/ask` endpoint's last output: the checked answer, its citations, what made it."""
    citations = [
        {
            "number": c.number, "file": c.source, "quote": c.quote, "start": c.start,
            "end": c.end, "title": c.title, "date": c.date,
        }
        for c in answer.citations
    ]  # fmt: skip
    return {
        "stage": "answer",
        "question": answer.question,
        "text": answer.text,
        "abstained": answer.abstained,
        "citations": citations,
        "backend": answer.backend,
        "model": answer.model,
        "server": answer.server,
        "timings": answer.timings.model_dump(),
    }


def build_app(assistant: Assistant, examples: list[str] | None = None) -> gr.Blocks:
    """The chat page. Launch it with `launch()`, or `.launch(css=CSS)` for other options."""
    handlers = ChatHandlers(assistant)
    with gr.Blocks(title="News assistant", analytics_enabled=False) as demo:
        gr.Markdown(
            "## News assistant\nAnswers come only from the articles, with quotes you can "
            "check. Ask a follow-up and it is read in the context of the conversation."
        )
        gr.Markdown(handlers.status(), elem_id="na-status")
        page = _Page.lay_out(EXAMPLES if examples is None else examples)
        page.wire(handlers)
        articles_panel(assistant)
        gr.api(  # the documented endpoint; its answers share the chat's queue places
            handlers.ask, api_name="ask", api_description=ASK_API, concurrency_id="answer"
        )
    return demo


@dataclass
class _Page:
    """The page's components, laid out inside a `gr.Blocks`, and its events."""

    chatbot: Any  # gr.Chatbot
    box: Any  # gr.Textbox
    send: Any  # gr.Button
    clear: Any  # gr.Button
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
        shown = gr.Examples(
            examples=[[q] for q in examples],
            inputs=[box],
            label="Example questions (click to ask)",
            cache_examples=False,
        )
        return cls(chatbot, box, send, clear, shown)

    def wire(self, handlers: ChatHandlers) -> None:
        """Asking (typed, or an example clicked) shows the question at once and then
        answers it in the queue; Clear (or the chat's bin icon) cancels both."""
        history, pending, busy = gr.State([]), gr.State(None), gr.State(False)
        chatbot, box = self.chatbot, self.box
        ask = {
            "fn": handlers.submit,
            "inputs": [box, chatbot, busy],
            "outputs": [box, chatbot, pending, busy],
            "concurrency_limit": None,  # never waits behind an answer
            "show_progress": "hidden",
            "api_visibility": "undocumented",
        }
        answer = {
            "fn": handlers.respond,
            "inputs": [pending, chatbot, history],
            "outputs": [chatbot, history, busy, pending],
            "concurrency_id": "answer",  # every way of asking shares the limit
            "show_progress": "minimal",
            "api_visibility": "undocumented",
        }
        typed = gr.on([box.submit, self.send.click], **ask).success(**answer)
        picked = self.examples.load_input_event.success(**ask).success(**answer)
        gr.on(
            [self.clear.click, chatbot.clear],
            handlers.clear,
            outputs=[chatbot, history, pending, busy],
            cancels=[typed, picked],
            concurrency_limit=None,
            show_progress="hidden",
            api_visibility="undocumented",
        )


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
    demo = build_app(assistant)  # loads the LLM now, not on the first question
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
