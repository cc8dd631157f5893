"""Where llama.cpp starts reading a prompt (assistant/prompt_cache.py), with a real model.

SmolLM2-135M in llama.cpp: the scores of a prompt must be the same whatever was
read before it, and the fixed system heads must not be read again.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.llm.local import LocalChat
from assistant.schema import Message, Usage
from tests.conftest import settings_for

SYSTEM = {"role": "system", "content": "You find evidence. Reply with the number of a sentence."}
SHARED = "Sentences:\n" + "\n".join(
    f"{i}. The talks in city number {i} were about chips, security and trade." for i in range(1, 20)
)
ASKED = [SYSTEM, {"role": "user", "content": SHARED + "\nQuestion: Where were the chip talks?"}]
BEFORE = [SYSTEM, {"role": "user", "content": SHARED + "\nQuestion: Which city hosted trade?"}]
REWRITE = [
    {"role": "system", "content": "Rewrite the last question so it stands alone."},
    {"role": "user", "content": "Who met Tom? Where did they meet?"},
]
LABELS = [str(i) for i in range(10)]


def local_chat(small_gguf: Path) -> LocalChat:
    return LocalChat(small_gguf, settings_for(llm_backend="local"))


def head_and_length(chat: LocalChat, messages: list[Message]) -> tuple[int, int]:
    tokens = chat._prompt_tokens(messages)
    return chat._prefixes.heads(messages, tokens)[0], len(tokens)


def assert_read_from_the_head(chat: LocalChat, alone: dict[str, float]) -> None:
    """ASKED is read from the end of its fixed head and scores as it does alone."""
    usage = Usage()
    scores = chat.label_scores(ASKED, LABELS, usage).probs
    head, length = head_and_length(chat, ASKED)
    assert (usage.prompt_tokens, usage.cached_tokens) == (length - head, head)
    assert scores == alone


@pytest.fixture(scope="module")
def alone(small_gguf: Path) -> dict[str, float]:
    """The scores of ASKED read by a model that read nothing before."""
    return local_chat(small_gguf).label_scores(ASKED, LABELS, Usage()).probs


def test_a_first_prompt_counts_every_token_it_reads(small_gguf: Path) -> None:
    chat = local_chat(small_gguf)
    usage = Usage()
    chat.label_scores(ASKED, LABELS, usage)
    head, length = head_and_length(chat, ASKED)
    assert 10 < head < length
    assert (usage.prompt_tokens, usage.cached_tokens) == (length, 0)


def test_scores_do_not_depend_on_the_question_before(
    small_gguf: Path, alone: dict[str, float]
) -> None:
    chat = local_chat(small_gguf)
    chat.label_scores(BEFORE, LABELS, Usage())
    # the 19 shared sentences are read again: only the fixed head is reused
    assert_read_from_the_head(chat, alone)


def test_the_fixed_head_is_the_system_message_and_the_heading_line(small_gguf: Path) -> None:
    chat = local_chat(small_gguf)
    tokens = chat._prompt_tokens(ASKED)
    head, exchange = chat._prefixes.heads(ASKED, tokens)
    read = chat._llama.detokenize(tokens[:head], special=True).decode()
    assert read.endswith("Sentences:\n") and SYSTEM["content"] in read
    assert "1." not in read.split("Sentences:")[-1]
    assert exchange == len(tokens)  # the select prompt is one exchange, through its end


def test_a_system_head_is_restored_after_a_prompt_with_another_one(
    small_gguf: Path, alone: dict[str, float]
) -> None:
    chat = local_chat(small_gguf)
    chat.label_scores(BEFORE, LABELS, Usage())
    rewrite = Usage()
    assert "".join(chat.stream(REWRITE, 4, rewrite))
    rewrite_head, rewrite_length = head_and_length(chat, REWRITE)
    assert rewrite.prompt_tokens == rewrite_length  # its head was new: read and counted

    assert_read_from_the_head(chat, alone)

    second = Usage()
    assert "".join(chat.stream(REWRITE, 4, second))
    assert (second.prompt_tokens, second.cached_tokens) == (
        rewrite_length - rewrite_head,
        rewrite_head,
    )


def test_the_same_exchange_read_further_reuses_all_of_it(small_gguf: Path) -> None:
    chat = local_chat(small_gguf)
    chat.label_scores(ASKED, LABELS, Usage())
    usage = Usage()
    chat.label_scores(ASKED, LABELS, usage, prefill="Sentence ")
    _, length = head_and_length(chat, ASKED)
    assert usage.prompt_tokens is not None and usage.prompt_tokens <= 3
    assert usage.cached_tokens >= length - 1


def test_a_prompt_without_a_system_message_reuses_what_it_shares(small_gguf: Path) -> None:
    chat = local_chat(small_gguf)
    plain = [m for m in ASKED if m["role"] != "system"]
    assert chat._prefixes.heads(plain, chat._prompt_tokens(plain)) == (0, 0)
    chat.label_scores(plain, LABELS, Usage())
    usage = Usage()
    chat.label_scores(plain, LABELS, usage, prefill="Sentence ")
    assert usage.prompt_tokens is not None and usage.prompt_tokens <= 3
