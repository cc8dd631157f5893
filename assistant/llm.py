"""LLM backends: one small class each, one method that streams a chat reply.

- `OpenAIChat` talks to OpenAI or any OpenAI-compatible server (vLLM, llama.cpp's
  server, Ollama) with the `openai` client: timeouts, retries on 429/5xx, and a
  clear error naming the URL when the server is down.
- `LocalChat` runs a GGUF in process with llama-cpp-python (the offline default).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from assistant.answer import Usage
from assistant.errors import LLMUnavailable, MissingExtra
from assistant.settings import Settings

Message = dict[str, str]


class ChatModel(Protocol):
    backend: str
    model: str

    def stream(self, messages: list[Message], max_tokens: int, usage: Usage) -> Iterator[str]:
        """Yield the reply in pieces; fill `usage` when the reply is complete."""
        ...


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
        self._llama = Llama(
            model_path=str(model_path),
            n_ctx=settings.n_ctx,
            n_threads=settings.n_threads or os.cpu_count() or 2,
            verbose=False,
        )

    def stream(self, messages: list[Message], max_tokens: int, usage: Usage) -> Iterator[str]:
        with self._lock:
            completion = 0
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
            usage.completion_tokens = completion
            usage.prompt_tokens = max(self._llama.n_tokens - completion, 0)


class OpenAIChat:
    backend = "openai"

    def __init__(self, settings: Settings) -> None:
        import openai

        self.model = settings.openai_model
        self.temperature = settings.temperature
        self.url = settings.openai_base_url or "https://api.openai.com/v1"
        self.timeout = settings.llm_timeout
        self._client = openai.OpenAI(
            api_key=settings.openai_api_key or "not-needed",  # local servers ignore it
            base_url=settings.openai_base_url,
            timeout=settings.llm_timeout,
            max_retries=settings.llm_max_retries,
        )

    def stream(self, messages: list[Message], max_tokens: int, usage: Usage) -> Iterator[str]:
        try:
            response = self._client.chat.completions.create(
                model=self.model,
                messages=messages,  # type: ignore[arg-type]
                stream=True,
                temperature=self.temperature,
                max_tokens=max_tokens,
                stream_options={"include_usage": True},
            )
            completion = 0
            for chunk in response:
                if chunk.usage is not None:
                    usage.prompt_tokens = chunk.usage.prompt_tokens
                    usage.completion_tokens = chunk.usage.completion_tokens
                if chunk.choices and chunk.choices[0].delta.content:
                    completion += 1
                    yield chunk.choices[0].delta.content
            if usage.completion_tokens is None:
                usage.completion_tokens = completion
        except Exception as exc:
            raise self._explain(exc) from exc

    def _explain(self, exc: Exception) -> Exception:
        import openai

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
        return exc


def build_chat_model(settings: Settings) -> ChatModel:
    """The backend the settings ask for (`auto`: openai when configured, else local)."""
    if settings.resolved_llm_backend == "openai":
        return OpenAIChat(settings)
    from assistant.model_files import default_gguf

    path = settings.local_model or default_gguf(settings.model_cache_dir)
    return LocalChat(path, settings)
