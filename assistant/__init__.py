"""A question-answering assistant over news articles, with checkable citations.

    from assistant import ask
    answer = ask("Where did Biden and Kishida meet a day before the G7 summit?")
    answer.text, answer.citations, answer.abstained

The heavy libraries load on first use, so `import assistant` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assistant.offline import go_offline

go_offline()  # first, before any submodule can import a library that phones home

if TYPE_CHECKING:
    from assistant.core import Assistant, ask
    from assistant.schema import Answer, Citation
    from assistant.settings import Settings

__all__ = ["Answer", "Assistant", "Citation", "Settings", "ask"]

_HOMES = {
    "Answer": "assistant.schema",
    "Citation": "assistant.schema",
    "Assistant": "assistant.core",
    "ask": "assistant.core",
    "Settings": "assistant.settings",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
