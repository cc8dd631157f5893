"""Select evidence: the model's scores for "which sentence answers the question?".

The model is not asked to write anything here. The prompt ends where its
reply would begin, and the probabilities of the labels `0`..`N` are read from
its next-token scores (llama.cpp logits, or an OpenAI-compatible server's
top_logprobs). Reading a distribution instead of sampling one token is what
keeps the outcome stable across CPUs: a decision only flips when two labels
are nearly tied, and the margin says when that is.

`Selector` is the slot for another way of choosing (a cross-encoder, say):
anything with the same `select` method can replace `LLMSelector`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Protocol

from assistant.answer import Evidence, Usage
from assistant.evidence import numbered
from assistant.llm import ChatModel, Message, Scores
from assistant.prompts import Prompt

NONE_LABEL = "0"
MAX_CHOSEN = 3
# a sentence joins the top one when it holds this share of the top one's probability
SECOND_RATIO = 0.25
SECOND_MIN = 0.1


@dataclass
class Selection:
    shown: list[Evidence]  # every sentence the model saw, `chosen` set to its probability
    chosen: list[Evidence]  # the ones picked, best first
    none: float  # probability of "no sentence answers"
    how: str  # logits | logprobs | text
    messages: list[Message] = field(default_factory=list)  # the conversation that chose

    @property
    def numbers(self) -> list[int]:
        """The chosen sentences' numbers in the list the model read (1-based)."""
        return [self.shown.index(e) + 1 for e in self.chosen]


class Selector(Protocol):
    def select(self, question: str, sentences: list[Evidence], usage: Usage) -> Selection: ...


class LLMSelector:
    """Two reads of one prompt: the reply's first token gives P(0 = none answers);
    with the reply begun as "Sentence " (the prompt's `prefill`, local model only:
    two more tokens, the rest is cached) the next token picks among 1..N, which a
    small model does far more sharply than when it may also reply 0."""

    def __init__(self, chat: ChatModel, prompt: Prompt) -> None:
        self.chat = chat
        self.prompt = prompt

    def select(self, question: str, sentences: list[Evidence], usage: Usage) -> Selection:
        numbers = [str(i) for i in range(1, len(sentences) + 1)]
        messages = self.prompt.messages(sentences=numbered(sentences), question=question)
        first = self.chat.label_scores(messages, [NONE_LABEL, *numbers], usage)
        if first is None:
            raise AssertionError("label_scores without prefill always returns scores")
        pick = None
        if self.prompt.prefill:
            pick = self.chat.label_scores(messages, numbers, usage, prefill=self.prompt.prefill)
        if pick is None:  # no prefill on this backend: the first read, without "none"
            pick = Scores.from_logprobs(
                {k: math.log(v) for k, v in first.probs.items() if v > 0}, numbers, first.how
            )
        selection = choose(sentences, pick, first.probs.get(NONE_LABEL, 0.0))
        selection.messages = messages
        return selection


def choose(sentences: list[Evidence], scores: Scores, none: float) -> Selection:
    """The top sentence, plus any close enough to it (multi-part answers), at most three."""
    shown = [
        s.model_copy(update={"chosen": round(scores.probs.get(str(i), 0.0), 4)})
        for i, s in enumerate(sentences, start=1)
    ]
    ranked = sorted(shown, key=lambda s: -s.chosen)
    chosen: list[Evidence] = []
    if ranked and ranked[0].chosen > 0:
        top = ranked[0].chosen
        chosen = [
            s
            for s in ranked[:MAX_CHOSEN]
            if s is ranked[0] or (s.chosen >= SECOND_RATIO * top and s.chosen >= SECOND_MIN)
        ]
    return Selection(shown, chosen, none, scores.how)
