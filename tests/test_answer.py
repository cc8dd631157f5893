"""Answering end to end through the embedded llama.cpp backend.

SmolLM2-135M checks the plumbing quickly; the tests marked `slow` use the
default Qwen2.5 1.5B model and check the answers themselves.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from assistant.answer import ABSTAIN_TEXT
from assistant.core import Assistant
from assistant.errors import BadQuestion

HIROSHIMA_Q = "Where did Biden and Kishida meet a day before the G7 summit?"


@pytest.fixture(scope="module")
def small_assistant(tmp_path_factory, small_gguf):  # noqa: ANN001, ANN201
    from assistant.settings import Settings

    root = tmp_path_factory.mktemp("small")
    from tests.conftest import SEEDS

    return Assistant(
        Settings(
            source_dir=SEEDS,
            persist_dir=root / "store",
            local_model=small_gguf,
            llm_backend="local",
        )  # fmt: skip
    )


def test_answer_shape_and_verbatim_quotes(small_assistant: Assistant) -> None:
    answer = small_assistant.ask(HIROSHIMA_Q)
    assert answer.backend == "local" and answer.model.startswith("SmolLM2")
    assert answer.prompt.startswith("answer@")
    assert answer.chunks and answer.chunks[0].source == "002_eb2b49479483de60.txt"
    assert answer.timings.total_s > 0 and answer.usage.completion_tokens
    for c in answer.citations:
        text = open(small_assistant.settings.source_dir / c.source, encoding="utf-8").read()
        assert text[c.start : c.end] == c.quote
    if answer.abstained:
        assert answer.text == ABSTAIN_TEXT and answer.citations == []
    else:
        assert answer.citations
    assert json.loads(answer.model_dump_json())["question"] == HIROSHIMA_Q


def test_off_topic_question_abstains_without_the_llm(small_assistant: Assistant) -> None:
    answer = small_assistant.ask("What is a good recipe for banana bread?")
    assert answer.abstained and answer.text == ABSTAIN_TEXT and answer.citations == []
    assert answer.raw_text == ""


@pytest.mark.parametrize(
    ("question", "message"),
    [("", "empty"), ("   \n\t", "empty"), ("x" * 5000, "limit is 1000"), (None, "text")],
)
def test_bad_questions_get_clear_errors(small_assistant: Assistant, question, message) -> None:  # noqa: ANN001
    with pytest.raises(BadQuestion, match=message):
        small_assistant.ask(question)


def test_streaming_yields_text_then_the_answer(small_assistant: Assistant) -> None:
    events = list(small_assistant.stream("What did Japan and the US agree on chips?"))
    *pieces, final = events
    assert pieces and all(isinstance(p, str) for p in pieces)
    assert final.raw_text == "".join(pieces)


def test_follow_up_is_rewritten_with_the_conversation(small_assistant: Assistant) -> None:
    history = [
        {"role": "user", "content": HIROSHIMA_Q},
        {"role": "assistant", "content": "They met in Hiroshima [1]."},
    ]
    answer = small_assistant.ask("What did they agree on technology?", history=history)
    assert answer.question == "What did they agree on technology?"
    assert answer.standalone_question  # whatever the small model wrote, it is recorded
    assert answer.timings.rewrite_s > 0


def test_empty_store_without_auto_ingest_says_what_to_do(make_settings) -> None:
    from assistant.errors import StoreUnavailable

    with pytest.raises(StoreUnavailable, match="assistant ingest"):
        Assistant(make_settings(auto_ingest=False))


@pytest.fixture(scope="module")
def default_assistant(tmp_path_factory, model_cache):  # noqa: ANN001, ANN201
    from assistant.settings import Settings
    from tests.conftest import SEEDS

    root = tmp_path_factory.mktemp("default")
    return Assistant(
        Settings(source_dir=SEEDS, persist_dir=root / "store", model_cache_dir=model_cache)
    )


@pytest.mark.slow
def test_default_model_answers_with_a_checked_citation(default_assistant: Assistant) -> None:
    answer = default_assistant.ask(HIROSHIMA_Q)
    assert answer.model.startswith("qwen2.5-coder-1.5b")
    assert not answer.abstained
    assert "Hiroshima" in answer.text
    assert "002_eb2b49479483de60.txt" in answer.sources
    assert "[1]" in answer.text


@pytest.mark.slow
def test_default_model_abstains_when_the_articles_do_not_say(default_assistant: Assistant) -> None:
    answer = default_assistant.ask("How many semiconductors did Japan export to China in 2023?")
    assert answer.abstained, answer.raw_text
    assert answer.text == ABSTAIN_TEXT and answer.citations == []


def test_python_function_and_cli_share_one_default(tmp_path, small_gguf) -> None:  # noqa: ANN001
    env = {
        "ASSISTANT_PERSIST_DIR": str(tmp_path / "store"),
        "ASSISTANT_LOCAL_MODEL": str(small_gguf),
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
    }
    code = (
        "import time; from assistant import ask; import assistant.core as c\n"
        "a = ask('What did Japan and the US agree on chips?'); first = c._default\n"
        "b = ask('Where was the G7 summit held?'); assert c._default is first\n"
        "print('ok', a.backend, b.backend)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "ok local local" in done.stdout
