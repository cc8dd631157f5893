"""Select evidence: the model's scores for "which sentence answers the question?".

The model is not asked to write anything here. The prompt ends where its
reply would begin, and the probabilities of the labels `0`..`N` are read from
its next-token scores (llama.cpp logits, or an OpenAI-compatible server's
top_logprobs). Reading a distribution instead of sampling one token is what
keeps the outcome stable across CPUs: a decision only flips when two labels
are nearly tied, and the margin says when that is.

`Selector` is the slot for another way of choosing (a cross-encoder, say):
anything with the same `select` method can replace `LLMSelector`, as
`RankSelector` (the best-ranked sentence, no model) does in the tests.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from assistant.answering.evidence import numbered
from assistant.answering.question import Question
from assistant.llm import ChatModel, Scores
from assistant.llm.prompts import Prompt
from assistant.schema import Evidence, Message, Usage

NONE_LABEL = "0"
MAX_CHOSEN = 3
# a sentence joins the top one when it holds this share of the top one's probability
SECOND_RATIO = 0.25
SECOND_MIN = 0.1
# a sentence one part of a multi-part question picks joins at this probability
PART_MIN = 0.3


@dataclass
class Selection:
    shown: list[Evidence]  # every sentence the model saw, with its `probability`
    chosen: list[Evidence]  # the ones picked, best first
    none: float  # probability of "no sentence answers"
    how: str  # logits | logprobs | text | rank
    part_picks: list[Evidence] = field(default_factory=list)  # picked for a later part

    @property
    def numbers(self) -> list[int]:
        """The chosen sentences' numbers in the list the model read (1-based)."""
        return [self.shown.index(e) + 1 for e in self.chosen]


class Selector(Protocol):
    def select(self, question: Question, sentences: list[Evidence], usage: Usage) -> Selection:
        """Choose the sentences that answer `question`, and one for each later part of
        a multi-part question (`question.parts`; the pick for the whole mostly answers
        the first), recorded in `part_picks`."""
        ...


class RankSelector:
    """No model: the best-ranked sentence (the list comes ranked by closeness to the
    question), certain of itself. A baseline, and proof that the slot works."""

    def select(self, question: Question, sentences: list[Evidence], usage: Usage) -> Selection:
        labels = [str(i) for i in range(1, len(sentences) + 1)]
        scores = Scores({label: float(label == "1") for label in labels}, "rank")
        return choose(sentences, scores, 0.0)


class LLMSelector:
    """Two reads of one prompt: the reply's first token gives P(0 = none answers);
    with the reply begun as "Sentence " (the prompt's `prefill`, local model only:
    two more tokens, the rest is cached) the next token picks among 1..N, which a
    small model does far more sharply than when it may also reply 0. Each later
    part of a multi-part question (the pick for the whole mostly answers the
    first) is one more read, a follow-up turn after that pick, so the sentence
    list is read once."""

    def __init__(self, chat: ChatModel, prompt: Prompt, part_prompt: Prompt | None = None) -> None:
        self.chat = chat
        self.prompt = prompt
        self.part_prompt = part_prompt

    def select(self, question: Question, sentences: list[Evidence], usage: Usage) -> Selection:
        numbers = [str(i) for i in range(1, len(sentences) + 1)]
        messages = selection_messages(self.prompt, question, sentences)
        first = self._read(messages, numbers, usage)
        pick = self._pick(messages, numbers, usage, self.prompt.prefill, first)
        selection = choose(sentences, pick, first.probs.get(NONE_LABEL, 0.0))
        if selection.chosen and self.part_prompt is not None:
            top = str(selection.numbers[0])
            for part in question.parts[1:]:  # the pick for the whole mostly answers the first part
                asked = self.part_prompt.follow_up(messages, number=top, question=part)
                scores = self._pick(asked, numbers, usage, self.part_prompt.prefill)
                add_part(selection, scores)
        return selection

    def _pick(
        self,
        messages: list[Message],
        numbers: list[str],
        usage: Usage,
        prefill: str,
        first: Scores | None = None,
    ) -> Scores:
        """Scores over 1..N: after `prefill` where the backend can put it, else from
        a plain read (`first`, if that read was made already) without "none"."""
        pick = None
        if prefill:
            pick = self.chat.label_scores(messages, numbers, usage, prefill=prefill)
        if pick is None:
            first = first or self._read(messages, numbers, usage)
            # "0" is not among `numbers`: from_logprobs normalizes over 1..N only
            logprobs = {k: math.log(v) for k, v in first.probs.items() if v > 0}
            pick = Scores.from_logprobs(logprobs, numbers, first.how)
        return pick

    def _read(self, messages: list[Message], numbers: list[str], usage: Usage) -> Scores:
        """The reply's first token, over "0" (none answers) and 1..N."""
        scores = self.chat.label_scores(messages, [NONE_LABEL, *numbers], usage)
        if scores is None:
            raise AssertionError("label_scores without prefill always returns scores")
        return scores


def selection_messages(
    prompt: Prompt, question: Question, sentences: Sequence[Evidence]
) -> list[Message]:
    """The conversation that asks which sentence answers: the phrasing turn follows it
    (as a follow-up, so llama.cpp reuses what it read for the selection)."""
    return prompt.messages(sentences=numbered(sentences), question=question.text)


def choose(sentences: list[Evidence], scores: Scores, none: float) -> Selection:
    """The top sentence, plus any close enough to it (multi-part answers), at most three."""
    shown = [
        s.model_copy(update={"probability": round(scores.probs.get(str(i), 0.0), 4)})
        for i, s in enumerate(sentences, start=1)
    ]
    ranked = sorted(shown, key=lambda s: -s.probability)
    chosen: list[Evidence] = []
    if ranked and ranked[0].probability > 0:
        top = ranked[0].probability
        chosen = [
            s
            for s in ranked[:MAX_CHOSEN]
            if s is ranked[0]
            or (s.probability >= SECOND_RATIO * top and s.probability >= SECOND_MIN)
        ]
    return Selection(shown, chosen, none, scores.how)


def add_part(selection: Selection, scores: Scores) -> None:
    """Record the sentence a part of the question picks, when the model is sure
    enough of it (`PART_MIN`), and add it to the chosen ones if it is not there."""
    if not scores.probs:
        return
    label, p = max(scores.probs.items(), key=lambda kv: kv[1])
    sentence = selection.shown[int(label) - 1]
    if p < PART_MIN:
        return
    selection.part_picks.append(sentence)
    if sentence not in selection.chosen:
        selection.chosen.append(sentence)
