"""The answer check (answering/check.py): kind by code and spaCy, role by the model's
pick among the quote's names, relation by its yes/no.

A fake chat model stands in for the scores here (what it is asked is real); the
real model's reads run in tests/test_answer_check_model.py (`slow`).
"""

from __future__ import annotations

import re

from assistant.answering.check import LLMAnswerCheck, claim_text, kind_held
from assistant.answering.citations import cite
from assistant.answering.kinds import GROUP, ORG, PERSON, PLACE, asked_kinds, asks_several, of_kinds
from assistant.answering.question import Question
from assistant.answering.selection import Selection
from assistant.llm import Scores
from assistant.llm.prompts import load_prompt
from assistant.schema import Evidence, Message, Usage

MINISTER = (
    "Yasutoshi Nishimura, Japan's minister of economy, trade and industry, spoke in Washington."
)
EXPORTS = "Biden plans a framework for export controls with Prime Minister Fumio Kishida."
MEETING = (
    "Defence Secretary Lloyd Austin will host Japanese Foreign Minister Yoshimasa Hayashi "
    "and Defence Minister Yasukazu Hamada on Wednesday."
)
CONVERSATION: list[Message] = [{"role": "user", "content": "(the phrasing conversation)"}]


def sentence(text: str, start: int, p: float = 0.5) -> Evidence:
    return Evidence(source="a.txt", start=start, end=start + len(text), text=text, probability=p)


class Judging:
    """P(yes) by the sentence number the check asks about, or, for the role read, the
    probability of each option by its name ("none" for 0); records what it read."""

    backend = "fake"
    model = "judging"

    def __init__(self, says: dict[int, float], picks: dict[str, float] | None = None) -> None:
        self.says = says
        self.picks = picks or {}
        self.asked: list[list[Message]] = []

    def label_scores(
        self, messages: list[Message], labels: list[str], usage: Usage, prefill: str = ""
    ) -> Scores:
        self.asked.append(messages)
        asked = messages[-1]["content"]
        if labels != ["yes", "no"]:  # the role read: "1. Lloyd Austin" ... "0. none ..."
            options = dict(re.findall(r"^(\d+)\. (.+)$", asked, re.M))
            named = {n: options[n].split(":")[0] for n in labels}
            return Scores({n: self.picks.get(named[n], 0.0) for n in labels}, "fake")
        number = int(re.search(r"sentence (\d+)", asked).group(1))  # type: ignore[union-attr]
        return Scores({"yes": self.says[number], "no": 1 - self.says[number]}, "fake")


def run(
    reply: str,
    question: str,
    shown: list[Evidence],
    chosen: list[Evidence],
    says: dict[int, float],
    picks: dict[str, float] | None = None,
    least: float = 0.5,
):
    q = Question.parse(question)
    selection = Selection(shown=shown, chosen=chosen, none=0.0, how="fake")
    checked = cite(reply, q, chosen, shown)
    checked.raw = reply
    chat = Judging(says, picks)
    checker = LLMAnswerCheck(chat, load_prompt("check"), least, load_prompt("check_role"))
    result = checker.check(q, selection, checked, CONVERSATION, Usage())
    return result, chat


def test_the_name_the_model_picks_from_its_sentence_is_kept() -> None:
    shown = [sentence(EXPORTS, 0), sentence(MINISTER, 200)]
    (checked, check), chat = run(
        "The minister is Yasutoshi Nishimura.",
        "Who is Japan's trade minister?",
        shown,
        [shown[1]],
        {},
        {"Yasutoshi Nishimura": 0.9, "none of them": 0.1},
        least=0,  # the yes/no read off, as by default
    )
    assert check.outcome == "kept" and check.says == 0.9
    assert checked.text == "The minister is Yasutoshi Nishimura [1]."
    [asked] = chat.asked  # read on from the selection conversation: one more user turn
    assert asked[0] == CONVERSATION[0] and len(asked) == 2
    assert asked[1]["content"] == (
        "Question: Who is Japan's trade minister?\n"
        "Which of these does sentence 2 give as the answer?\n"
        "1. Yasutoshi Nishimura\n"
        "0. none of them: the sentence does not answer the question\n"
        "Reply with one number."
    )


def test_a_wrong_relation_from_covered_words_abstains() -> None:
    """Every word of the claim is in the question or the quote; the sentence does not
    say it (the issue's Kishida case): the model picks none of the sentence's names."""
    shown = [sentence(EXPORTS, 0), sentence(MINISTER, 200)]
    question = "Who is Japan's minister of economy, trade and industry quoted on export controls?"
    reply = (
        "The Japanese minister of economy, trade and industry quoted on export controls "
        "is Fumio Kishida."
    )
    (_, check), chat = run(
        reply, question, shown, [shown[0]], {}, {"none of them": 0.6, "Fumio Kishida": 0.3}
    )
    assert check.outcome == "abstained" and check.says == 0.3
    assert check.reason == "the model says the cited sentence names no answer"
    assert "\n1. Fumio Kishida\n0. none" in chat.asked[0][-1]["content"]


