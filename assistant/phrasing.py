"""Phrase: a short answer written from the chosen sentences.

This is the one step where the model writes text. It is a follow-up turn of
the selection conversation ("Sentence 7" as the model's reply, then "answer
using only sentence 7"), so llama.cpp reuses the whole evaluated selection
prompt and reads only a few dozen new tokens. `citations.cite` then checks
each sentence of the answer against the quotes, and quotes the evidence
itself when the phrasing does not hold up.
"""

from __future__ import annotations

from collections.abc import Iterator

from assistant.answer import Usage
from assistant.llm import ChatModel, Message
from assistant.prompts import Prompt


def spoken(numbers: list[int]) -> str:
    """[7] -> "7"; [7, 2] -> "7 and 2"; [7, 2, 4] -> "7, 2 and 4"."""
    words = [str(n) for n in numbers]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


class Phraser:
    def __init__(self, chat: ChatModel, prompt: Prompt, max_tokens: int) -> None:
        self.chat = chat
        self.prompt = prompt
        self.max_tokens = max_tokens

    def phrase(
        self, selection_messages: list[Message], numbers: list[int], usage: Usage
    ) -> Iterator[str]:
        """Stream the answer to the selection conversation, given the chosen sentence numbers."""
        messages = self.prompt.follow_up(selection_messages, numbers=spoken(numbers))
        yield from self.chat.stream(messages, self.max_tokens, usage)
