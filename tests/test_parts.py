"""Multi-part questions: split in code, each part retrieved and given its own pick.

The ranking uses the real MiniLM embedder; the part reads SmolLM2 in llama.cpp
and through llama.cpp's OpenAI-compatible server."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from assistant.answering.evidence import rank_sentences
from assistant.answering.question import Question, question_parts
from assistant.answering.selection import PART_MIN, LLMSelector, Selection, add_part
from assistant.ingest.embeddings import build_embedder
from assistant.llm import Scores
from assistant.llm.local import LocalChat
from assistant.llm.openai_chat import OpenAIChat
from assistant.llm.prompts import load_prompt
from assistant.schema import Evidence, Usage
from tests.conftest import settings_for


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        (
            "Where was the first summit held, and where did the two meet again before the G7?",
            ["Where was the first summit held?", "Where did the two meet again before the G7?"],
        ),
        (
            "What did Japan agree to; which company from the Netherlands makes the tools?",
            ["What did Japan agree to?", "Which company from the Netherlands makes the tools?"],
        ),
        (
            "What dispute did Yoon move to settle, and in which month was the plan announced?",
            ["What dispute did Yoon move to settle?", "In which month was the plan announced?"],
        ),
    ],
)
def test_a_question_that_asks_two_things_is_split_into_questions(
    question: str, parts: list[str]
) -> None:
    assert question_parts(question) == parts


@pytest.mark.parametrize(
    "question",
    [
        "Where did Biden and Kishida meet a day before the G7 summit?",
        "Which factories did Kishida hold up in 2023 and visit in 2024?",  # one question
        "Who said it, and when?",  # "when?" means nothing alone
        "Why did Biden, Kishida and Yoon meet?",  # a list of names, not a second question
        "",
    ],
)
def test_a_single_question_is_left_whole(question: str) -> None:
    assert question_parts(question) == []


def sentence(n: int) -> Evidence:
    return Evidence(source="a.txt", start=10 * n, end=10 * n + 9, text=f"Sentence {n}.")


def test_a_part_adds_the_sentence_it_picks_when_the_model_is_sure_enough() -> None:
    shown = [sentence(n) for n in (1, 2, 3)]
    selection = Selection(shown, [shown[0]], 0.01, "logits")
    add_part(selection, Scores({"1": 0.1, "2": 0.1, "3": 0.8}, "logits"))
    assert selection.chosen == [shown[0], shown[2]]
    add_part(selection, Scores({"1": 0.9, "2": 0.05, "3": 0.05}, "logits"))  # chosen already
    assert selection.chosen == [shown[0], shown[2]]
    assert selection.part_picks == [shown[2], shown[0]]  # each part's pick, to quote if uncited
    unsure = {"1": 0.2, "2": PART_MIN - 0.01, "3": 0.1}
    add_part(selection, Scores(unsure, "logits"))
    assert selection.chosen == [shown[0], shown[2]] and len(selection.part_picks) == 2
    add_part(selection, Scores({"1": 0.0, "2": 0.0, "3": 0.0}, "logits"))  # no scores at all
    assert len(selection.chosen) == 2


TWO_PART = "Where did the leaders meet before the summit, and which war did they condemn?"
PARTS = question_parts(TWO_PART)
TEXTS = [
    "The leaders met in Hiroshima a day before the summit opened.",
    "The leaders met for breakfast before the summit began.",
    "Before the summit, the two leaders met in the city.",
    "The summit of the leaders was held in Tokyo.",
    "The leaders condemned Russia's war against Ukraine.",
]
SENTENCES = [
    Evidence(source="a.txt", start=100 * i, end=100 * i + len(t), text=t, chunk_rank=1)
    for i, t in enumerate(TEXTS)
]


def test_each_part_adds_its_closest_sentence_to_the_list(make_settings) -> None:
    embed = build_embedder(make_settings()).get_text_embedding_batch
    whole = rank_sentences(TWO_PART, SENTENCES, embed, 3)
    assert "Ukraine" not in " ".join(s.text for s in whole)  # the meeting crowds it out
    with_parts = rank_sentences(TWO_PART, SENTENCES, embed, 3, PARTS)
    assert len(with_parts) == 3 and with_parts[:1] == whole[:1]
    assert any("Ukraine" in s.text for s in with_parts)
    everything = rank_sentences(TWO_PART, SENTENCES, embed, 9, PARTS)
    assert sorted(s.text for s in everything) == sorted(TEXTS)  # each once, none lost


def test_a_later_part_is_read_as_a_follow_up_of_the_sentence_list(small_gguf: Path) -> None:
    chat = LocalChat(small_gguf, settings_for(llm_backend="local"))
    selector = LLMSelector(chat, load_prompt("select"), load_prompt("select_part"))
    whole = replace(Question.parse(TWO_PART), parts=())  # asked as one question
    selector.select(whole, SENTENCES, Usage())  # the prompt's fixed head is read and saved
    alone, both = Usage(), Usage()
    first = selector.select(whole, SENTENCES, alone)
    selection = selector.select(Question.parse(TWO_PART), SENTENCES, both)
    assert first.chosen and [e.probability for e in selection.shown] == [
        e.probability for e in first.shown
    ]
    assert both.calls == alone.calls + 1  # one read for the second part, none for the first
    part_tokens = (both.prompt_tokens or 0) - (alone.prompt_tokens or 0)
    assert len(chat._llama.tokenize(PARTS[1].encode())) < part_tokens < 60  # not the list again
    assert selection.chosen[: len(first.chosen)] == first.chosen


def test_a_later_part_is_asked_through_an_openai_server(openai_server: str, make_settings) -> None:
    chat = OpenAIChat(make_settings(openai_base_url=openai_server, openai_model="smollm2"))
    selector = LLMSelector(chat, load_prompt("select"), load_prompt("select_part"))
    usage = Usage()
    selection = selector.select(Question.parse(TWO_PART), SENTENCES, usage)
    assert selection.chosen  # so the second part is asked: one more request
    assert usage.calls == 2 and usage.prompt_tokens
    assert selection.how in ("logprobs", "text")
