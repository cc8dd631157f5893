"""Check the answer against the question and its quote: the last word before it is shown.

Why: the citation check (`citations.py`) makes sure each claim's new names and
numbers are inside the quote it cites. It cannot see what the sentence *says*
about them: "The minister of economy, trade and industry is Fumio Kishida [1]"
passes on a sentence that names Prime Minister Kishida beside "export
controls", every word of the claim being in the question or the quote. Nor can
it see that a "how much" question got a sentence without an amount. So two
more checks run on the cited answer, deciding by scores and code as the other
stages do:

- *kind*: the answer must hold what the question asks for (a date for "when",
  an amount for "how much", a number for "how many", a name that is not the
  question's for "who" or "which company"), read by the same code that judges
  the chosen sentences (`decision.answer_type_found`), now on the claim itself;
- *relation*: the model's probability of "yes" to 'Is this true according to
  sentence N: "<the answer>"?', read from its next-token scores as one more
  user turn after the selection prompt (the sentences and the question are
  already in llama.cpp's cache: about 35 new tokens). The answer is quoted in
  the turn, not left as the model's own reply: asked "Does sentence N state
  what your answer says?" after its reply, the model gave 0.71 to "met in
  Hiroshima" and 0.71 to "met in Osaka" alike.

Measured on the eval (2026-12-03, Qwen2.5-Coder-1.5B): the read separates a
claim its sentence contradicts ("met in Osaka" 0.08 against "met in Hiroshima"
0.61 on the same sentence) but not the errors that reach this stage: wrong
answers scored 0.61-0.67, right ones 0.41-0.98. So `check_threshold` is 0 by
default (no read, no cost); with a stronger model behind the openai backend,
set it (fitted on the dev split as the other thresholds are).

What happens to an answer (`Check.outcome`): `kept`; `re-pointed` (its sentence
does not state it, another chosen sentence does: the citation moves there);
`quoted` (the answer already is the chosen sentence itself, quoted by the
citation step, which the selector chose and the decider judged: not read
again); `abstained` ("The articles don't say.": the answer lacks what was asked
(a phrasing that could not find an amount in its sentence is a sign the
sentence has none), or no chosen sentence states it). A claim that fails is never let through.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from assistant.answering.citations import MARKER, CheckedAnswer, citation, supports
from assistant.answering.decision import answer_type_found
from assistant.answering.evidence import with_dates
from assistant.answering.phrasing import spoken
from assistant.answering.question import Question
from assistant.answering.selection import Selection
from assistant.llm import ChatModel
from assistant.llm.prompts import Prompt
from assistant.schema import Check, Citation, Evidence, Message, Usage

YES, NO = "yes", "no"
LACKS = "the answer lacks what the question asks for"
NOT_STATED = "the cited sentence does not state the answer"


class AnswerChecker(Protocol):
    def check(
        self,
        question: Question,
        selection: Selection,
        checked: CheckedAnswer,
        conversation: list[Message],
        usage: Usage,
    ) -> tuple[CheckedAnswer, Check]:
        """The answer to show and what the check did (`Check.outcome`: abstain when it
        says so). `conversation` is the selection conversation the answer came from
        (its sentences and the question)."""
        ...


def claim_text(text: str) -> str:
    """The answer without its markers and the dates added after it ("(“on Thursday” is ...)")."""
    return MARKER.sub("", text.split(" (“")[0]).strip()


def kind_held(question: Question, text: str) -> bool:
    """Does the answer's own wording hold the kind of thing the question asks for?"""
    claim = Evidence(source="", start=0, end=len(text), text=text)
    return answer_type_found(question, [claim])


def shown_numbers(selection: Selection, cited: Sequence[Citation]) -> list[int]:
    """The cited sentences' numbers in the list the model read (1-based)."""
    keys = [(c.source, c.start) for c in cited]
    return [i for i, e in enumerate(selection.shown, start=1) if e.key in keys]


class LLMAnswerCheck:
    """Kind by code, relation by the model's yes/no scores (`least`: the lowest
    probability of "yes" that keeps a claim; a setting fitted on the dev split)."""

    def __init__(self, chat: ChatModel, prompt: Prompt, least: float) -> None:
        self.chat = chat
        self.prompt = prompt
        self.least = least

    def check(
        self,
        question: Question,
        selection: Selection,
        checked: CheckedAnswer,
        conversation: list[Message],
        usage: Usage,
    ) -> tuple[CheckedAnswer, Check]:
        if checked.extractive:  # the chosen sentence itself, which the decider judged
            return checked, Check(outcome="quoted")
        if not kind_held(question, MARKER.sub("", checked.text)):  # with the dates it resolves
            return checked, Check(outcome="abstained", reason=LACKS)
        if self.least <= 0:  # the relation read is off (the default: see `check_threshold`)
            return checked, Check(outcome="kept")
        numbers = shown_numbers(selection, checked.citations)
        claim = claim_text(checked.text)
        said = self.says(conversation, claim, numbers, usage)
        if said >= self.least:
            return checked, Check(outcome="kept", says=said)
        if len(checked.citations) == 1:  # one claim, one quote: another chosen one may state it
            for other in selection.chosen:
                if other.key == (checked.citations[0].source, checked.citations[0].start):
                    continue
                if not supports(claim, question.text, with_dates(other)):
                    continue
                numbers = shown_numbers(selection, [citation(1, other)])
                again = self.says(conversation, claim, numbers, usage)
                if again >= self.least:
                    moved = CheckedAnswer(
                        checked.text, [citation(1, other)], False, checked.dropped, checked.raw
                    )
                    return moved, Check(outcome="re-pointed", says=again)
        return checked, Check(outcome="abstained", says=said, reason=NOT_STATED)

    def says(
        self, conversation: list[Message], answer: str, numbers: list[int], usage: Usage
    ) -> float:
        """P(yes) that sentences `numbers` state `answer`."""
        asked = self.prompt.user.format(answer=answer, numbers=spoken(numbers))
        messages = [*conversation, {"role": "user", "content": asked}]
        scores = self.chat.label_scores(messages, [YES, NO], usage)
        return round(scores.probs.get(YES, 0.0), 4) if scores else 1.0
