"""The `openai` backend against a real OpenAI-compatible server on 127.0.0.1.

The server is llama-cpp-python's (`python -m llama_cpp.server`) with SmolLM2,
started by a fixture: the real `openai` client, the real HTTP path, streaming.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from assistant.core import Assistant
from assistant.errors import LLMUnavailable
from assistant.llm.openai_chat import OpenAIChat
from assistant.schema import Usage
from tests.conftest import free_port, silent_port

MESSAGES = [{"role": "user", "content": "Say hello."}]


def test_streams_a_reply_and_reports_usage(openai_server: str, make_settings) -> None:
    chat = OpenAIChat(make_settings(openai_base_url=openai_server, openai_model="smollm2"))
    usage = Usage()
    pieces = list(chat.stream(MESSAGES, 16, usage))
    assert pieces and "".join(pieces).strip()
    assert usage.completion_tokens and usage.completion_tokens <= 16


def test_assistant_answers_through_the_server(openai_server: str, make_settings) -> None:
    settings = make_settings(openai_base_url=openai_server, openai_model="smollm2")
    assert settings.resolved_llm_backend == "openai"
    assistant = Assistant(settings)
    answer = assistant.ask("What did Japan and the US agree about chip export controls?")
    assert answer.backend == "openai" and answer.model == "smollm2"
    assert answer.raw_text or answer.abstained
    for c in answer.citations:
        text = open(settings.source_dir / c.source, encoding="utf-8").read()
        assert text[c.start : c.end] == c.quote


def test_down_server_names_the_url(make_settings) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    chat = OpenAIChat(make_settings(openai_base_url=url, llm_max_retries=0))
    with pytest.raises(LLMUnavailable, match=f"Cannot reach the LLM server at {url}"):
        list(chat.stream(MESSAGES, 8, Usage()))


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A hung LLM server: accepts connections and never answers."""
    for port in silent_port():
        yield f"http://127.0.0.1:{port}/v1"


def test_slow_server_times_out_with_a_clear_error(silent_server: str, make_settings) -> None:
    chat = OpenAIChat(
        make_settings(openai_base_url=silent_server, llm_timeout=1.0, llm_max_retries=0)
    )
    began = time.monotonic()
    with pytest.raises(LLMUnavailable, match="did not answer within 1s"):
        list(chat.stream(MESSAGES, 8, Usage()))
    assert time.monotonic() - began < 30


def test_unknown_backend_setting_is_refused(make_settings) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        make_settings(llm_backend="carrier-pigeon")


def test_label_scores_come_from_the_servers_logprobs(openai_server: str, make_settings) -> None:
    chat = OpenAIChat(make_settings(openai_base_url=openai_server, openai_model="smollm2"))
    usage = Usage()
    messages = [{"role": "user", "content": "Is Paris in France? Answer yes or no."}]
    scores = chat.label_scores(messages, ["yes", "no"], usage)
    assert scores.how == "logprobs"
    assert sum(scores.probs.values()) == pytest.approx(1.0)
    assert usage.prompt_tokens and usage.calls == 1


@pytest.fixture(scope="module")
def server_without_logprobs(small_gguf, tmp_path_factory) -> Iterator[str]:
    """llama-cpp-python's server without logits for every token: it refuses logprobs."""
    from tests.conftest import llama_server

    log_dir = tmp_path_factory.mktemp("plain-server")
    yield from llama_server(small_gguf, log_dir, "--logits_all", "false")


def test_a_server_without_logprobs_falls_back_to_the_text_rule(
    server_without_logprobs: str, make_settings
) -> None:
    settings = make_settings(
        openai_base_url=server_without_logprobs, openai_model="smollm2", llm_max_retries=0
    )
    chat = OpenAIChat(settings)
    messages = [{"role": "user", "content": "Reply with the single word yes."}]
    scores = chat.label_scores(messages, ["yes", "no"], Usage())
    assert scores.how == "text" and sorted(scores.probs.values()) in ([0.0, 1.0], [0.0, 0.0])
    # and the whole pipeline still answers or abstains through it
    answer = Assistant(settings).ask("Where did Biden and Kishida meet before the G7 summit?")
    assert answer.decision is not None and answer.prompt.startswith("select@")


def test_the_api_key_is_in_no_error_repr_or_dump(tmp_path, monkeypatch) -> None:
    from assistant.core import Assistant as Fresh
    from assistant.errors import BadSettings
    from assistant.settings import Settings

    key = "sk-test-" + "x" * 24
    monkeypatch.setenv("OPENAI_API_KEY", key)
    monkeypatch.setenv("ASSISTANT_LOCAL_MODEL", str(tmp_path / "missing.gguf"))
    with pytest.raises(BadSettings) as raised:
        Fresh()
    assert "ASSISTANT_LOCAL_MODEL" in str(raised.value) and key not in str(raised.value)
    monkeypatch.delenv("ASSISTANT_LOCAL_MODEL")
    settings = Settings()
    assert settings.api_key == key
    assert key not in repr(settings) and key not in settings.model_dump_json()


@pytest.fixture
def html_server() -> Iterator[str]:
    """A server that answers every request 200 with an HTML page (a proxy's error page)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Page(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = b"<html><body>502 upstream gone</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    thread.join()


def test_a_reply_that_is_not_openai_json_is_a_clear_error(html_server: str, make_settings) -> None:
    settings = make_settings(openai_base_url=html_server, llm_max_retries=0)
    with pytest.raises(LLMUnavailable, match=f"The LLM server at {html_server}"):
        OpenAIChat(settings).label_scores(MESSAGES, ["yes", "no"], Usage())
    with pytest.raises(LLMUnavailable, match=f"The LLM server at {html_server}"):
        list(OpenAIChat(settings).stream(MESSAGES, 8, Usage()))
