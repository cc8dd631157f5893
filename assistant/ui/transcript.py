"""A conversation as Markdown, for the chat page's "Download the conversation" button.

Why: an answer is only as good as the reader's chance to check it later, so the
saved conversation keeps what the page shows: each question, the checked answer,
and for every citation its quote, file, character offsets and date (the quote is
the file's text[start:end], so `open(file).read()[start:end]` finds it again); an
abstention keeps its reason and the passages it came closest with, marked as not an
answer. Text from the articles, the LLM or the user has its HTML characters escaped
and its line breaks shown as spaces, so a Markdown viewer shows it as written and it
cannot break the layout.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Sequence

from assistant.answering.explain import closest, why
from assistant.schema import Answer, Citation, Evidence
from assistant.ui.render import answered_by

_SPACE = re.compile(r"\s+")


def text(value: str | None) -> str:
    """Text on one line, with the characters that would start HTML escaped."""
    return html.escape(_SPACE.sub(" ", value or "").strip(), quote=False)


def conversation_markdown(
    answers: Sequence[Answer], folder: str = "", saved_at: float | None = None
) -> str:
    """The whole conversation, oldest question first."""
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(saved_at or time.time()))
    head = ["# Conversation with the news assistant", ""]
    head.append(f"Saved {when}" + (f" · articles in `{text(folder)}`" if folder else "") + ".")
    head += ["Every quote is the article's text[start:end] (line breaks shown as spaces).", ""]
    turns = [turn_markdown(n, a) for n, a in enumerate(answers, 1)]
    return "\n".join(head + turns).rstrip() + "\n"


def turn_markdown(number: int, answer: Answer) -> str:
    """One question and its answer, with its sources or why it abstained."""
    lines = [f"## {number}. {text(answer.question)}", ""]
    if _SPACE.sub(" ", answer.standalone_question).strip() != answer.question.strip():
        lines += [f"*Searched for:* {text(answer.standalone_question)}", ""]
    lines += [text(answer.text), ""]
    if answer.abstained:
        reason = why(answer)
        if reason:
            lines += [f"*Why:* {text(reason)}", ""]
        near = closest(answer)
        if near:
            lines += ["Closest passages (not an answer):", ""]
            lines += [passage_markdown(e) for e in near] + [""]
    elif answer.citations:
        lines += ["Sources:", ""] + [citation_markdown(c) for c in answer.citations] + [""]
    lines += [f"*{text(answered_by(answer))}, {answer.timings.total_s:.1f} s.*", ""]
    return "\n".join(lines)


def citation_markdown(c: Citation) -> str:
    where = f"`{text(c.source)}`, chars {c.start}-{c.end}, {text(c.date) or 'date unknown'}"
    title = f" ({text(c.title)})" if c.title else ""
    web = f", from {text(c.url)}" if c.url else ""  # a page fetched from the web
    if c.also_published_by:  # the story's other copies (ingest/dedup.py)
        web += f"; also published by {text(', '.join(c.also_published_by))}"
    return f"- [{c.number}] {where}{title}{web}\n  > {text(c.quote)}"


def passage_markdown(e: Evidence) -> str:
    where = f"`{text(e.source)}`, chars {e.start}-{e.end}, {text(e.date) or 'date unknown'}"
    title = f" ({text(e.title)})" if e.title else ""
    return f"- {where}{title}\n  > {text(e.text)}"


def file_name(saved_at: float | None = None) -> str:
    """conversation-2025-03-04-1530.md"""
    return time.strftime("conversation-%Y-%m-%d-%H%M.md", time.localtime(saved_at or time.time()))
