"""The UI's documented `/ask` endpoint, called as programs call it: `gradio_client`.

Why its own module: `/ask` is the one endpoint other programs build on (and the
concurrency benchmark measures), so its contract is pinned here over HTTP against
a real launched app on 127.0.0.1: listed under "Use via API", the ranked passages
and then the chosen evidence streamed before the answer, an abstention with its reason
and closest passages, quotes that are the article's own text[start:end], errors as
messages, and the chat's queue limit. The app runs over a real `Assistant` (store,
retrieval, citation checks) with the scripted LLM of `test_ui`, so it is fast.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from assistant.core import Assistant
from assistant.schema import ABSTAIN_TEXT
from assistant.settings import Settings
from tests.conftest import SEEDS, free_port, settings_for
from tests.test_ui import HIROSHIMA_Q, SOURCE, ScriptedChat

gr = pytest.importorskip("gradio")
gradio_client = pytest.importorskip("gradio_client")

from assistant.ui import app as ui  # noqa: E402

OFF_TOPIC = "What is a good recipe for banana bread?"


@pytest.fixture(scope="module")
def scripted() -> ScriptedChat:
    return ScriptedChat()


@pytest.fixture(scope="module")
def api_assistant(
    tmp_path_factory: pytest.TempPathFactory, model_cache: Any, scripted: ScriptedChat
) -> Assistant:
    root = tmp_path_factory.mktemp("ui-api")
    shutil.copytree(SEEDS, root / "articles")
    settings: Settings = settings_for(
        source_dir=root / "articles",
        persist_dir=root / "store",
        model_cache_dir=model_cache,
        ui_port=free_port(),
        ui_concurrency=1,
    )
    return Assistant(settings, chat_model=scripted)


@pytest.fixture(scope="module")
def url(api_assistant: Assistant) -> Iterator[str]:
    """One launched app for the module (ui_concurrency 1: one answer at a time)."""
    app = ui.launch(api_assistant, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{api_assistant.settings.ui_port}"
    finally:
        app.close()


@pytest.fixture
def chat(scripted: ScriptedChat) -> ScriptedChat:
    scripted.__init__()  # type: ignore[misc]  # a fresh script for every test
    return scripted


def client(url: str) -> Any:
    return gradio_client.Client(url, verbose=False)


def assert_verbatim(assistant: Assistant, items: list[dict[str, Any]]) -> None:
    for item in items:
        assert assistant.article_text(item["file"])[item["start"] : item["end"]] == item["quote"]


def test_ask_is_the_one_documented_endpoint(url: str) -> None:
    api = client(url).view_api(print_info=False, return_format="dict")
    assert list(api["named_endpoints"]) == ["/ask"]  # the chat's events stay undocumented
    ask = api["named_endpoints"]["/ask"]
    assert [p["parameter_name"] for p in ask["parameters"]] == ["question"]
    assert ask["parameters"][0]["python_type"]["type"] == "str"
    for documented in ('"stage": "ranked"', '"stage": "evidence"', '"reason"', '"closest"'):
        assert documented in ask["description"]
    shown = client(url).view_api(print_info=False, return_format="str")
    assert 'api_name="/ask"' in shown


def test_ask_returns_the_checked_answer_with_verbatim_citations(
    url: str, api_assistant: Assistant, chat: ScriptedChat
) -> None:
    result = client(url).predict(HIROSHIMA_Q, api_name="/ask")
    assert result["stage"] == "answer" and result["question"] == HIROSHIMA_Q
    assert result["abstained"] is False and "Hiroshima" in result["text"]
    assert "[1]" in result["text"] and "[@" not in result["text"]
    assert [c["file"] for c in result["citations"]] == [SOURCE]
    assert_verbatim(api_assistant, result["citations"])
    assert "Hiroshima" in result["citations"][0]["quote"]
    assert (result["backend"], result["model"]) == ("scripted", "scripted-1")
    assert result["reason"] == "" and "closest" not in result  # an answer needs no excuse
    timings = result["timings"]
    assert 0 < timings["ranked_s"] <= timings["evidence_s"] <= timings["total_s"]


def test_ask_streams_the_passages_then_the_evidence_before_the_answer(
    url: str, api_assistant: Assistant, chat: ScriptedChat
) -> None:
    job = client(url).submit(HIROSHIMA_Q, api_name="/ask")
    final = job.result(timeout=60)
    ranked, evidence, answer = job.outputs()
    assert ranked["stage"] == "ranked" and ranked["question"] == HIROSHIMA_Q
    assert 1 <= len(ranked["passages"]) <= 3 and SOURCE in [p["file"] for p in ranked["passages"]]
    assert_verbatim(api_assistant, ranked["passages"])
    relevance = [p["relevance"] for p in ranked["passages"]]
    assert relevance == sorted(relevance, reverse=True) and all(
        p["date"] for p in ranked["passages"]
    )
    assert evidence["stage"] == "evidence" and answer == final and final["stage"] == "answer"
    assert [e["file"] for e in evidence["evidence"]] == [SOURCE]
    assert_verbatim(api_assistant, evidence["evidence"])
    assert evidence["evidence"][0]["quote"] == final["citations"][0]["quote"]


def test_ask_abstains_without_citations_and_says_why(
    url: str, api_assistant: Assistant, chat: ScriptedChat
) -> None:
    job = client(url).submit(OFF_TOPIC, api_name="/ask")
    result = job.result(timeout=60)
    assert [o["stage"] for o in job.outputs()] == ["answer"]  # nothing close: nothing read
    assert result["text"] == ABSTAIN_TEXT and result["abstained"] is True
    assert result["citations"] == [] and chat.calls == []
    assert result["reason"].startswith("Nothing in the articles comes close")
    assert 2 <= len(result["closest"]) <= 3
    assert_verbatim(api_assistant, result["closest"])
    assert {"file", "quote", "start", "end", "title", "date"} <= set(result["closest"][0])


def test_an_abstention_after_reading_gives_the_sentences_it_read(
    url: str, api_assistant: Assistant, chat: ScriptedChat
) -> None:
    chat.answer = "The excerpts do not say."  # the model picks "no sentence answers"
    job = client(url).submit(HIROSHIMA_Q, api_name="/ask")
    result = job.result(timeout=60)
    assert [o["stage"] for o in job.outputs()] == ["ranked", "answer"]
    assert result["abstained"] is True and "judged that none of them" in result["reason"]
    assert SOURCE in [p["file"] for p in result["closest"]]
    assert_verbatim(api_assistant, result["closest"])


def test_a_bad_question_is_an_error_that_says_why(url: str, chat: ScriptedChat) -> None:
    with pytest.raises(Exception, match="The question is empty"):
        client(url).predict("   ", api_name="/ask")
    chat.error = RuntimeError("secret internal detail")
    with pytest.raises(Exception, match="Something went wrong") as caught:
        client(url).predict(HIROSHIMA_Q, api_name="/ask")
    assert "secret internal detail" not in str(caught.value)


def test_ask_waits_in_the_chat_s_queue(url: str, chat: ScriptedChat) -> None:
    """With ui_concurrency 1, an `/ask` waits while the chat is answering, then runs."""
    chat.gate = threading.Event()
    chatting = client(url)
    try:
        chatting.predict("What did Japan and the US agree on chips?", [], api_name="/submit")
        answering = chatting.submit([], api_name="/respond")
        deadline = time.monotonic() + 60
        while not chat.choosing and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(chat.choosing) == 1, "the chat's answer did not start"
        asked = client(url).submit(HIROSHIMA_Q, api_name="/ask")
        time.sleep(2)
        assert chat.choosing == ["What did Japan and the US agree on chips?"]  # /ask waits
    finally:
        chat.gate.set()
    assert answering.result(timeout=60)[-1]["role"] == "assistant"
    assert asked.result(timeout=60)["stage"] == "answer"
    assert chat.choosing[-1] == HIROSHIMA_Q
