"""The answer check (answering/check.py): kind by code, relation by the model's yes/no.

A fake chat model stands in for the scores here (what it is asked is real); the
real model's reads run in tests/test_answer_check_model.py (`slow`).
"""

from __future__ import annotations

import re

from assistant.answering.check import LLMAnswerCheck, claim_text, kind_held
from assistant.answering.citations import cite
from assistant.answering.question import Question
from assistant.answering.selection import Selection
from assistant.llm import Scores
from assistant.llm.prompts import load_prompt
from assistant.schema import Evidence, Message, Usage

MINISTER = (
    "Yasutoshi Nishimura, Japan's minister of economy, trade and industry, spoke in Washington."
)
EXPORTS = "Biden plans a framework for export controls with Prime Minister Fumio Kishida."
CONVERSATION: list[Message] = [{"role": "user", "content": "(the phrasing conversation)"}]


def sentence(text: str, start: int, p: float = 0.5) -> Evidence:
    return Evidence(source="a.txt", start=start, end=start + len(text), text=text, probability=p)


class Judging:
    """P(yes) by the sentence number the check asks about; records what it read."""

    backend = "fake"
    model = "judging"

    def __init__(self, says: dict[int, float]) -> None:
        self.says = says
        self.asked: list[list[Message]] = []

    def label_scores(
        self, messages: list[Message], labels: list[str], usage: Usage, prefill: str = ""
    ) -> Scores:
        assert labels == ["yes", "no"]
        self.asked.append(messages)
        number = int(re.search(r"sentence (\d+)", messages[-1]["content"]).group(1))  # type: ignore[union-attr]
        return Scores({"yes": self.says[number], "no": 1 - self.says[number]}, "fake")


def run(
    reply: str, question: str, shown: list[Evidence], chosen: list[Evidence], says: dict[int, float]
):
    q = Question.parse(question)
    selection = Selection(shown=shown, chosen=chosen, none=0.0, how="fake")
    checked = cite(reply, q, chosen, shown)
    checked.raw = reply
    chat = Judging(says)
    result = LLMAnswerCheck(chat, load_prompt("check"), 0.5).check(
        q, selection, checked, CONVERSATION, Usage()
    )
    return result, chat


def test_a_claim_its_sentence_states_is_kept_and_the_read_follows_the_phrasing() -> None:
    shown = [sentence(EXPORTS, 0), sentence(MINISTER, 200)]
    (checked, check), chat = run(
        "The minister is Yasutoshi Nishimura.",
        "Who is Japan's trade minister?",
        shown,
        [shown[1]],
        {2: 0.9},
    )
    assert check.outcome == "kept" and check.says == 0.9
    assert checked.text == "The minister is Yasutoshi Nishimura [1]."
    [asked] = chat.asked
    assert asked[0] == CONVERSATION[0] and len(asked) == 2
    said = 'Is this true according to sentence 2: "The minister is Yasutoshi Nishimura."?'
    assert asked[1] == {"role": "user", "content": f"{said} Reply yes or no."}


def test_a_wrong_relation_from_covered_words_abstains() -> None:
    """Every word of the claim is in the question or the quote; the sentence does not
    say it (the issue's Kishida case)."""
    shown = [sentence(EXPORTS, 0), sentence(MINISTER, 200)]
    question = "Who is Japan's minister of economy, trade and industry quoted on export controls?"
    reply = (
        "The Japanese minister of economy, trade and industry quoted on export controls "
        "is Fumio Kishida."
    )
    (_, check), _ = run(reply, question, shown, [shown[0]], {1: 0.2, 2: 0.9})
    assert check.outcome == "abstained" and check.says == 0.2
    assert check.reason == "the cited sentence does not state the answer"


def test_a_failed_claim_moves_to_another_chosen_sentence_that_states_it() -> None:
    first = sentence("Kishida met Biden in Hiroshima on Thursday.", 0)
    second = sentence("The two leaders held talks in Hiroshima a day before the G7.", 100)
    (checked, check), chat = run(
        "They met in Hiroshima.", "Where did the leaders meet?", [first, second], [first, second],
        {1: 0.3, 2: 0.8},
    )  # fmt: skip
    assert check.outcome == "re-pointed" and check.says == 0.8
    assert [c.quote for c in checked.citations] == [second.text] and len(chat.asked) == 2


def test_an_answer_without_what_was_asked_abstains_without_a_read() -> None:
    fund = sentence("The council set up a hardship fund for the traders of Quay Street.", 0)
    (_, check), chat = run(
        "The council set up a hardship fund for the traders.", "How much was the hardship fund?",
        [fund], [fund], {1: 0.9},
    )  # fmt: skip
    assert check.outcome == "abstained" and chat.asked == []
    assert check.reason == "the answer lacks what the question asks for"


def test_an_answer_that_is_the_quote_itself_is_not_read_again() -> None:
    fund = sentence("The council set up a hardship fund of £2.5 million for the traders.", 0)
    (checked, check), chat = run(
        "The articles do not say.", "How much was the fund?", [fund], [fund], {}
    )
    assert check.outcome == "quoted" and chat.asked == []
    assert checked.text.startswith(f"“{fund.text}” [1]")


def test_kind_is_read_from_the_claim() -> None:
    assert kind_held(Question.parse("How much was the fund?"), "It was £2.5 million.")
    assert not kind_held(Question.parse("How much was the fund?"), "It helps traders.")
    assert kind_held(Question.parse("When did they meet?"), "They met on May 18, 2023.")
    assert not kind_held(Question.parse("When did they meet?"), "They met in Hiroshima.")
    assert not kind_held(
        Question.parse("Who chairs the board of Helmsdale?"), "Helmsdale builds the line."
    )
    assert claim_text("They met [1]. (“on Thursday” is May 18, 2023 [2].)") == "They met."
