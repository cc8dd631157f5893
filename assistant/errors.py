"""User-facing errors: each carries a message a person can act on.

The CLI and the UI print `str(error)` for these and nothing else; anything that
is not an `AssistantError` is a bug and keeps its traceback.
"""

from __future__ import annotations


class AssistantError(Exception):
    """Something the user can fix: bad input, a server that is down, a missing file."""


class BadQuestion(AssistantError):
    """The question is empty, too long or otherwise unusable."""


class BadSettings(AssistantError):
    """A setting (environment variable, .env line or flag) has an invalid value."""


class CorpusUnavailable(AssistantError, FileNotFoundError):
    """The article folder does not exist."""


class ArticleUnavailable(AssistantError):
    """An article named by the user (`assistant show`) is not in the folder or unreadable."""


class LLMUnavailable(AssistantError):
    """The LLM server could not be reached, timed out or refused the request."""


class StoreUnavailable(AssistantError):
    """The vector store could not be opened or reached."""


class ModelFileError(AssistantError):
    """A model file is missing, incomplete or does not match its checksum."""


class MissingExtra(AssistantError):
    """An optional backend's packages are not installed."""

    def __init__(self, what: str, extra: str) -> None:
        super().__init__(
            f"{what} needs the '{extra}' extra: pip install 'news-assistant[{extra}]'"
            f" (from a checkout: pip install -e '.[{extra}]')"
        )


class SettingsRefused(BadSettings):
    """Settings that were refused: one line per problem, each naming the flag or variable."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
