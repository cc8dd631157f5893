"""OpenAI or any OpenAI-compatible server (vLLM, llama.cpp's server, Ollama).

Timeouts, retries on 429/5xx under one cap on the total wait (`retries`), and
an error that names the server for every way a call can fail: a server that is
down, slow, rate limiting, or answering with something that is not OpenAI JSON.
Label scores come from `top_logprobs`, or from the reply's first word where a
server returns none.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from assistant.errors import LLMUnavailable
from assistant.llm import Scores, label_key
from assistant.llm.retries import RetryTooLong, retrying
from assistant.schema import Message, Usage
from assistant.settings import Settings


class OpenAIChat:
    backend = "openai"

    def __init__(self, settings: Settings) -> None:
        import openai

        self.model = settings.openai_model
        self.temperature = settings.temperature
        self.timeout = settings.llm_timeout
        self._client = openai.OpenAI(
            api_key=settings.api_key or "not-needed",  # local servers ignore it
            base_url=settings.openai_base_url,  # unset: OPENAI_BASE_URL, else OpenAI's
            timeout=settings.llm_timeout,
            max_retries=0,  # retried here, under one cap on the total wait
        )
        self.url = str(self._client.base_url).rstrip("/")
        self.where = urlsplit(self.url).netloc or self.url
        self.max_retries = settings.llm_max_retries
        self.max_wait = settings.llm_max_wait
        self._logprobs = True  # until the server says it has none

    def stream(self, messages: list[Message], max_tokens: int, usage: Usage) -> Iterator[str]:
        try:
            response: Any = retrying(
                lambda: self._client.chat.completions.create(  # type: ignore[call-overload]
                    model=self.model,
                    messages=messages,
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
