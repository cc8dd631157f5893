"""The answer check with the default model (`slow`).

The role read picks, among a sentence's names, the one a question asks for; the
yes/no relation read separates a claim its sentence contradicts, and is off by
default because on the eval it did not separate right answers from wrong ones
(answering/check.py says by how much).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answering.check import QUOTE_LEAST, Case, LLMAnswerCheck
from assistant.answering.citations import CheckedAnswer
from assistant.answering.question import Question
from assistant.answering.selection import Selection, selection_messages
from assistant.core import Assistant
from assistant.llm.prompts import load_prompt
from assistant.schema import Evidence, Usage
from tests.conftest import SEEDS, settings_for


def quote(name: str, begins: str, ends: str) -> Evidence:
    text = (SEEDS / name).read_text(encoding="utf-8")
    start = text.index(begins)
    end = text.index(ends, start) + len(ends)
    return Evidence(source=name, start=start, end=end, text=text[start:end], probability=0.5)


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Assistant:
    root = tmp_path_factory.mktemp("check")
    return Assistant(
        settings_for(source_dir=SEEDS, persist_dir=root / "store", model_cache_dir=model_cache)
    )


@pytest.mark.slow
def test_the_model_says_no_to_a_claim_its_sentence_contradicts(assistant: Assistant) -> None:
    talks = quote("002_eb2b49479483de60.txt", "At their talks in Hiroshima", "opens")
    question = Question.parse("Where did Biden and Kishida meet a day before the G7 summit?")
    selection = Selection(shown=[talks], chosen=[talks], none=0.0, how="test")
    conversation = selection_messages(assistant.select_prompt, question, selection.shown)
    check = LLMAnswerCheck(assistant.chat, load_prompt("check"), 0.3)
    usage = Usage()
    right = check.says(conversation, "Biden and Kishida met in Hiroshima.", [1], usage)
    wrong = check.says(conversation, "Biden and Kishida met in Osaka.", [1], usage)
    assert wrong < check.least <= right, (wrong, right)
    assert 0 < usage.prompt_tokens < 800


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("Who was Japan's foreign minister at the Security Consultative Committee?", 3),
        ("Who was Japan's defence minister at the Security Consultative Committee?", 4),
    ],
)
def test_the_role_read_picks_the_name_in_the_asked_role(
    assistant: Assistant, question: str, name: int
) -> None:
    """One sentence, four people in four roles: the model's likeliest option is the one
    the question asks for, or, where it leans to another name, it leans under
    check.QUOTE_LEAST, so that the check abstains rather than quotes the wrong person.
    (Asked for the US defence secretary, the 1.5B model is near a tie, 0.28 Blinken against
    0.27 Austin, on llama-cpp-python's portable build; asked for Japan's defence minister,
    xllamacpp leans to the foreign minister, Hayashi, at 0.42, and the answer abstains.)"""
    meeting = quote("001_b74b093e62153c20.txt", "Secretary of State Antony", "in Washington.")
    q = Question.parse(question)
    selection = Selection(shown=[meeting], chosen=[meeting], none=0.0, how="test")
    conversation = selection_messages(assistant.select_prompt, q, selection.shown)
    check = LLMAnswerCheck(assistant.chat, load_prompt("check"), 0.0, load_prompt("check_role"))
    options = ["Antony Blinken", "Lloyd Austin", "Yoshimasa Hayashi", "Yasukazu Hamada"]
    checked = CheckedAnswer("", [], False, [])  # the read needs only the conversation
    probs = check.pick(Case(q, selection, checked, conversation, Usage()), options, [1])
    assert probs is not None, "the role read gave no scores"
    best = max(probs, key=lambda k: probs[k])
    assert best == str(name) or probs[best] < QUOTE_LEAST, probs


@pytest.mark.slow
def test_the_default_answer_check_reads_the_role_and_keeps_a_right_answer(
    assistant: Assistant,
) -> None:
    """A "where" question: the role read (on by default) keeps the place the sentence
    gives; the yes/no read (`check_threshold` 0) reads nothing."""
    answer = assistant.ask("Where did Biden and Kishida meet a day before the G7 summit?")
    assert answer.check is not None and answer.check.outcome == "kept", answer.check
    assert answer.check.says is not None and answer.check.says > 0.5
    assert "Hiroshima" in answer.text and "check_role@1" in answer.prompt


BRIDGE = (
    "The Millbrook bridge is now expected to cost $812 million, up from an original "
    "estimate of about $660 million, county engineers said."
)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "figure"),
    [
        ("How much was the original estimate for the Millbrook bridge?", 2),
        ("How much is the Millbrook bridge now expected to cost?", 1),
    ],
)
def test_the_figure_read_picks_the_figure_of_the_asked_thing(
    assistant: Assistant, question: str, figure: int
) -> None:
    """One sentence (a page written for the test), two figures of two things: shown with
    the words around them, the model's likeliest option is the one the question asks for."""
    from assistant.answering.figures import figures

    bridge = Evidence(source="bridge.html", start=0, end=len(BRIDGE), text=BRIDGE, probability=0.9)
    q = Question.parse(question)
    selection = Selection(shown=[bridge], chosen=[bridge], none=0.0, how="test")
    conversation = selection_messages(assistant.select_prompt, q, selection.shown)
    check = LLMAnswerCheck(assistant.chat, load_prompt("check"), 0.0, load_prompt("check_role"))
    options = [f.shown for f in figures(BRIDGE, question)]
    checked = CheckedAnswer("", [], False, [])
    probs = check.pick(Case(q, selection, checked, conversation, Usage()), options, [1])
    assert probs is not None and max(probs, key=lambda k: probs[k]) == str(figure), probs