def test_a_claim_that_names_the_wrong_one_of_its_sentences_names_quotes_the_sentence() -> None:
    meeting = sentence(MEETING, 0)
    (checked, check), _ = run(
        "Japan's defence minister at the meeting was Lloyd Austin.",
        "Who was Japan's defence minister at the meeting?",
        [meeting],
        [meeting],
        {},
        {"Yasukazu Hamada": 0.7, "Lloyd Austin": 0.2, "none of them": 0.1},
    )
    assert check.outcome == "quoted" and check.says == 0.2 and "Yasukazu Hamada" in check.reason
    assert checked.text == f"“{MEETING}” [1]" and checked.extractive
    assert [c.quote for c in checked.citations] == [MEETING]


def test_a_weak_lean_to_another_name_abstains_rather_than_quote() -> None:
    meeting = sentence(MEETING, 0)
    (checked, check), _ = run(
        "Japan's defence minister at the meeting was Lloyd Austin.",
        "Who was Japan's defence minister at the meeting?",
        [meeting],
        [meeting],
        {},
        {"Yasukazu Hamada": 0.4, "Lloyd Austin": 0.3, "none of them": 0.3},
    )
    assert check.outcome == "abstained" and "Yasukazu Hamada" in check.reason


def test_a_claim_that_lost_the_name_quotes_the_sentence_the_model_picks_it_from() -> None:
    """The phrasing named the wrong people and left the name out: the quote's one person,
    picked clearly, makes the quoted sentence the answer."""
    board = sentence(
        "Engineers from Helmsdale Rail walked alongside the tram, and Ms Amara Okafor, "
        "the chief engineer, was on board.",
        0,
    )
    (checked, check), _ = run(
        "Engineers from Helmsdale Rail were on board the tram.",
        "Which official was on board the tram?",
        [board],
        [board],
        {},
        {"Ms Amara Okafor": 0.8, "none of them": 0.2},
    )
    assert check.outcome == "quoted" and check.says == 0
    assert checked.text == f"“{board.text}” [1]"


def test_an_answer_that_names_nothing_of_the_asked_kind_abstains_without_a_read() -> None:
    visit = sentence("The prime minister will visit the battery plant in North Carolina.", 0)
    (_, check), chat = run(
        "The prime minister will build the battery plant.",
        "Which company will build the battery plant?",
        [visit],
        [visit],
        {},
        {},
    )
    assert check.outcome == "abstained" and chat.asked == []
    assert check.reason == (
        "the answer names no organization that its quote holds and the question does not"
    )


def test_a_failed_claim_moves_to_another_chosen_sentence_that_states_it() -> None:
    first = sentence("Kishida met Biden in Hiroshima on Thursday.", 0)
    second = sentence("The two leaders held talks in Hiroshima a day before the G7.", 100)
    (checked, check), chat = run(
        "They held talks in Hiroshima.", "What did the two leaders do before the G7?",
        [first, second], [first, second], {1: 0.3, 2: 0.8},
    )  # fmt: skip
    assert check.outcome == "re-pointed" and check.says == 0.8
    assert [c.quote for c in checked.citations] == [second.text] and len(chat.asked) == 2


def test_what_a_question_asks_for_is_read_from_its_question_word_and_noun() -> None:
    assert asked_kinds("Who was Japan's defence minister at the meeting?") == {PERSON}
    assert asked_kinds("Who chairs the board?") == {PERSON, ORG}
    assert asked_kinds("Which Dutch company makes chip tools?") == {ORG}
    assert asked_kinds("Which senior official told Reuters?") == {PERSON}
    assert asked_kinds("Which Portwick street was closed to traffic?") == {PLACE}
    assert asked_kinds("Where did Biden and Kishida meet?") == {PLACE, ORG}
    assert asked_kinds("Which group were the cameras used to repress?") == {GROUP, ORG}
    assert asked_kinds("Where would that put Japan among the world's spenders?") == set()
    assert asked_kinds("When did they meet?") == set()
    assert asks_several("Which countries take part in the summit?")
    assert asks_several("Which two officials spoke?") and asks_several("Which people spoke?")
    assert not asks_several("Which Dutch company makes chip tools?")
    assert asked_kinds("How much was the fund?") == set()


def test_the_names_of_a_kind_are_the_taggers_not_the_questions() -> None:
    question = "Who was Japan's defence minister, besides Yoshimasa Hayashi?"
    assert of_kinds(MEETING, frozenset({PERSON}), question) == ["Lloyd Austin", "Yasukazu Hamada"]
    assert of_kinds(MEETING, frozenset({PLACE}), question) == []  # Japanese is not a place


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
    overrun = Question.parse("How much of the £58 million overrun is the council covering?")
    assert not kind_held(overrun, "The council is covering £58 million of the overrun.")
    assert kind_held(overrun, "The council is covering £5 million of the £58 million overrun.")
    assert claim_text("They met [1]. (“on Thursday” is May 18, 2023 [2].)") == "They met."
