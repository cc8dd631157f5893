"""Phrase: a short answer written from the chosen sentences.

This is the one step where the model writes text. It is asked as a follow-up
turn of the selection conversation ("Sentence 7" as the model's reply, then
"answer using only sentence 7"), rebuilt here from the sentences shown, so with
the LLM selector llama.cpp reuses the whole evaluated selection prompt and reads
only a few dozen new tokens; with any other selector it reads the list once.
The verify step (`citations.CheckedStream`) then checks each sentence of the
answer against the quotes, and quotes the evidence itself when the phrasing
does not hold up.
"""

from __future__ import annotations

from collections.abc import Iterator

from assistant.answering.question import Question
from assistant.answering.selection import Selection, selection_messages
from assistant.llm import ChatModel
from assistant.llm.prompts import Prompt
from assistant.schema import Message, Usage


def spoken(numbers: list[int]) -> str:
    """[7] -> "7"; [7, 2] -> "7 and 2"; [7, 2, 4] -> "7, 2 and 4"."""
    words = [str(n) for n in numbers]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


class Phraser:
    def __init__(
        self, chat: ChatModel, select_prompt: Prompt, prompt: Prompt, max_tokens: int
    ) -> None:
        self.chat = chat
        self.select_prompt = select_prompt  # the conversation the phrasing turn follows
        self.prompt = prompt
        self.max_tokens = max_tokens

    def messages(self, question: Question, selection: Selection) -> list[Message]:
        """The conversation the answer is written in (the answer check reads on from it)."""
        asked = selection_messages(self.select_prompt, question, selection.shown)
        return self.prompt.follow_up(asked, numbers=spoken(selection.numbers))

    def phrase(self, question: Question, selection: Selection, usage: Usage) -> Iterator[str]:
        """Stream the answer, from the sentences the selection chose."""
        yield from self.chat.stream(self.messages(question, selection), self.max_tokens, usage)
