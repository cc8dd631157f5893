"""Where llama.cpp starts reading a prompt: the same place, whatever came before.

llama.cpp keeps the last prompt in its KV cache, and left to itself reads a new
prompt from the first token where the two differ. That saves work, but then a
prompt's scores depend on the prompt before it: the rest is read in another
batch split, and a label's probability moves in the second or third decimal
(a false-premise question was refused asked alone and answered after another
question about the same article). An answer should not depend on what was
asked before it, by the same user or another.

`PrefixCache` fixes the start. A prompt that continues the exchange held in the
cache (the same question's second read, its phrasing turn) reuses all of it.
Any other prompt starts right after its fixed head (the system message and the
user message's heading line, "Sentences:"), whose KV state is read once, on its
own, and restored from a saved copy from then on: the rewrite prompt and the
selection prompt no longer evict each other's heads.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from assistant.errors import LLMUnavailable

if TYPE_CHECKING:
    from assistant.schema import Message

KEEP = 4  # saved heads (one per prompt: select, condense, ...); a few MB each


def common_prefix(cached: Sequence[object], tokens: Sequence[object]) -> int:
    """How many leading items two sequences share (tokens, or characters of two prompts)."""
    n = 0
    for a, b in zip(cached, tokens, strict=False):
        if a != b:
            break
        n += 1
    return n


class PrefixCache:
    """Sets llama.cpp's KV cache before a prompt is read; `start` says from where."""

    def __init__(self, llama: Any, render: Callable[[list[Message]], list[int]]) -> None:
        self.llama = llama
        self.render = render  # messages -> prompt tokens, as the chat template renders them
        self.saved: dict[tuple[int, ...], bytes] = {}

    def heads(self, messages: list[Message], tokens: list[int]) -> tuple[int, int]:
        """Token lengths of the prompt's fixed head and of its first exchange.

        The head is the system message, and the heading line of the message after
        it when that one has several lines ("Sentences:", "Conversation:"); the
        exchange runs through the end of that message. (0, 0) without a system
        message: such a prompt reuses whatever it shares with the cache."""
        if not messages or messages[0].get("role") != "system":
            return 0, 0
        fixed = messages[:1]
        if len(messages) > 1 and "\n" in messages[1].get("content", ""):
            heading = messages[1]["content"].split("\n", 1)[0] + "\n"
            fixed = [messages[0], {**messages[1], "content": heading}]
        head = common_prefix(self.render(fixed), tokens)
        exchange = common_prefix(self.render(messages[:2]), tokens)
        return head, max(head, exchange)

    def start(self, messages: list[Message], tokens: list[int]) -> tuple[int, int]:
        """Leave the KV cache holding `tokens[:n]` for the caller to read on from n.

        Returns n and how many of those n tokens were read here (a head
        seen for the first time), so that usage counts every token read."""
        llama = self.llama
        common = min(common_prefix(llama.input_ids[: llama.n_tokens], tokens), len(tokens) - 1)
        fixed, exchange = self.heads(messages, tokens)
        fixed = min(fixed, len(tokens) - 1)  # at least one token is read: its scores are wanted
        if fixed == 0 or common >= exchange:  # the same exchange, read further
            llama.n_tokens = common
            return common, 0
        if common >= fixed:  # an earlier prompt with this head left it
            llama.n_tokens = fixed
            return fixed, 0
        head = tuple(tokens[:fixed])
        llama.n_tokens = 0
        if head in self.saved:
            self._restore(self.saved[head], head)
            return fixed, 0
        llama.eval(list(head))
        self.saved[head] = self._save()
        while len(self.saved) > KEEP:
            del self.saved[next(iter(self.saved))]
        return fixed, fixed

    def _save(self) -> bytes:
        import llama_cpp

        ctx = self.llama._ctx.ctx
        size = llama_cpp.llama_state_seq_get_size(ctx, 0)
        buffer = (ctypes.c_uint8 * size)()
        written = llama_cpp.llama_state_seq_get_data(ctx, buffer, size, 0)
        return bytes(buffer[:written])

    def _restore(self, state: bytes, head: tuple[int, ...]) -> None:
        import llama_cpp

        llama = self.llama
        llama._ctx.kv_cache_seq_rm(0, 0, -1)
        buffer = (ctypes.c_uint8 * len(state)).from_buffer_copy(state)
        if not llama_cpp.llama_state_seq_set_data(llama._ctx.ctx, buffer, len(state), 0):
            raise LLMUnavailable("llama.cpp could not restore a saved prompt head.")
        llama.input_ids[: len(head)] = head
        llama.n_tokens = len(head)
