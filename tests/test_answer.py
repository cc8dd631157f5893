"""Answering end to end through the embedded llama.cpp backend.

SmolLM2-135M checks the plumbing quickly; the tests marked `slow` use the
default Qwen2.5 1.5B model and check the answers themselves.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from assistant.core import Assistant, Found, Ranked
from assistant.errors import BadQuestion
from assistant.llm import ChatModel
from assistant.schema import ABSTAIN_TEXT, Answer, Evidence, Usage
from tests.conftest import SEEDS, settings_for

HIROSHIMA_Q = "Where did Biden and Kishida meet a day before the G7 summit?"
HISTORY = [
    {"role": "user", "content": HIROSHIMA_Q},
    {"role": "assistant", "content": "They met in Hiroshima [1]."},
]
FOLLOW_UP = "What did they agree on technology?"


@pytest.fixture(scope="module")
def small_assistant(tmp_path_factory, small_gguf, model_cache):
    root = tmp_path_factory.mktemp("small")
    return Assistant(
        settings_for(
            source_dir=SEEDS,
            persist_dir=root / "store",
            model_cache_dir=model_cache,
            local_model=small_gguf,
            llm_backend="local",
        )
    )


def test_answer_shape_and_verbatim_quotes(small_assistant: Assistant) -> None:
    answer = small_assistant.ask(HIROSHIMA_Q)
    assert answer.backend == "local" and answer.model.startswith("SmolLM2")
    assert answer.prompt.startswith("select@") and "+phrase@" in answer.prompt
    assert answer.evidence and answer.decision is not None
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
def test_bad_questions_get_clear_errors(small_assistant: Assistant, question, message) -> None:
    with pytest.raises(BadQuestion, match=message):
        small_assistant.ask(question)


def test_streaming_yields_evidence_then_text_then_the_answer(small_assistant: Assistant) -> None:
    events = list(small_assistant.stream("What did Japan and the US agree on chips?"))
    ranked, *pieces, final = events
    assert isinstance(final, Answer)
    # first, before the model reads anything: the sentences it will read, closest first
    assert isinstance(ranked, Ranked)
    assert sorted(e.key for e in ranked) == sorted(e.key for e in final.evidence)
    assert [e.relevance for e in ranked] == sorted((e.relevance for e in ranked), reverse=True)
    assert final.timings.ranked_s is not None and final.timings.evidence_s is not None
    assert final.timings.ranked_s < final.timings.evidence_s
    if final.abstained:
        assert pieces[-1:] == [ABSTAIN_TEXT]
        return
    found, *text = pieces
    assert isinstance(found, Found) and found and all(isinstance(e, Evidence) for e in found)
    assert text and all(isinstance(p, str) for p in text)
    assert final.raw_text  # what the model wrote is kept; only checked sentences are shown
    assert "".join(text).strip() == final.text.strip()
    assert final.timings.evidence_s is not None and final.timings.first_token_s is not None
    assert final.timings.evidence_s <= final.timings.first_token_s
    cited = {(c.source, c.start) for c in final.citations}
    assert cited <= {(e.source, e.start) for e in final.evidence}  # quotes are shown sentences


def test_an_answer_does_not_depend_on_the_questions_asked_before(
    small_assistant: Assistant,
) -> None:
    asked = "What did Japan and the US agree on chips?"
    first = small_assistant.ask(asked)
    small_assistant.ask("Where did Biden and Kishida meet a day before the G7 summit?")
    small_assistant.ask(FOLLOW_UP, HISTORY)  # a rewrite prompt in between
    again = small_assistant.ask(asked)
    assert [e.probability for e in again.evidence] == [e.probability for e in first.evidence]
    assert again.decision == first.decision
    assert (again.text, again.citations) == (first.text, first.citations)


class Recording:
    """The real model, with a record of the prompts it was given and what it wrote."""

    def __init__(self, chat: ChatModel) -> None:
        self.chat, self.backend, self.model = chat, chat.backend, chat.model
        self.prompts: list[list[dict[str, str]]] = []
        self.written: list[str] = []

    def stream(self, messages, max_tokens, usage):
        self.prompts.append(messages)
        self.written.append("")
        for piece in self.chat.stream(messages, max_tokens, usage):
            self.written[-1] += piece
            yield piece

    def label_scores(self, messages, labels, usage, prefill=""):
        self.prompts.append(messages)
        return self.chat.label_scores(messages, labels, usage, prefill)


@pytest.mark.slow
def test_follow_up_is_rewritten_with_the_conversation_and_searched_as_rewritten(
    default_assistant: Assistant,
) -> None:
    # the default model: the small test model answers instead of rewriting, and a
    # rewrite that is not a question is not used (the scripted test below)
    recording = Recording(default_assistant.chat)
    assistant = Assistant(default_assistant.settings, chat_model=recording)
    answer = assistant.ask(FOLLOW_UP, history=HISTORY)
    rewrite = recording.prompts[0][-1]["content"]  # the first call rewrites the follow-up
    assert "They met in Hiroshima" in rewrite and HIROSHIMA_Q in rewrite and FOLLOW_UP in rewrite
    # what the model wrote is the question the rest of the pipeline works on
    standalone = answer.standalone_question
    assert standalone != FOLLOW_UP and standalone in recording.written[0], recording.written[0]
    assert len(recording.prompts) > 1, "the follow-up was not answered"
    assert standalone in recording.prompts[1][-1]["content"]  # evidence chosen for it
    assert answer.question == FOLLOW_UP and answer.timings.rewrite_s > 0


class Answering:
    """A scripted model that answers the follow-up instead of rewriting it."""

    backend, model = "scripted", "scripted"

    def __init__(self, reply: str) -> None:
        self.reply = reply

    def stream(self, messages, max_tokens, usage):
        yield self.reply


@pytest.mark.parametrize(
    ("reply", "used"),
    [
        ("They met in Hiroshima and agreed on chips.", False),  # an answer, not a question
        ("What did Biden and Kishida agree on technology?", True),
        ("Biden and Kishida agreed on what technology?", True),
        ("Which technology deals did Biden and Kishida agree on", True),
        ("In Hiroshima, they agreed on chips and quantum computing.", False),  # an answer
        ("In which city did Biden and Kishida agree on technology", True),
    ],
)
def test_a_rewrite_is_used_only_when_it_reads_as_a_question(
    small_assistant: Assistant, reply: str, used: bool
) -> None:
    assistant = Assistant(small_assistant.settings, chat_model=Answering(reply))
    assert assistant.rewrite(FOLLOW_UP, HISTORY) == (reply if used else FOLLOW_UP)


def test_empty_store_without_auto_ingest_says_what_to_do(make_settings) -> None:
    from assistant.errors import StoreUnavailable

    with pytest.raises(StoreUnavailable, match="assistant ingest"):
        Assistant(make_settings(auto_ingest=False))


@pytest.fixture(scope="module")
def default_assistant(tmp_path_factory, model_cache):
    root = tmp_path_factory.mktemp("default")
    return Assistant(
        settings_for(source_dir=SEEDS, persist_dir=root / "store", model_cache_dir=model_cache)
    )


@pytest.mark.slow
def test_default_model_answers_with_a_checked_citation(default_assistant: Assistant) -> None:
    answer = default_assistant.ask(HIROSHIMA_Q)
    assert answer.model.startswith("qwen2.5-coder-1.5b")
    assert not answer.abstained, answer.decision
    assert "Hiroshima" in answer.text and "[1]" in answer.text
    [citation] = [c for c in answer.citations if c.number == 1]
    assert citation.source == "002_eb2b49479483de60.txt" and "Hiroshima" in citation.quote
    assert answer.decision is not None and answer.decision.margin > 0


@pytest.mark.slow
def test_default_model_abstains_when_the_articles_do_not_say(default_assistant: Assistant) -> None:
    answer = default_assistant.ask("How many semiconductors did Japan export to China in 2023?")
    assert answer.abstained, answer.decision
    assert answer.text == ABSTAIN_TEXT and answer.citations == []
    assert answer.decision is not None and not answer.decision.answer


@pytest.mark.slow
def test_default_model_rewrites_a_follow_up_to_name_who_is_meant(
    default_assistant: Assistant,
) -> None:
    rewritten = default_assistant.rewrite(FOLLOW_UP, HISTORY)
    assert rewritten != FOLLOW_UP
    assert "Biden" in rewritten or "Kishida" in rewritten, rewritten
    assert "technolog" in rewritten.lower(), rewritten


@pytest.mark.slow
def test_default_model_rewrites_a_follow_up_after_the_answer_it_gave(
    default_assistant: Assistant,
) -> None:
    history = [
        {"role": "user", "content": HIROSHIMA_Q},
        {"role": "assistant", "content": default_assistant.ask(HIROSHIMA_Q).text},
    ]
    rewritten = default_assistant.rewrite(FOLLOW_UP, history)
    assert "Biden" in rewritten or "Kishida" in rewritten, rewritten
    assert "technolog" in rewritten.lower(), rewritten


def test_ask_keeps_one_default_assistant_built_from_the_environment(
    tmp_path, small_gguf, model_cache
) -> None:
    env = {
        "ASSISTANT_PERSIST_DIR": str(tmp_path / "store"),
        "ASSISTANT_LOCAL_MODEL": str(small_gguf),
        "ASSISTANT_MODEL_CACHE_DIR": str(model_cache),
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
    }
    code = (
        "from assistant import ask; import assistant.core as c\n"
        "a = ask('What did Japan and the US agree on chips?'); first = c._default\n"
        "b = ask('Where was the G7 summit held?'); assert c._default is first\n"
        "print('ok', a.model, b.model, first.settings.persist_dir)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    ok, first_model, second_model, persist_dir = done.stdout.split()[-4:]
    assert ok == "ok" and first_model == second_model and first_model.startswith("SmolLM2")
    assert persist_dir == str(tmp_path / "store") and (tmp_path / "store").is_dir()


def test_label_scores_read_the_logits_and_reuse_the_cached_prompt(
    small_assistant: Assistant,
) -> None:
    chat = small_assistant.chat
    messages = [
        {"role": "system", "content": "You answer yes or no."},
        {"role": "user", "content": "Sentences:\n1. Paris is in France.\nIs Paris in France?"},
    ]
    first, again = Usage(), Usage()
    scores = chat.label_scores(messages, ["yes", "no"], first)
    assert scores.how == "logits" and sum(scores.probs.values()) == pytest.approx(1.0)
    assert first.prompt_tokens and first.prompt_tokens > 20
    prefilled = chat.label_scores(messages, ["1", "2"], again, prefill="Sentence ")
    assert prefilled.how == "logits" and prefilled.probs["1"] > prefilled.probs["2"]
    # the whole prompt was cached: only the prefill's tokens were read
    assert again.prompt_tokens is not None and again.prompt_tokens <= 3
    # (llama.cpp's server, the default engine, reads the last token of the reused prompt
    # again, so it counts one or two tokens as read rather than cached)
    assert again.cached_tokens + again.prompt_tokens >= first.prompt_tokens


def test_broken_text_in_a_question_is_a_clear_error() -> None:
    from assistant.core import validate_question

    with pytest.raises(BadQuestion, match="not valid text"):
        validate_question("Where did they meet?\udcff", 1000)


def test_a_truncated_model_file_is_a_clear_error(tmp_path, make_settings) -> None:
    from assistant.errors import ModelFileError
    from assistant.llm.local import LocalChat

    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + b"\x00" * 64)
    with pytest.raises(ModelFileError, match="not a complete GGUF"):
        LocalChat(broken, make_settings())
