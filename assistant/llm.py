"""LLM backends: one small class each, one method that streams a chat reply.

- `OpenAIChat` talks to OpenAI or any OpenAI-compatible server (vLLM, llama.cpp's
  server, Ollama) with the `openai` client: timeouts, retries on 429/5xx, and a
  clear error naming the URL when the server is down.
- `LocalChat` runs a GGUF in process with llama-cpp-python (the offline default).
"""

from __future__ import annotations

import math
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from assistant.answer import Usage
from assistant.errors import LLMUnavailable, MissingExtra, ModelFileError
from assistant.prompt_cache import PrefixCache
from assistant.retries import RetryTooLong, retrying
from assistant.settings import Settings

Message = dict[str, str]


class ChatModel(Protocol):
    backend: str
    model: str

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


class LocalChat:
    backend = "local"

    def __init__(self, model_path: Path, settings: Settings) -> None:
        try:
            from llama_cpp import Llama
        except ImportError:
            raise MissingExtra("The local LLM backend", "local") from None
        self.model = model_path.name
        self.temperature = settings.temperature
        self._lock = threading.Lock()  # one llama.cpp context serves one request at a time
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

        with self._lock:
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
        with self._lock:
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
                delta = part["choices"][0]["delta"].get("content")  # type: ignore[index]
                if delta:
                    completion += 1
                    yield delta
            usage.add(
                prompt=len(prompt) - cached + read, completion=completion, cached=cached - read
            )


class OpenAIChat:
    backend = "openai"

    def __init__(self, settings: Settings) -> None:
        import openai

        self.model = settings.openai_model
        self.temperature = settings.temperature
        self.url = settings.openai_base_url or "https://api.openai.com/v1"
        self.timeout = settings.llm_timeout
        self._client = openai.OpenAI(
            api_key=settings.api_key or "not-needed",  # local servers ignore it
            base_url=settings.openai_base_url,
            timeout=settings.llm_timeout,
            max_retries=0,  # retried here, under one cap on the total wait
        )
        self.max_retries = settings.llm_max_retries
        self.max_wait = settings.llm_max_wait
        self._logprobs = True  # until the server says it has none

    def stream(self, messages: list[Message], max_tokens: int, usage: Usage) -> Iterator[str]:
        try:
            response = retrying(
                lambda: self._client.chat.completions.create(
                    model=self.model,
                    messages=messages,  # type: ignore[arg-type]
                    stream=True,
                    temperature=self.temperature,
                    max_tokens=max_tokens,
                    stream_options={"include_usage": True},
                ),
                self.max_retries,
                self.max_wait,
            )
            completion = 0
            reported = None
            if isinstance(response, str | bytes):  # a body that is no event stream
                raise ValueError("not an event stream")
            chunks = 0
            for chunk in response:
                chunks += 1
                if chunk.usage is not None:
                    reported = chunk.usage
                if chunk.choices and chunk.choices[0].delta.content:
                    completion += 1
                    yield chunk.choices[0].delta.content
            if not chunks:  # a real server sends at least the role and a finish reason
                raise ValueError("an empty event stream")
            if reported is not None:
                usage.add(prompt=reported.prompt_tokens, completion=reported.completion_tokens)
            else:
                usage.add(completion=completion)
        except Exception as exc:
            raise self._explain(exc) from None

    def label_scores(
        self, messages: list[Message], labels: list[str], usage: Usage, prefill: str = ""
    ) -> Scores | None:
        """One reply token with its top log-probabilities; the text rule if the server has none.

        A reply cannot be prefilled through the chat API: with `prefill`, None."""
        if prefill:
            return None
        try:
            if self._logprobs:
                try:
                    response = self._create(messages, 1, logprobs=True, top_logprobs=20)
                except Exception as exc:  # a server that refuses logprobs: use the text rule
                    if not _refuses_logprobs(exc):
                        raise
                    self._logprobs = False
                    response = self._create(messages, 4)
            else:
                response = self._create(messages, 4)
        except Exception as exc:
            raise self._explain(exc) from None
        if not hasattr(response, "choices"):  # the client hands back a body it could not parse
            raise self._explain(ValueError("not a chat completion"))
        if response.usage is not None:
            usage.add(
                prompt=response.usage.prompt_tokens, completion=response.usage.completion_tokens
            )
        choice = response.choices[0] if response.choices else None
        if choice is None:
            raise LLMUnavailable(f"The LLM server at {self.url} returned no choices.")
        content = choice.logprobs.content if choice.logprobs is not None else None
        if content:
            found: dict[str, float] = {}
            for top in content[0].top_logprobs or []:
                key = label_key(top.token)
                if key in labels:
                    found[key] = float(
                        math.log(math.exp(found.get(key, -math.inf)) + math.exp(top.logprob))
                    )
            if found:
                return Scores.from_logprobs(found, labels, "logprobs")
        return Scores.from_text(choice.message.content or "", labels)

    def _create(self, messages: list[Message], max_tokens: int, **extra: Any) -> Any:
        return retrying(
            lambda: self._client.chat.completions.create(
                model=self.model,
                messages=messages,  # type: ignore[arg-type]
                temperature=0.0,
                max_tokens=max_tokens,
                **extra,
            ),
            self.max_retries,
            self.max_wait,
        )

    def _explain(self, exc: Exception) -> Exception:
        import openai

        if isinstance(exc, RetryTooLong):
            return LLMUnavailable(
                f"The LLM server at {self.url} {exc.what()} and asks to retry in "
                f"{exc.wait:g}s, more than the {exc.limit:g}s allowed (setting llm_max_wait)."
            )
        if isinstance(exc, openai.RateLimitError):
            return LLMUnavailable(
                f"The LLM server at {self.url} rate limited the request (429) "
                f"{self.max_retries + 1} times: try again later."
            )
        if isinstance(exc, openai.APITimeoutError):
            return LLMUnavailable(
                f"The LLM server at {self.url} did not answer within {self.timeout:g}s."
            )
        if isinstance(exc, openai.APIConnectionError):
            return LLMUnavailable(f"Cannot reach the LLM server at {self.url}: is it running?")
        if isinstance(exc, openai.AuthenticationError):
            return LLMUnavailable(f"The LLM server at {self.url} rejected the API key.")
        if isinstance(exc, openai.NotFoundError):
            return LLMUnavailable(f"The LLM server at {self.url} has no model '{self.model}'.")
        if isinstance(exc, openai.APIStatusError):
            return LLMUnavailable(
                f"The LLM server at {self.url} answered {exc.status_code}: {exc.message}"
            )
        if isinstance(exc, openai.APIResponseValidationError | ValueError):  # JSONDecodeError too
            return LLMUnavailable(
                f"The LLM server at {self.url} sent a reply that is not OpenAI-compatible JSON."
            )
        return exc


def _refuses_logprobs(exc: Exception) -> bool:
    import openai

    return isinstance(exc, openai.APIStatusError) and "logprob" in str(exc).lower()


def build_chat_model(settings: Settings) -> ChatModel:
    """The backend the settings ask for (`auto`: openai when configured, else local)."""
    if settings.resolved_llm_backend == "openai":
        return OpenAIChat(settings)
    from assistant.model_files import default_gguf

    path = settings.local_model or default_gguf(settings.model_cache_dir)
    return LocalChat(path, settings)
