"""How a failed event reaches the page: one readable line, never a bare "Error".

Why: the page runs with Gradio's `show_error=False`, so an exception other than
`gr.Error` shows as a bare "Error" and prints its traceback in the server log. A
user's mistake (removing an article twice, a store that cannot be opened) is an
`AssistantError` whose message says what to do: it is shown as that one line, and
logged as one line. Anything else is a bug: the page says so in one line, and the
log keeps its traceback.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import gradio as gr

from assistant.errors import AssistantError
from assistant.ui.render import failure_text

log = logging.getLogger(__name__)


@contextmanager
def shown_as_one_line(title: str, doing: str) -> Iterator[None]:
    """Turn a failure inside the block into a `gr.Error` with one readable line (escaped:
    the page renders it as HTML) and no traceback printed for a user's mistake."""
    try:
        yield
    except gr.Error:
        raise
    except Exception as exc:
        if isinstance(exc, AssistantError):
            log.info("%s: %s", title, exc)
        else:
            log.exception("%s", title)
        text = " ".join(failure_text(exc, doing).split())  # one line
        raise gr.Error(html.escape(text, quote=False), title=title, print_exception=False) from None
