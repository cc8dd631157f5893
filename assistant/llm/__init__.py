"""LLM backends: what every backend does (`ChatModel`), and the one the settings ask for.

- `local.LocalChat` runs a GGUF in process with llama-cpp-python (compiled at install).
- `embedded.ServerChat` runs it with llama.cpp's C++ server from the prebuilt xllamacpp
  wheel. `local_engine` names one; "auto" (the default) takes `DEFAULT_ENGINE` when it
  is installed, else the other one that is (benchmarks/engines.md says why the default is
  the one it is).
- `openai_chat.OpenAIChat` talks to OpenAI or any OpenAI-compatible server (vLLM,
  llama.cpp's server, Ollama) with the `openai` client: timeouts, retries on
  429/5xx, and a clear error naming the URL when the server is down.

Both give a streamed reply and the labels' probabilities from the next-token
scores (`Scores`), which the evidence selector reads instead of sampled text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.util import find_spec
from typing import Protocol

from assistant.schema import Message, Usage
from assistant.settings import Settings


class ChatModel(Protocol):
    backend: str  # "local" or "openai"
    model: str
    where: str  # the model file it runs, or the host of the server it asks

    def stream(self, messages: list[Message], max_tokens: int, usage: Usage) -> Iterator[str]:
        """Yield the reply in pieces; add to `usage` when the reply is complete."""
        ...

    def label_scores(
        self, messages: list[Message], labels: list[str], usage: Usage, prefill: str = ""
    ) -> Scores | None:
        """How likely the reply starts with each label (probabilities over the labels).

        `prefill` is text put at the start of the reply before the label (only a
        backend that renders its own prompt can do it: others return None for it).
        """
        ...


@dataclass
class Scores:
    """Probabilities of the labels, read from the model's first reply token.

    `how` says where they came from: `logits` (llama.cpp), `logprobs` (an
    OpenAI-compatible server's top_logprobs) or `text` (a server that returns
    no log-probabilities: the label its greedy reply starts with gets 1.0).
    """

    probs: dict[str, float]
    how: str

    @classmethod
    def from_logprobs(cls, logprobs: dict[str, float], labels: list[str], how: str) -> Scores:
        """Normalize log-probabilities over the labels (a label never seen gets 0)."""
        finite = {k: v for k, v in logprobs.items() if k in labels and math.isfinite(v)}
        if not finite:
            return cls({label: 0.0 for label in labels}, how)
        top = max(finite.values())
        weights = {k: math.exp(v - top) for k, v in finite.items()}
        total = sum(weights.values())
        return cls({label: weights.get(label, 0.0) / total for label in labels}, how)

    @classmethod
    def from_text(cls, text: str, labels: list[str]) -> Scores:
        """The documented fallback: the first label the reply names gets everything."""
        word = re.match(r"\W*(\w+)", text)
        first = word.group(1).lower() if word else ""
        return cls({label: float(label.lower() == first) for label in labels}, "text")


def label_key(token: str) -> str:
    """A reply token as a label: "▁Yes", " yes" and "yes" are all "yes"."""
    return token.replace("\u2581", " ").strip().lower()


# the local engines by their setting's name, with the module each needs
ENGINES = {"llama-cpp-python": "llama_cpp", "xllamacpp": "xllamacpp"}
DEFAULT_ENGINE = "xllamacpp"  # installed in seconds, no compiler: benchmarks/engines.md


def local_engine(settings: Settings) -> str:
    """The engine that runs the local model: the one the settings name, or for "auto" the
    default engine when it is installed, else the other one that is (a venv set up with
    `make setup ENGINE=...` holds only that one). With neither installed, the default is
    named, and loading it says what to install."""
    if settings.local_engine != "auto":
        return settings.local_engine
    order = [DEFAULT_ENGINE, *(e for e in ENGINES if e != DEFAULT_ENGINE)]
    return next((e for e in order if find_spec(ENGINES[e]) is not None), DEFAULT_ENGINE)


def build_chat_model(settings: Settings) -> ChatModel:
    """The backend the settings ask for (`auto`: openai when configured, else local)."""
    if settings.resolved_llm_backend == "openai":
        from assistant.llm.openai_chat import OpenAIChat

        return OpenAIChat(settings)
    from assistant.llm.model_files import default_gguf

    path = settings.local_model or default_gguf(settings.model_cache_dir)
    if local_engine(settings) == "xllamacpp":
        from assistant.llm.embedded import ServerChat

        return ServerChat(path, settings)
    from assistant.llm.local import LocalChat

    return LocalChat(path, settings)
