"""Where the embedded server starts reading a prompt: the same place, whatever came before.

llama.cpp's server keeps each slot's last prompt in its KV cache and reads a new
prompt from the first token where the two differ. That saves work, but then a
prompt's scores depend on the prompt before it: the rest is read in another batch
split, and a label's probability moves in the second or third decimal. An answer
should not depend on what was asked before it (see `prompt_cache`, which does the
same for llama-cpp-python by saving and restoring KV state).

The server cannot restore a saved state from Python, so the start is fixed by what
each slot is sent. Every prompt head (the system message and the heading line of
the message after it, "Sentences:") gets a slot of its own. Before a prompt that does
not continue the exchange the slot holds, the head alone is sent: the server keeps
the head and re-reads its last token, so the prompt is then read from right after
the head. A slot taken over for a new head is first sent a one-token prompt that
shares nothing with any head (the server then reads the head from its first token),
and the head twice, so its last token is re-read as in every later use.

Within one question a prompt that continues the exchange its slot holds (the second
read after the selection, the phrasing turn) reuses all of it; `forget` marks where a
question begins, so the same question asked again is read as it was the first time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.llm.prompt_cache import common_prefix
from assistant.schema import Message

CLEAR = "\n"  # a prompt no chat prompt starts with: the slot's next read starts at 0


@dataclass
class Slot:
    number: int
    head: str | None = None  # the head this slot holds (None: nothing known)
    prompt: str = ""  # the last prompt read in it


@dataclass
class Plan:
    """What to send, in order, before the prompt itself (all to `slot`)."""

    slot: int
    before: list[str] = field(default_factory=list)


class Slots:
    """Chooses a slot per prompt head and the prompts that fix where reading starts."""

    def __init__(self, count: int, render: Callable[[list[Message]], str]) -> None:
        self.slots = [Slot(n) for n in range(count)]
        self.render = render  # messages -> prompt text, as the chat template renders it

    def heads(self, messages: list[Message], prompt: str) -> tuple[str, int]:
        """The prompt's fixed head, and the length of its first exchange (see
        `PrefixCache.heads`). ("", 0) without a system message."""
        if not messages or messages[0].get("role") != "system":
            return "", 0
        fixed = messages[:1]
        if len(messages) > 1 and "\n" in messages[1].get("content", ""):
            heading = messages[1]["content"].split("\n", 1)[0] + "\n"
            fixed = [messages[0], {**messages[1], "content": heading}]
        head = prompt[: common_prefix(self.render(fixed), prompt)]
        exchange = common_prefix(self.render(messages[:2]), prompt)
        return head, max(len(head), exchange)

    def forget(self) -> None:
        """A new question: its first prompt in each slot is read from the head, even one
        that shares its exchange with what the slot holds (the same question again)."""
        for slot in self.slots:
            slot.prompt = ""

    def plan(self, messages: list[Message], prompt: str) -> Plan:
        """The slot for this prompt and what it must be sent first; marks it used."""
        head, exchange = self.heads(messages, prompt)
        slot = next((s for s in self.slots if s.head == head), None)
        before: list[str] = []
        if slot is None:  # the least recently used slot takes the new head
            slot = self.slots[0]
            before = [CLEAR, head, head] if head else [CLEAR]
        elif head and common_prefix(slot.prompt, prompt) < exchange:
            before = [head]  # another exchange: cut the slot back to the head
        self.slots.remove(slot)
        self.slots.append(slot)
        slot.head, slot.prompt = head, prompt
        return Plan(slot.number, before)
