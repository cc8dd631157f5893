"""Rewrite a follow-up ("And what did Japan say about it?") into a standalone question.

Why: retrieval and the evidence step read one question, not a conversation. The
condense prompt gets the last few turns and the follow-up; the model's first
line is used only when it reads as a question ("Where was ...?", "In which city
...?"), since a small model sometimes answers instead ("In Hiroshima, they
agreed ..."); otherwise the follow-up is searched as asked.
"""

from __future__ import annotations

import re

from assistant.answering.citations import MARKER
from assistant.lexicon import AUXILIARIES, QUESTION_PREPOSITIONS, QUESTION_WORDS
from assistant.llm import ChatModel
from assistant.llm.prompts import Prompt
from assistant.schema import Message, Usage

HISTORY_TURNS = 3  # question-answer pairs of the conversation the prompt shows
REWRITE_TOKENS = 64
_OPENERS = "|".join((*QUESTION_WORDS, *AUXILIARIES))
# a question: it ends with "?", or opens with a question word or an auxiliary
# ("Did ..."), or with a preposition and a question word ("In which city ...")
_QUESTION = re.compile(
    rf"^(?:.*\?\s*$|(?:{_OPENERS})\b|(?:{'|'.join(QUESTION_PREPOSITIONS)})\s+"
    rf"(?:{'|'.join(QUESTION_WORDS)})\b)",
    re.I | re.S,
)


def reads_as_question(text: str) -> bool:
    return _QUESTION.match(text) is not None


class Rewriter:
    def __init__(self, chat: ChatModel, prompt: Prompt, max_chars: int) -> None:
        self.chat = chat
        self.prompt = prompt
        self.max_chars = max_chars

    def rewrite(self, question: str, history: list[Message], usage: Usage) -> str:
        """The follow-up as a standalone question, or as asked when the rewrite fails."""
        turns = [m for m in history if m.get("role") in ("user", "assistant")]
        lines = []
        for message in turns[-2 * HISTORY_TURNS :]:
            content = " ".join(MARKER.sub("", str(message["content"])).split())[:400]
            lines.append(f"{'User' if message['role'] == 'user' else 'Assistant'}: {content}")
        if not lines:
            return question
        messages = self.prompt.messages(history="\n".join(lines), question=question)
        rewritten = "".join(self.chat.stream(messages, REWRITE_TOKENS, usage)).strip()
        rewritten = rewritten.split("\n")[0].strip().strip('"').strip()
        if not reads_as_question(rewritten):  # the model answered instead of rewriting
            return question
        return rewritten if 3 <= len(rewritten) <= self.max_chars else question
