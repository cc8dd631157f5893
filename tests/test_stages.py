"""The answer stages are objects passed in: each can be swapped without touching the rest.

A fake in one slot and the real parts in the others: the assistant calls the
stages in order, with one parsed `Question`, and a selector that is no LLM still
gets a phrased, checked and cited answer (the phrasing turn is built from the
sentences shown, not from a conversation only the LLM selector would have had).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.answering.decision import Decider
from assistant.answering.question import Question
from assistant.answering.retrieval import Retrieved
from assistant.answering.selection import RankSelector, Selection
from assistant.core import Assistant, Found, Ranked
from assistant.llm import Scores
from assistant.schema import (
    ABSTAIN_TEXT,
    Answer,
    Decision,
    Evidence,
    Message,
    RetrievedChunk,
    Thresholds,
    Usage,
)
from tests.conftest import SEEDS, settings_for

QUESTION = "Where did Biden and Kishida meet a day before the G7 summit?"
TALKS = "002_eb2b49479483de60.txt"


class Replying:
    """A chat model that records what it was asked and replies with fixed text."""

    backend = "fake"
    model = "replying"

    def __init__(self, reply: str, says: float = 1.0) -> None:
        self.reply = reply
        self.says = says  # P(yes) it gives the answer check
        self.asked: list[list[Message]] = []

    def stream(self, messages: list[Message], max_tokens: int, usage: Usage) -> Iterator[str]:
        self.asked.append(messages)
        usage.add(completion=1)
        yield self.reply

    def label_scores(
        self, messages: list[Message], labels: list[str], usage: Usage, prefill: str = ""
    ) -> Scores | None:
        # a rank selector never asks for label scores; the answer check asks yes or no, and
        # its role read which of the quote's names answers (the first one, here)
        assert labels[0] in ("yes", "0"), "a rank selector never asks the model for scores"
        self.asked.append(messages)
        if labels[0] == "0":
            return Scores({label: float(label == "1") for label in labels}, "fake")
        return Scores({"yes": self.says, "no": 1 - self.says}, "fake")


class Recording:
    """A stage wrapper that records the calls it passes on."""

    def __init__(self, stage: object, name: str, calls: list[str]) -> None:
        self.stage, self.name, self.calls = stage, name, calls

    def __getattr__(self, attribute: str) -> object:
        method = getattr(self.stage, attribute)

        def call(*args: object, **kwargs: object) -> object:
            self.calls.append(self.name)
            assert all(not isinstance(a, str) or a != QUESTION for a in args[:1]), (
                f"{self.name} got the question as text, not parsed"
            )
            return method(*args, **kwargs)

        return call


@pytest.fixture(scope="module")
def seeds_settings(tmp_path_factory: pytest.TempPathFactory, model_cache: Path):
    root = tmp_path_factory.mktemp("stages")
    return settings_for(source_dir=SEEDS, persist_dir=root / "store", model_cache_dir=model_cache)


def test_a_rank_selector_gets_a_phrased_checked_and_cited_answer(seeds_settings) -> None:
    chat = Replying("Biden and Kishida met in Hiroshima.")
    # the relation read on, the role read off (tests/test_answer_check.py has it)
    reading = seeds_settings.model_copy(update={"check_threshold": 0.5, "check_role_prompt": ""})
    assistant = Assistant(reading, chat_model=chat, selector=RankSelector())
    answer = assistant.ask(QUESTION)
    assert not answer.abstained, answer.decision
    assert answer.evidence[0].probability == 1.0 and answer.decision is not None
    assert answer.citations and answer.citations[0].source == TALKS
    text = (SEEDS / TALKS).read_text(encoding="utf-8")
    for c in answer.citations:
        assert text[c.start : c.end] == c.quote
    assert answer.text == "Biden and Kishida met in Hiroshima [1]."
    # the phrasing turn shows the model the sentence list, though no LLM selected
    messages, checked = chat.asked
    shown = messages[1]["content"]
    assert "Hiroshima" in shown and "1. " in shown and messages[-2]["content"] == "Sentence 1"
    # the answer check reads on from the selection prompt (sentences, question), the
    # answer quoted in its own turn
    assert checked[:2] == messages[:2] and len(checked) == 3
    said = 'Is this true according to sentence 1: "Biden and Kishida met in Hiroshima."'
    assert checked[2]["content"].startswith(said)
    assert answer.check is not None and answer.check.outcome == "kept"


def test_a_rank_selector_quotes_the_sentence_when_the_phrasing_is_not_carried(
    seeds_settings,
) -> None:
    chat = Replying("They met in Osaka.")  # no quote says Osaka
    answer = Assistant(seeds_settings, chat_model=chat, selector=RankSelector()).ask(QUESTION)
    assert not answer.abstained and answer.text.startswith("“") and answer.citations


def test_the_stages_are_called_in_order_with_the_parsed_question(seeds_settings) -> None:
    calls: list[str] = []
    base = Assistant(seeds_settings, chat_model=Replying("They met in Hiroshima."))
    assistant = Assistant(
        seeds_settings,
        chat_model=Replying("They met in Hiroshima."),
        retriever=Recording(base.retriever, "retrieve", calls),  # type: ignore[arg-type]
        gatherer=Recording(base.gatherer, "gather", calls),  # type: ignore[arg-type]
        selector=Recording(RankSelector(), "select", calls),  # type: ignore[arg-type]
        decider=Recording(base.decider, "decide", calls),  # type: ignore[arg-type]
        verifier=Recording(base.verifier, "verify", calls),  # type: ignore[arg-type]
    )
    assert not assistant.ask(QUESTION).abstained
    assert calls == ["retrieve", "gather", "select", "decide", "verify"]


def test_an_answer_its_sentence_does_not_state_is_not_shown(seeds_settings) -> None:
    settings = seeds_settings.model_copy(update={"check_threshold": 0.5, "check_role_prompt": ""})
    chat = Replying("Biden and Kishida met in Hiroshima.", says=0.2)
    events = list(Assistant(settings, chat_model=chat, selector=RankSelector()).stream(QUESTION))
    answer = events[-1]
    assert isinstance(answer, Answer) and answer.abstained and answer.citations == []
    assert isinstance(events[0], Ranked) and not isinstance(events[1], Ranked)
    assert events[1:-1] == [Found(answer.evidence[:1]), ABSTAIN_TEXT]  # no phrased text shown
    assert answer.check is not None and answer.check.outcome == "abstained"
    assert answer.decision is not None and answer.decision.reason == answer.check.reason
    assert answer.decision.signals["says"] == 0.2


class NothingFound:
    def search(self, question: Question) -> Retrieved:
        assert isinstance(question, Question)
        return Retrieved([], -1.0)

    def refresh(self) -> None:
        pass


def test_a_retriever_that_finds_nothing_abstains_without_the_llm(seeds_settings) -> None:
    chat = Replying("never asked")
    answer = Assistant(seeds_settings, chat_model=chat, retriever=NothingFound()).ask(QUESTION)
    assert answer.abstained and chat.asked == []
    assert answer.decision == Decision(
        answer=False, reason="nothing relevant retrieved", signals={"similarity": -1.0}
    )


def test_the_decider_leads_with_a_sentence_that_holds_the_asked_date() -> None:
    def sentence(text: str, start: int, p: float) -> Evidence:
        end = start + len(text)
        return Evidence(source="a.txt", start=start, end=end, text=text, probability=p)

    met = sentence("The two leaders met at the White House.", 0, 0.8)
    dated = sentence("The summit was held on January 13, 2023.", 100, 0.1)
    selection = Selection(shown=[met, dated], chosen=[met], none=0.0, how="logits")
    chunk = RetrievedChunk(id="c", source="a.txt", start=0, end=140, text="", score=1.0)
    decider = Decider(Thresholds(select=0.0, none=0.5, coverage=0.0))
    decision = decider.decide(Question.parse("When did they meet?"), [chunk], selection, 0.9)
    assert decision.answer and selection.chosen == [dated, met]


def test_the_phraser_asks_a_follow_up_of_the_sentence_list_it_is_given() -> None:
    from assistant.answering.phrasing import Phraser
    from assistant.llm.prompts import load_prompt

    def sentence(text: str, start: int) -> Evidence:
        return Evidence(source="a.txt", start=start, end=start + len(text), text=text)

    shown = [sentence("They met in Hiroshima.", 0), sentence("They agreed on chips.", 30)]
    selection = Selection(shown=shown, chosen=[shown[1], shown[0]], none=0.0, how="rank")
    chat = Replying("They agreed on chips.")
    phraser = Phraser(chat, load_prompt("select"), load_prompt("phrase"), 64)
    question = Question.parse("What did they agree?")
    assert "".join(phraser.phrase(question, selection, Usage())) == "They agreed on chips."
    [messages] = chat.asked
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert "1. They met in Hiroshima.\n2. They agreed on chips." in messages[1]["content"]
    assert "What did they agree?" in messages[1]["content"]
    assert messages[2]["content"] == "Sentence 2 and 1"


def test_the_verifier_checks_the_reply_against_the_chosen_quotes() -> None:
    from assistant.answering.citations import Verifier

    text = "The two leaders met in Hiroshima on Friday."
    met = Evidence(source="a.txt", start=0, end=len(text), text=text, probability=0.9)
    selection = Selection(shown=[met], chosen=[met], none=0.0, how="rank")
    checking = Verifier().start(Question.parse("Where did the leaders meet?"), selection)
    shown = checking.feed("They met in Hiroshima. They met in Osaka.")
    assert shown == "They met in Hiroshima [1]."  # the last sentence may still grow
    rest, checked = checking.end()
    assert rest == "" and checked.dropped == ["They met in Osaka."]
    assert [c.quote for c in checked.citations] == [text]
