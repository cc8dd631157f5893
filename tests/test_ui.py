"""The web UI's handlers and HTML, without a browser.

The handlers run over a real `Assistant` (real store, retrieval and citation
checks) with a scripted LLM, so each test controls what the "model" says and
whether it fails. The LLM-down and timeout cases use the real OpenAI backend
against dead loopback ports. The launched app is driven as a browser would be,
over HTTP (`gradio_client`), never through Gradio's internals: the queue, the
login, the page, and that it reaches nothing off the machine.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.answering import decision
from assistant.core import Assistant
from assistant.errors import AssistantError, LLMUnavailable
from assistant.llm import Scores
from assistant.schema import (
    ABSTAIN_TEXT,
    Answer,
    Citation,
    Decision,
    Evidence,
    RetrievedChunk,
    Usage,
)
from assistant.settings import Settings
from tests.conftest import SEEDS, free_port, off_machine, settings_for

gr = pytest.importorskip("gradio")

from assistant.ui import app as ui  # noqa: E402
from assistant.ui import render as ui_render  # noqa: E402
from assistant.ui import transcript  # noqa: E402
from assistant.ui.handlers import ChatHandlers  # noqa: E402

HIROSHIMA_Q = "Where did Biden and Kishida meet a day before the G7 summit?"
HIROSHIMA_A = "Biden and Kishida met in Hiroshima a day before the G7 summit [@Hiroshima]."
FOLLOW_UP = "What did they agree on technology?"
REWRITTEN = "What did Biden and Kishida agree on technology?"
TECH_A = "They agreed to step up cooperation on semiconductors and AI [@semiconductor]."
SOURCE = "002_eb2b49479483de60.txt"
OFF_TOPIC = "What is a good recipe for banana bread?"

# what `respond` yields: chat, conversation, busy flag, pending question, answers
Update = tuple[list[Any], list[Any], bool, None, list[Answer]]


class ScriptedChat:
    """Stands in for the LLM: picks evidence, phrases, rewrites follow-ups, or fails.

    A marker "[@word]" in a scripted answer makes it pick the first sentence
    containing the word; an answer without one picks "0" (no sentence answers).
    A call is told apart by its structure, not its wording: the phrasing continues
    the selection conversation (it holds the model's earlier turn), a rewrite of a
    follow-up starts a conversation of its own. With `gate` set, choosing evidence
    waits for it, so a test can hold answers in Gradio's queue.
    """

    backend = "scripted"
    model = "scripted-1"

    def __init__(self) -> None:
        self.answer = HIROSHIMA_A
        self.rewrite = REWRITTEN
        self.error: Exception | None = None
        self.calls: list[list[dict[str, str]]] = []
        self.rewrites: list[list[dict[str, str]]] = []
        self.gate: threading.Event | None = None
        self.choosing: list[str] = []  # the questions whose evidence is being chosen

    def label_scores(
        self, messages: list[dict[str, str]], labels: list[str], usage: Usage, prefill: str = ""
    ) -> Scores:
        self.calls.append(messages)
        asked = re.search(r"^Question: (.*)$", messages[-1]["content"], re.M)
        self.choosing.append(asked[1] if asked else "")
        if self.gate is not None and not self.gate.wait(60):
            raise TimeoutError("the test never opened the gate")
        if self.error is not None:
            raise self.error
        sentences = re.findall(r"^(\d+)\. (.*)$", messages[-1]["content"], re.M)
        word = re.search(r"\[@([^\]]+)\]", self.answer)
        pick = next((n for n, text in sentences if word and word[1].lower() in text.lower()), "0")
        return Scores({label: float(label == pick) for label in labels}, "scripted")

    def stream(
        self, messages: list[dict[str, str]], max_tokens: int, usage: Usage
    ) -> Iterator[str]:
        self.calls.append(messages)
        rewriting = not any(m["role"] == "assistant" for m in messages)
        if rewriting:
            self.rewrites.append(messages)
        if self.error is not None and not rewriting:
            raise self.error
        text = self.rewrite if rewriting else re.sub(r"\s*\[@[^\]]+\]", "", self.answer)
        pieces = re.findall(r"\S+\s*", text)
        yield from pieces
        usage.add(completion=len(pieces))


def checked(answer: str) -> str:
    """A one-sentence scripted answer as it reads after the citation check."""
    return re.sub(r"\[@[^\]]+\]", "[1]", answer)


@pytest.fixture(scope="module")
def store_settings(tmp_path_factory: pytest.TempPathFactory, model_cache: Any) -> Settings:
    """A copy of the seeds and a store built once for the module."""
    root = tmp_path_factory.mktemp("ui")
    shutil.copytree(SEEDS, root / "articles")
    return settings_for(
        source_dir=root / "articles", persist_dir=root / "store", model_cache_dir=model_cache
    )


@pytest.fixture(scope="module")
def scripted() -> ScriptedChat:
    return ScriptedChat()


@pytest.fixture(scope="module")
def module_assistant(store_settings: Settings, scripted: ScriptedChat) -> Assistant:
    return Assistant(store_settings, chat_model=scripted)


@pytest.fixture
def chat(scripted: ScriptedChat) -> ScriptedChat:
    scripted.__init__()  # type: ignore[misc]  # a fresh script for every test
    return scripted


@pytest.fixture
def handlers(module_assistant: Assistant, chat: ScriptedChat) -> ChatHandlers:
    return ChatHandlers(module_assistant)


def ask(
    handlers: ChatHandlers,
    text: str,
    messages: list[Any] | None = None,
    history: Any = None,
    answers: list[Answer] | None = None,
) -> tuple[list[Update], list[Any]]:
    """Type a question and press Enter: every update the page would get, and the history."""
    box, shown, pending, busy = handlers.submit(text, messages or [], False)
    assert box == "" and busy is True
    updates = list(handlers.respond(pending, shown, history or [], answers))
    return updates, updates[-1][1]


def last_reply(updates: list[Update]) -> str:
    message = updates[-1][0][-1]
    assert message["role"] == "assistant"
    return str(message["content"])


# --- the chat handler ---------------------------------------------------------


def test_answer_streams_then_shows_checked_text_and_sources(
    handlers: ChatHandlers, chat: ScriptedChat
) -> None:
    updates, history = ask(handlers, HIROSHIMA_Q)
    shown = [u[0][-1]["content"] for u in updates]
    assert shown[0] == ui_render.pending_html()
    reading_at = next(i for i, s in enumerate(shown) if "na-reading" in s)
    found_at = next(i for i, s in enumerate(shown) if "na-found" in s)
    text_at = next(i for i, s in enumerate(shown) if "na-streaming" in s)
    # the passages being read, then the quotes chosen, before any of the answer
    assert 0 < reading_at < found_at <= text_at
    reading = shown[reading_at]
    assert "Reading the closest passages" in reading and "not an answer yet" in reading
    assert 1 <= reading.count('class="na-passage"') <= ui_render.READING
    assert f'<span class="na-file">{SOURCE}</span>' in reading and "2023-05-19" in reading
    assert "na-reading" not in shown[found_at]  # the chosen quotes replace them
    assert "Hiroshima" in shown[text_at] and "Hiroshima" in shown[found_at]
    assert not any("[@" in s for s in shown)  # the model's own markup never shows
    assert all(u[2] for u in updates[:-1]) and updates[-1][2] is False
    assert all(u[3] is None for u in updates)  # taken at once

    final = last_reply(updates)
    assert "Hiroshima" in final and "[1]" in final and "na-streaming" not in final
    assert f'<span class="na-file">{SOURCE}</span>' in final
    assert "Kishida, Biden agree to step up advanced technology cooperation" in final
    assert "2023-05-19" in final and "<mark>" in final and "<details>" in final
    assert "Searched for" not in final  # a first question is searched as asked
    assert "Answered by scripted-1 on this machine" in final  # the backend, per answer
    assert "na-closest" not in final and "na-why" not in final
    (answer,) = updates[-1][4]  # kept for the download
    assert answer.text == checked(HIROSHIMA_A) and answer.citations[0].source == SOURCE
    assert history == [
        {"role": "user", "content": HIROSHIMA_Q},
        {"role": "assistant", "content": checked(HIROSHIMA_A)},
    ]


def test_the_passages_show_before_the_model_reads_them(
    handlers: ChatHandlers, chat: ScriptedChat
) -> None:
    _, shown, pending, _ = handlers.submit(HIROSHIMA_Q, [], False)
    for chat_now, *_ in handlers.respond(pending, shown, []):
        if "na-reading" in chat_now[-1]["content"]:
            assert chat.calls == []  # the model has not been asked yet
            break
    else:
        pytest.fail("no reading state was shown")


def test_the_marked_passage_is_the_checked_quote(handlers: ChatHandlers) -> None:
    answer = handlers.assistant.ask(HIROSHIMA_Q)
    (citation,) = answer.citations
    text = handlers.read_article(citation.source)
    assert text is not None and text[citation.start : citation.end] == citation.quote
    html = ui_render.answer_html(answer, handlers.read_article)
    marked = re.findall(r"<mark>(.*?)</mark>", html)
    assert marked and all(m == ui_render.flow(citation.quote) for m in marked)


def test_follow_up_is_answered_in_context_and_the_search_shown(
    handlers: ChatHandlers, chat: ScriptedChat
) -> None:
    updates, history = ask(handlers, HIROSHIMA_Q)
    chat.answer = TECH_A
    updates, history = ask(handlers, FOLLOW_UP, updates[-1][0], history)

    [rewrite_call] = chat.rewrites  # the first question was searched as asked
    assert HIROSHIMA_Q in rewrite_call[-1]["content"] and FOLLOW_UP in rewrite_call[-1]["content"]
    selection_call = chat.calls[-2]  # then the phrasing, a follow-up turn of it
    assert f"Question: {REWRITTEN}" in selection_call[1]["content"]

    final = last_reply(updates)
    assert f"Searched for: <q>{REWRITTEN}</q>" in final
    assert "semiconductors" in final and "na-source" in final
    chat_roles = [m["role"] for m in updates[-1][0]]
    assert chat_roles == ["user", "assistant", "user", "assistant"]
    assert [m["content"] for m in history][2:] == [FOLLOW_UP, checked(TECH_A)]


def test_off_topic_question_shows_the_abstention_without_sources(
    handlers: ChatHandlers, chat: ScriptedChat
) -> None:
    updates, history = ask(handlers, OFF_TOPIC)
    final = last_reply(updates)
    assert ABSTAIN_TEXT.replace("'", "&#x27;") in final
    assert "na-sources" not in final and "<mark>" not in final
    assert chat.calls == []  # abstained before asking the LLM
    assert history[-1]["content"] == ABSTAIN_TEXT
    # why, and the passages it came closest with, marked as not an answer
    assert '<div class="na-why">Nothing in the articles comes close' in final
    closest = final[final.index('class="na-closest"') :]
    assert "Closest passages" in closest and "not an answer" in closest
    assert 2 <= closest.count('class="na-passage"') <= 3 and ".txt</span>" in closest
    assert "No model was asked" in final and "Answered by" not in final


def test_model_that_finds_nothing_abstains_without_sources(
    handlers: ChatHandlers, chat: ScriptedChat
) -> None:
    chat.answer = "The excerpts do not say where they met."
    final = last_reply(ask(handlers, HIROSHIMA_Q)[0])
    assert "The articles don&#x27;t say." in final and "na-sources" not in final
    assert "judged that none of them answers this question" in final
    closest = final[final.index('class="na-closest"') :]
    assert f'<span class="na-file">{SOURCE}</span>' in closest  # what it read, not an answer
    assert "Answered by scripted-1 on this machine" in final


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "The question is empty"), ("   ", "The question is empty"), ("x" * 1200, "limit is")],
)
def test_bad_input_is_a_message_in_the_chat(
    handlers: ChatHandlers, chat: ScriptedChat, text: str, message: str
) -> None:
    updates, history = ask(handlers, text)
    final = last_reply(updates)
    assert 'class="na-error"' in final and message in final
    assert history == [] and updates[-1][2] is False and chat.calls == []
    user_bubbles = [m for m in updates[-1][0] if m["role"] == "user"]
    assert len(user_bubbles) == (1 if text.strip() else 0)


def test_llm_failure_is_shown_and_the_next_question_works(
    handlers: ChatHandlers, chat: ScriptedChat
) -> None:
    chat.error = LLMUnavailable(
        "Cannot reach the LLM server at http://127.0.0.1:9/v1: is it running?"
    )
    updates, history = ask(handlers, HIROSHIMA_Q)
    assert "Cannot reach the LLM server at http://127.0.0.1:9/v1" in last_reply(updates)
    assert history == [] and updates[-1][2] is False

    chat.error = None
    updates, history = ask(handlers, HIROSHIMA_Q, updates[-1][0], history)
    assert "Hiroshima" in last_reply(updates) and len(history) == 2
    assert [m["role"] for m in updates[-1][0]] == ["user", "assistant"] * 2


def test_a_bug_shows_a_generic_message_not_the_internals(
    handlers: ChatHandlers, chat: ScriptedChat
) -> None:
    chat.error = RuntimeError("secret internal detail")
    final = last_reply(ask(handlers, HIROSHIMA_Q)[0])
    assert "Something went wrong while answering (RuntimeError)" in final
    assert "secret internal detail" not in final


def dead_port() -> int:
    return free_port()  # nothing listens there


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A loopback port that accepts connections and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield int(sock.getsockname()[1])


@pytest.mark.parametrize("case", ["down", "timeout"])
def test_real_openai_backend_down_or_slow_is_a_readable_message(
    module_assistant: Assistant, case: str, request: pytest.FixtureRequest
) -> None:
    port = dead_port() if case == "down" else request.getfixturevalue("silent_server")
    settings = module_assistant.settings.model_copy(
        update={
            "llm_backend": "openai",
            "openai_base_url": f"http://127.0.0.1:{port}/v1",
            "llm_timeout": 1.0,
            "llm_max_retries": 0,
        }
    )
    handlers = ChatHandlers(Assistant(settings))
    final = last_reply(ask(handlers, HIROSHIMA_Q)[0])
    expected = "Cannot reach the LLM server" if case == "down" else "did not answer within 1s"
    assert 'class="na-error"' in final and expected in final and f":{port}/v1" in final


def test_asking_while_an_answer_runs_changes_nothing(handlers: ChatHandlers) -> None:
    with pytest.warns(UserWarning, match="still being answered"):
        assert handlers.submit(HIROSHIMA_Q, [], True) == (gr.skip(),) * 4
    # the queued `respond` of a refused question, or a second one, finds nothing to answer
    assert list(handlers.respond(None, [], [])) == [(gr.skip(),) * 5]


def test_after_clear_a_question_starts_a_new_conversation(
    handlers: ChatHandlers, chat: ScriptedChat
) -> None:
    updates, history = ask(handlers, HIROSHIMA_Q)
    shown, history, pending, busy, answers, download = handlers.clear()
    assert answers == [] and download["interactive"] is False and download["value"] is None
    assert list(handlers.respond(pending, shown, history)) == [(gr.skip(),) * 5]  # none queued
    box, shown, pending, busy = handlers.submit(FOLLOW_UP, shown, busy)
    assert box == "" and pending == FOLLOW_UP  # not refused as "still being answered"
    updates = list(handlers.respond(pending, shown, history))
    assert chat.rewrites == []  # searched as asked: the earlier question is forgotten
    assert [m["role"] for m in updates[-1][0]] == ["user", "assistant"]
    assert "Searched for" not in last_reply(updates)


def test_status_names_backend_model_and_corpus(handlers: ChatHandlers) -> None:
    status = handlers.status()
    assert "scripted-1" in status and "this machine" in status and "**Articles:** 5 in" in status


def test_the_download_button_gives_the_conversation_as_markdown(
    handlers: ChatHandlers, chat: ScriptedChat
) -> None:
    assert handlers.download([]) == gr.update(value=None, interactive=False)
    updates, history = ask(handlers, HIROSHIMA_Q)
    chat.rewrite = OFF_TOPIC  # the follow-up stays off the topic
    updates, history = ask(handlers, OFF_TOPIC, updates[-1][0], history, updates[-1][4])
    answers = updates[-1][4]
    assert [a.question for a in answers] == [HIROSHIMA_Q, OFF_TOPIC]
    button = handlers.download(answers)
    assert button["interactive"] is True
    path = Path(button["value"])
    assert path.name.startswith("conversation-") and path.suffix == ".md"
    saved = path.read_text(encoding="utf-8")
    (cited,) = answers[0].citations
    article = handlers.read_article(SOURCE)
    assert article is not None and article[cited.start : cited.end] == cited.quote
    assert f"## 1. {HIROSHIMA_Q}" in saved and checked(HIROSHIMA_A) in saved
    assert f"- [1] `{SOURCE}`, chars {cited.start}-{cited.end}, 2023-05-19" in saved
    assert f"  > {transcript.text(cited.quote)}" in saved
    assert f"## 2. {OFF_TOPIC}" in saved and ABSTAIN_TEXT in saved
    assert "*Why:* Nothing in the articles comes close" in saved
    assert "Closest passages (not an answer):" in saved
    assert handlers.clear()[-1] == gr.update(value=None, interactive=False)


def test_articles_outside_the_corpus_are_not_read(handlers: ChatHandlers) -> None:
    assert handlers.read_article(SOURCE)
    assert handlers.read_article("../../../../etc/passwd") is None
    assert handlers.read_article("missing.txt") is None


# --- HTML -----------------------------------------------------------------------

ARTICLE = (
    "Headline <b>bold</b> & co\n\nFirst paragraph says one thing.\n"
    "Second line <script>alert(1)</script> then the quoted passage sits here.\n\n"
    "Closing words & more."
)


def citation_of(quote: str, text: str = ARTICLE, **extra: Any) -> Citation:
    start = text.index(quote)
    return Citation(
        number=1, source="a.txt", quote=quote, start=start, end=start + len(quote), **extra
    )


def test_highlight_marks_the_quote_and_escapes_everything() -> None:
    c = citation_of("the quoted passage")
    html = ui_render.highlight(ARTICLE, c.start, c.end)
    assert "<mark>the quoted passage</mark>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "&amp; co" in html
    assert "\n" not in html and "<br>" in html  # paragraphs kept, all on one line


def test_highlight_cuts_long_context_at_words_with_ellipses() -> None:
    text = " ".join(f"word{i}" for i in range(400))
    start = text.index("word200")
    html = ui_render.highlight(text, start, start + len("word200"), radius=50)
    assert html.startswith("…word") and html.endswith("…")
    assert "<mark>word200</mark>" in html and len(html) < 200
    assert ui_render.highlight(text, 0, 5, radius=10).startswith("<mark>word0")


def test_source_html_escapes_title_and_file_and_expands() -> None:
    c = citation_of("the quoted passage", title="A <i>title</i>", date="2023-05-19")
    c = c.model_copy(update={"source": "x<y>.txt"})
    html = ui_render.source_html(c, ARTICLE)
    assert "x&lt;y&gt;.txt" in html and "A &lt;i&gt;title&lt;/i&gt; · 2023-05-19" in html
    assert html.count("<mark>") == 2 and "<details><summary>More context" in html
    assert "<i>" not in html and "<script>" not in html


def test_source_html_when_the_file_changed_or_is_gone() -> None:
    moved = citation_of("the quoted passage").model_copy(update={"start": 0, "end": 18})
    assert "<mark>the quoted passage</mark>" in ui_render.source_html(moved, ARTICLE)
    gone = ui_render.source_html(citation_of("the quoted passage"), None)
    assert "<mark>the quoted passage</mark>" in gone and "not readable" in gone
    changed = ui_render.source_html(citation_of("the quoted passage"), "other text")
    assert "quote not found" in changed


def test_sources_html_reads_each_file_once_and_lists_every_citation() -> None:
    reads: list[str] = []

    def read(source: str) -> str:
        reads.append(source)
        return ARTICLE

    citations = [citation_of("First paragraph"), citation_of("Closing words")]
    citations[1] = citations[1].model_copy(update={"number": 2})
    html = ui_render.sources_html(citations, read)
    assert reads == ["a.txt"] and html.count('class="na-source"') == 2
    assert "[1]" in html and "[2]" in html
    assert ui_render.sources_html([], read) == ""


def test_answer_text_from_the_model_is_escaped() -> None:
    answer = Answer(
        question="q", standalone_question="q", text="<img src=x onerror=alert(1)> [1]",
        backend="b", model="m", prompt="answer@1",
    )  # fmt: skip
    html = ui_render.answer_html(answer, lambda _: None)
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt; [1]" in html
    assert "<script" not in ui_render.streaming_html("<script>x</script>")
    assert "&lt;b&gt;" in ui_render.question_html("<b>hi</b>")


def test_searched_note_only_when_the_question_was_rewritten() -> None:
    assert ui_render.searched_html("Where?", " Where? ") == ""
    assert "Searched for: <q>Where &amp; when?</q>" in ui_render.searched_html("x", "Where & when?")


def test_error_html() -> None:
    assert "Bad &lt;thing&gt;" in ui_render.error_html(AssistantError("Bad <thing>"))
    assert "(KeyError)" in ui_render.error_html(KeyError("x"))


def test_remember_keeps_plain_text_and_the_last_turns() -> None:
    history: list[dict[str, str]] = []
    for i in range(10):
        history = ui_render.remember(history, f" question {i} ", f"answer {i} [1].")
    assert len(history) == ui_render.HISTORY_MESSAGES
    assert history[-2:] == [
        {"role": "user", "content": "question 9"},
        {"role": "assistant", "content": "answer 9 [1]."},
    ]
    odd = [{"role": "system", "content": "x"}, {"role": "user", "content": "y", "extra": "z"}]
    assert ui_render.remember(odd, "q", "a")[0] == {"role": "user", "content": "y"}


def evidence_of(quote: str, text: str = ARTICLE, **extra: Any) -> Evidence:
    start = text.index(quote)
    return Evidence(source="a.txt", start=start, end=start + len(quote), text=quote, **extra)


def test_reading_and_closest_passages_are_escaped_and_marked_not_an_answer() -> None:
    bad = evidence_of("<script>alert(1)</script>", title="<i>T</i>", date="2023-05-19")
    bad = bad.model_copy(update={"source": "x<y>.txt"})
    reading = ui_render.reading_html([bad] * 5)
    assert reading.count('class="na-passage"') == ui_render.READING  # the top three
    assert "not an answer yet" in reading and "x&lt;y&gt;.txt" in reading
    assert "&lt;script&gt;" in reading and "<script>" not in reading and "<i>" not in reading
    assert ui_render.streaming_html("", [], [bad] * 5) == reading
    assert "na-reading" not in ui_render.streaming_html("", [bad], [bad])  # replaced
    assert ui_render.reading_html([]) == "" and ui_render.streaming_html("") == (
        ui_render.pending_html()
    )
    abstained = Answer(
        question="q", standalone_question="q", text=ABSTAIN_TEXT, abstained=True,
        evidence=[bad], decision=Decision(answer=False, reason=decision.NONE_ANSWERS),
        backend="local", model="m", prompt="p",
    )  # fmt: skip
    html = ui_render.answer_html(abstained, lambda _: None)
    assert "judged that none of them answers" in html and "not an answer" in html
    assert "<script>" not in html and "na-sources" not in html


def test_conversation_markdown_escapes_and_keeps_offsets_dates_and_reasons() -> None:
    quote = "the quoted passage sits here.\n\nClosing words & more"
    cited = Answer(
        question="Where <b>is</b> it?", standalone_question="Where <b>is</b> it?",
        text="It is <here> [1].", backend="openai", model="gpt", server="host:1",
        prompt="p", evidence=[evidence_of("the quoted passage")],
        citations=[citation_of(quote, title="A <title>", date="2023-05-19")],
    )  # fmt: skip
    chunk = RetrievedChunk(
        id="c", source="b.txt", start=5, end=200, text="First sentence. " * 30, score=1.0
    )
    off = Answer(
        question="Banana bread?", standalone_question="Banana bread?", text=ABSTAIN_TEXT,
        abstained=True, chunks=[chunk], backend="local", model="m", prompt="p",
        decision=Decision(answer=False, reason=decision.NOTHING_CLOSE),
    )  # fmt: skip
    md = transcript.conversation_markdown([cited, off], folder="/news", saved_at=0)
    assert md.startswith("# Conversation with the news assistant\n")
    assert "articles in `/news`" in md
    assert "## 1. Where &lt;b&gt;is&lt;/b&gt; it?" in md and "It is &lt;here&gt; [1]." in md
    start = ARTICLE.index(quote)
    assert (
        f"- [1] `a.txt`, chars {start}-{start + len(quote)}, 2023-05-19 (A &lt;title&gt;)\n"
        "  > the quoted passage sits here. Closing words &amp; more"
    ) in md
    assert "*Answered by gpt at host:1 (sent to that server), 0.0 s.*" in md
    assert "## 2. Banana bread?" in md and "*Why:* Nothing in the articles comes close" in md
    assert "- `b.txt`, chars 5-" in md and "date unknown" in md and "No model was asked" in md
    assert "<" not in md.replace("&lt;", "")  # nothing that a viewer reads as HTML


def test_parse_auth() -> None:
    assert ui_render.parse_auth(None) is None
    assert ui_render.parse_auth("ann:pa:ss") == ("ann", "pa:ss")
    with pytest.raises(AssistantError, match="user:password"):
        ui_render.parse_auth("annpass")


# --- settings, CLI and launch -------------------------------------------------------


def test_ui_settings_defaults_and_env(monkeypatch: pytest.MonkeyPatch) -> None:
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (s.ui_host, s.ui_port, s.ui_auth, s.ui_concurrency) == ("127.0.0.1", 7860, None, 1)
    monkeypatch.setenv("ASSISTANT_UI_AUTH", "ann:secret")
    monkeypatch.setenv("ASSISTANT_UI_PORT", "8000")
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert s.ui_auth == "ann:secret" and s.ui_port == 8000
    monkeypatch.setenv("ASSISTANT_UI_AUTH", "no-colon")
    with pytest.raises(ValueError, match="ui_auth"):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_cli_has_a_ui_command(capsys: pytest.CaptureFixture[str]) -> None:
    from assistant.cli import main

    with pytest.raises(SystemExit):
        main(["ui", "--help"])
    out = capsys.readouterr().out
    for flag in ("--ui-host", "--ui-port", "--ui-auth", "--ui-concurrency", "--source-dir"):
        assert flag in out


def test_loopback_detection() -> None:
    assert ui.is_loopback("127.0.0.1") and ui.is_loopback("localhost") and ui.is_loopback("::1")
    assert not ui.is_loopback("0.0.0.0") and not ui.is_loopback("192.168.1.5")


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, ""


@pytest.fixture
def launch_ui(module_assistant: Assistant, chat: ScriptedChat) -> Iterator[Any]:
    """Start the real app on a free loopback port: returns (url, app)."""
    saved = module_assistant.settings
    apps: list[Any] = []

    def start(**update: Any) -> tuple[str, Any]:
        port = free_port()
        module_assistant.settings = saved.model_copy(update={"ui_port": port, **update})
        apps.append(ui.launch(module_assistant, prevent_thread_lock=True, quiet=True))
        return f"http://127.0.0.1:{port}", apps[-1]

    yield start
    module_assistant.settings = saved
    for app in apps:
        app.close()


def test_launch_serves_the_page_on_loopback_and_reaches_nothing_else(launch_ui: Any) -> None:
    with off_machine() as attempts:
        url, app = launch_ui()
        status, page = get(url + "/")
        config_status, body = get(url + "/config")
        time.sleep(1)  # an analytics or update check would run in a thread by now
    assert attempts == []
    assert app.share is False and app.server_name == "127.0.0.1"
    assert status == 200 and "<html" in page.lower()
    assert config_status == 200
    assert json.loads(body)["analytics_enabled"] is False
    assert "News assistant" in body and "Example questions" in body


def test_every_way_of_asking_shares_one_queue_limit_and_clear_never_waits(
    launch_ui: Any, chat: ScriptedChat
) -> None:
    """Three sessions over HTTP with ui_concurrency=2: typed and example questions share
    the two places, the third waits, and another session's Clear answers at once."""
    from gradio_client import Client

    url, _ = launch_ui(ui_concurrency=2)
    chat.gate = threading.Event()
    questions = {  # session -> (how it asks: typed or an example, the question)
        "typed": ("", HIROSHIMA_Q),
        "example": ("_1", "What did Japan and the US agree on chips?"),
        "waiting": ("", "Why did Biden cut his trip to Asia short?"),
    }
    jobs = {}

    def started(count: int) -> bool:
        deadline = time.monotonic() + 60
        while len(chat.choosing) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return len(chat.choosing) == count

    try:
        for n, (name, (way, question)) in enumerate(questions.items(), start=1):
            client = Client(url, verbose=False)
            client.predict(question, [], api_name=f"/submit{way}")
            jobs[name] = client.submit([], api_name=f"/respond{way}")
            if name != "waiting":
                assert started(n), f"the {name} question did not start: {chat.choosing}"
        time.sleep(2)
        assert chat.choosing == [q for _, q in list(questions.values())[:2]]  # third waits

        cleared = Client(url, verbose=False).predict(api_name="/clear")
        assert cleared == [] or cleared[0] == []  # answered while both places are taken
        assert chat.choosing == [q for _, q in list(questions.values())[:2]]
    finally:
        chat.gate.set()
    for name, job in jobs.items():
        reply = job.result(timeout=60)[-1]
        assert reply["role"] == "assistant", name
    assert set(chat.choosing) == {q for _, q in questions.values()}  # the third, after


def test_launch_with_login_refuses_anonymous_requests(launch_ui: Any) -> None:
    url, _ = launch_ui(ui_auth="ann:secret")
    assert get(url + "/config")[0] == 401
    form = urllib.parse.urlencode({"username": "ann", "password": "wrong"}).encode()
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(urllib.request.Request(url + "/login", data=form), timeout=10)
    form = urllib.parse.urlencode({"username": "ann", "password": "secret"}).encode()
    with urllib.request.urlopen(urllib.request.Request(url + "/login", data=form), timeout=10) as r:
        assert r.status == 200
