"""The offline default: a GGUF run in process by llama-cpp-python, compiled on this machine.

`make setup` builds it portable (NATIVE=1: for this CPU); `embedded.ServerChat` is the
prebuilt alternative. One llama.cpp context, used by one question at a
time (a lock). The selector's
label scores are read straight from the logits after the prompt is evaluated,
and `PrefixCache` fixes where each prompt starts reading, so a question's
scores do not depend on what was asked before it.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from assistant.errors import LLMUnavailable, MissingExtra, ModelFileError
from assistant.llm import Scores
from assistant.llm.prompt_cache import PrefixCache
from assistant.schema import Message, Usage
from assistant.settings import Settings


class LocalChat:
    backend = "local"
    serial = True  # one question at a time (Assistant holds `session`), as `embedded.ServerChat`

    def __init__(self, model_path: Path, settings: Settings) -> None:
        try:
            from llama_cpp import Llama
        except ImportError:
            raise MissingExtra("The llama-cpp-python engine", "llama-cpp") from None
        self.model = model_path.name
        self.where = str(model_path)
        self.temperature = settings.temperature
        self.engine = f"llama-cpp-python {_version()}"
        self.lock = threading.RLock()  # one llama.cpp context serves one request at a time
        try:
            self._llama = Llama(
                model_path=str(model_path),
                n_ctx=settings.n_ctx,
                n_threads=settings.n_threads or os.cpu_count() or 2,
                verbose=False,
            )
        except ValueError as exc:  # llama.cpp's "Failed to load model from file"
            raise ModelFileError(
                f"Cannot load {model_path}: it is not a complete GGUF model file ({exc})."
            ) from None
        self._format: Any = None
        self._labels: dict[str, list[int]] = {}
        self._prefixes = PrefixCache(self._llama, self._prompt_tokens)

    @contextmanager
    def session(self) -> Iterator[None]:
        """Hold the engine for one question (its prompts are not interleaved with others')."""
        with self.lock:
            yield

    def _prompt_tokens(self, messages: list[Message]) -> list[int]:
        """The chat prompt as tokens, exactly as `create_chat_completion` renders it."""
        from llama_cpp import llama_chat_format

        if self._format is None:
            llama = self._llama
            template = llama.metadata.get("tokenizer.chat_template")
            if not template:
                raise LLMUnavailable(f"{self.model} has no chat template in its GGUF metadata.")
            vocab = llama._model
            self._format = llama_chat_format.Jinja2ChatFormatter(
                template=template,
                eos_token=llama._model.token_get_text(vocab.token_eos()),
                bos_token=llama._model.token_get_text(vocab.token_bos()),
                stop_token_ids=[vocab.token_eos()],
            )
        result = self._format(messages=messages)
        return self._llama.tokenize(
            result.prompt.encode("utf-8"), add_bos=not result.added_special, special=True
        )

    def _label_tokens(self, label: str) -> list[int]:
        """The single tokens that spell a label ("yes", "Yes", " yes", " Yes"), found once."""
        if label not in self._labels:
            variants = {label, label.capitalize(), f" {label}", f" {label.capitalize()}"}
            spelled = [
                self._llama.tokenize(v.encode("utf-8"), add_bos=False, special=False)
                for v in variants
            ]
            self._labels[label] = sorted({ids[0] for ids in spelled if len(ids) == 1})
        return self._labels[label]

    def label_scores(
        self, messages: list[Message], labels: list[str], usage: Usage, prefill: str = ""
    ) -> Scores:
        """Evaluate the prompt (from where `PrefixCache` says) and read the next-token logits."""
        import llama_cpp
        import numpy as np

        with self.lock:
            llama = self._llama
            tokens = self._prompt_tokens(messages)
            if prefill:
                tokens += llama.tokenize(prefill.encode("utf-8"), add_bos=False, special=False)
            if len(tokens) >= llama.n_ctx():
                raise LLMUnavailable(f"The prompt ({len(tokens)} tokens) exceeds n_ctx.")
            reuse, read = self._prefixes.start(messages, tokens)
            llama.eval(tokens[reuse:])
            usage.add(prompt=len(tokens) - reuse + read, cached=reuse - read)
            logits = np.ctypeslib.as_array(
                llama_cpp.llama_get_logits_ith(llama._ctx.ctx, -1), shape=(llama.n_vocab(),)
            ).astype(np.float64)
            logits -= logits.max()
            logprobs = logits - math.log(float(np.exp(logits).sum()))
            found: dict[str, float] = {}
            for label in labels:
                for token in self._label_tokens(label):
                    value = float(logprobs[token])
                    found[label] = float(np.logaddexp(found.get(label, -math.inf), value))
            return Scores.from_logprobs(found, labels, "logits")

    def stream(self, messages: list[Message], max_tokens: int, usage: Usage) -> Iterator[str]:
        with self.lock:
            completion = 0
            prompt = self._prompt_tokens(messages)
            cached, read = self._prefixes.start(messages, prompt)  # llama.cpp reads on from there
            parts = self._llama.create_chat_completion(
                messages=messages,  # type: ignore[arg-type]
                stream=True,
                temperature=self.temperature,
                max_tokens=max_tokens,
                seed=0,
            )
            for part in parts:
                delta = part["choices"][0]["delta"].get("content")  # type: ignore[index,union-attr]
                if isinstance(delta, str) and delta:
                    completion += 1
                    yield delta
            usage.add(
                prompt=len(prompt) - cached + read, completion=completion, cached=cached - read
            )


def _version() -> str:
    from importlib.metadata import version

    return version("llama-cpp-python")
