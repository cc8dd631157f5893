"""The answer check with the default model (`slow`).

The relation read separates a claim its sentence contradicts; it is off by
default because on the eval it did not separate right answers from wrong ones
(answering/check.py says by how much).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answering.check import LLMAnswerCheck
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
def test_the_default_answer_check_reads_nothing(assistant: Assistant) -> None:
    """Off by default (`check_threshold` 0): no read, no tokens, the answer kept."""
    answer = assistant.ask("Where did Biden and Kishida meet a day before the G7 summit?")
    assert answer.check is not None and answer.check.outcome == "kept"
    assert answer.check.says is None and "Hiroshima" in answer.text
