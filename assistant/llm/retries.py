"""Retries for calls to an LLM server, under one cap on the total wait.

The openai client honours a Retry-After of up to a minute on every retry, so a
rate-limited call with a 3 s timeout could take two minutes. Here the server's
Retry-After (or a short backoff) is honoured only while the waits add up to at
most `llm_max_wait` seconds; beyond that the call fails at once and says why.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def retrying(call: Callable[[], T], max_retries: int, max_wait: float) -> T:
    """Call, retrying 408/409/429/5xx and dropped connections; re-raise the last error."""
    waited = 0.0
    for attempt in range(max_retries + 1):
        try:
            return call()
        except Exception as exc:
            wait = retry_wait(exc, attempt)
            if wait is None or attempt == max_retries:
                raise
            if waited + wait > max_wait:
                raise RetryTooLong(exc, wait, max_wait) from None
            time.sleep(wait)
            waited += wait
    raise AssertionError("unreachable: the last attempt returns or raises")


class RetryTooLong(Exception):
    """The server asked for a wait beyond the budget: fail now rather than hang."""

    def __init__(self, exc: Exception, wait: float, limit: float) -> None:
        super().__init__(str(exc))
        self.status = getattr(exc, "status_code", None)
        self.wait = wait
        self.limit = limit

    def what(self) -> str:
        if self.status == 429:
            return "rate limited the request (429)"
        return f"answered {self.status}" if self.status else "dropped the connection"


def retry_wait(exc: Exception, attempt: int) -> float | None:
    """Seconds to wait before retrying `exc`, or None when it is not worth a retry."""
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return None  # the timeout has been spent already: retrying would double it
    if isinstance(exc, openai.APIConnectionError):
        return backoff(attempt)
    if not isinstance(exc, openai.APIStatusError):
        return None
    if exc.status_code not in (408, 409, 429) and exc.status_code < 500:
        return None
    asked = retry_after(exc.response.headers)
    return asked if asked is not None else backoff(attempt)


def retry_after(headers: Any) -> float | None:
    """The server's Retry-After (seconds or an HTTP date) or retry-after-ms, in seconds."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) * scale)
        except ValueError:
            pass
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            continue
        return max(0.0, when.timestamp() - time.time())
    return None


def backoff(attempt: int) -> float:
    return min(0.5 * 2**attempt, 8.0)
