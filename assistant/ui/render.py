"""HTML for the web UI, kept apart from Gradio so it can be tested as plain functions.

A chat message in the UI is one line of HTML: the answer, then one entry per
citation with the quoted passage marked inside the text around it, so a reader
can check each claim against the article. While the model reads, the closest
passages show in a "Reading" state, then the chosen quotes; an abstention shows
why, and the passages it came closest with, marked as not an answer. Everything
taken from an article, the LLM or the user is escaped here; nothing else in the UI
builds HTML. One line, because the chat renders Markdown and a blank line would end
an HTML block.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from assistant.answering.explain import closest, why
from assistant.errors import AssistantError
from assistant.ingest.corpus import ReadText
from assistant.schema import Answer, Citation, Evidence, Message, dates_said

READING = 3  # passages shown while the model reads
CONTEXT_CHARS = 160  # shown either side of a quote
MORE_CONTEXT_CHARS = 700  # inside "More context"
HISTORY_MESSAGES = 12  # remembered per conversation (the core uses the last 6)

_PARAGRAPH = re.compile(r"[ \t]*\n(?:[ \t]*\n)+\s*")
_SPACE = re.compile(r"\s+")


def escape(text: str) -> str:
    """Text as HTML that shows exactly these characters."""
    return html.escape(text, quote=True)


def flow(text: str) -> str:
    """Escaped text on one line: paragraph breaks become <br>, other whitespace a space."""
    paragraphs = _PARAGRAPH.split(text)
    return "<br>".join(escape(_SPACE.sub(" ", p)) for p in paragraphs)


def locate(text: str, citation: Citation) -> tuple[int, int] | None:
    """Where the quote is in the article: at its offsets, else its first occurrence."""
    if text[citation.start : citation.end] == citation.quote and citation.quote:
        return citation.start, citation.end
    found = text.find(citation.quote) if citation.quote else -1
    return (found, found + len(citation.quote)) if found >= 0 else None


def highlight(text: str, start: int, end: int, radius: int = CONTEXT_CHARS) -> str:
    """HTML of text[start:end] in <mark>, with about `radius` characters around it.

    The surrounding text is cut at whitespace, with "…" where it was cut.
    """
    start, end = max(0, start), min(len(text), end)
    lo = max(0, start - radius)
    if lo > 0:
        space = text.find(" ", lo, start)
        lo = space + 1 if space >= 0 else lo
    hi = min(len(text), end + radius)
    if hi < len(text):
        space = text.rfind(" ", end, hi)
        hi = space if space >= 0 else hi
    before, quote, after = text[lo:start], text[start:end], text[end:hi]
    return (
        ("…" if lo > 0 else "")
        + flow(before)
        + f"<mark>{flow(quote)}</mark>"
        + flow(after)
        + ("…" if hi < len(text) else "")
    )


def source_html(citation: Citation, text: str | None) -> str:
    """One source: file, title and date (and where the date came from), the quote
    marked in its context."""
    when = citation.date_basis or citation.date
    about = " · ".join(escape(x) for x in (citation.title, when) if x)
    head = (
        f'<div class="na-source-head"><span class="na-num">[{citation.number}]</span> '
        f'<span class="na-file">{escape(citation.source)}</span>'
        + (f' <span class="na-about">{about}</span>' if about else "")
        + link_html(citation.url)
        + "</div>"
    )
    where = locate(text, citation) if text is not None else None
    if text is None or where is None:
        note = "article file not readable" if text is None else "quote not found in the file"
        body = (
            f'<div class="na-context"><mark>{flow(citation.quote)}</mark></div>'
            f'<div class="na-note">({note}; quoted as checked when answering)</div>'
        )
    else:
        start, end = where
        body = (
            f'<div class="na-context">{highlight(text, start, end)}</div>'
            f"<details><summary>More context · characters {start}–{end}</summary>"
            f'<div class="na-context">{highlight(text, start, end, MORE_CONTEXT_CHARS)}</div>'
            "</details>"
        )
    if citation.dates:
        body += f'<div class="na-dates">Dates: {escape(dates_said(citation.dates))}</div>'
    if citation.also_published_by:  # the story's other copies (ingest/dedup.py)
        also = escape(", ".join(citation.also_published_by))
        body += f'<div class="na-also">Also published by {also}</div>'
    return f'<div class="na-source">{head}{body}</div>'


def link_html(url: str | None) -> str:
    """A link to the address an article was fetched from ("" for none, or not a web one)."""
    if not url or not url.startswith(("http://", "https://")):
        return ""
    return (
        f' <a class="na-link" href="{escape(url)}" target="_blank" '
        f'rel="noopener noreferrer nofollow">{escape(url)}</a>'
    )


def sources_html(citations: Sequence[Citation], read: ReadText) -> str:
    """All the sources of an answer, in citation order ("" when there are none)."""
    if not citations:
        return ""
    texts: dict[str, str | None] = {}
    entries = []
    for citation in citations:
        if citation.source not in texts:
            texts[citation.source] = read(citation.source)
        entries.append(source_html(citation, texts[citation.source]))
    return (
        '<div class="na-sources"><div class="na-sources-title">Sources</div>'
        + "".join(entries)
        + "</div>"
    )


def searched_html(question: str, standalone: str) -> str:
    """A note with the rewritten question, when a follow-up was rewritten."""
    if _SPACE.sub(" ", standalone).strip() == _SPACE.sub(" ", question).strip():
        return ""
    return f'<div class="na-searched">Searched for: <q>{escape(standalone)}</q></div>'


def answer_html(answer: Answer, read: ReadText) -> str:
    """The finished answer: searched-for note, checked text with [n] markers, sources;
    for an abstention, why, and the closest passages (not an answer)."""
    return (
        searched_html(answer.question, answer.standalone_question)
        + f'<div class="na-answer">{flow(answer.text)}</div>'
        + (abstention_html(answer) if answer.abstained else sources_html(answer.citations, read))
    )


def abstention_html(answer: Answer) -> str:
    """Under "The articles don't say.": one line on why, then the passages the assistant
    came closest with, styled apart from sources and marked as not an answer."""
    reason = why(answer)
    near = closest(answer)
    shown = f'<div class="na-why">{flow(reason)}</div>' if reason else ""
    if near:
        shown += (
            '<div class="na-closest"><div class="na-closest-title">Closest passages '
            '<span class="na-not-answer">not an answer</span></div>'
            + "".join(passage_html(e) for e in near)
            + "</div>"
        )
    return shown


def passage_html(e: Evidence) -> str:
    """A passage with its file, title and date (for the reading state and abstentions)."""
    about = " · ".join(escape(x) for x in (e.title, e.date) if x)
    return (
        f'<div class="na-passage"><div class="na-passage-head"><span class="na-file">'
        f"{escape(e.source)}</span>"
        + (f' <span class="na-about">{about}</span>' if about else "")
        + f"</div><q>{flow(e.text)}</q></div>"
    )


def reading_html(ranked: Sequence[Evidence]) -> str:
    """The closest passages while the model reads them: what is being read, not an answer."""
    if not ranked:
        return ""
    return (
        '<div class="na-reading"><div class="na-reading-title">Reading the closest '
        'passages… <span class="na-not-answer">not an answer yet</span></div>'
        + "".join(passage_html(e) for e in ranked[:READING])
        + "</div>"
    )


def streaming_html(
    checked: str, found: Sequence[Evidence] = (), ranked: Sequence[Evidence] = ()
) -> str:
    """The answer so far: the passages being read, replaced by the chosen quotes once
    known, then the checked sentences under them."""
    evidence = found_html(found)
    if not checked.strip():
        return evidence or reading_html(ranked) or pending_html()
    return evidence + f'<div class="na-answer na-streaming">{flow(checked.strip())}</div>'


def found_html(found: Sequence[Evidence]) -> str:
    """The chosen quotes, shown as soon as they are known (before the answer is phrased)."""
    if not found:
        return ""
    quotes = "".join(
        f'<div class="na-found-quote"><q>{flow(e.text)}</q> '
        f'<span class="na-file">{escape(e.source)}</span></div>'
        for e in found
    )
    return (
        '<div class="na-found"><div class="na-sources-title">Found in the articles</div>'
        f"{quotes}</div>"
    )


def pending_html() -> str:
    return '<div class="na-pending">Searching the articles…</div>'


def question_html(question: str, limit: int = 1500) -> str:
    """The user's question as shown in the chat (a huge paste is shortened)."""
    question = question.strip()
    if len(question) > limit:
        question = question[:limit] + f"… ({len(question)} characters)"
    return flow(question)


def failure_text(error: BaseException, doing: str = "answering") -> str:
    """What the page says of a failure: the user-facing message, or a generic line for a
    bug (whose details stay in the server log)."""
    if isinstance(error, AssistantError):
        return str(error)
    return (
        f"Something went wrong while {doing} ({type(error).__name__}). "
        "The details are in the server log; please try again."
    )


def error_html(error: BaseException) -> str:
    """A readable message for the chat: the user-facing text, or a generic line for a bug."""
    return f'<div class="na-error">⚠️ {flow(failure_text(error))}</div>'


def meta_html(answer: Answer) -> str:
    """Which model answered and where, and how long it took (see `answered_by`)."""
    return (
        f'<div class="na-meta">{escape(answered_by(answer))} · {answer.timings.total_s:.1f} s</div>'
    )


def answered_by(answer: Answer) -> str:
    """Which model answered, where (this machine, or the server the question was sent
    to); or that no model was asked (nothing came close, and no follow-up to rewrite)."""
    if not answer.evidence and not answer.usage.calls:
        return "No model was asked: nothing was sent anywhere"
    if answer.backend == "openai":
        return f"Answered by {answer.model} at {answer.server} (sent to that server)"
    return f"Answered by {answer.model or 'the local model'} on this machine"


def status_markdown(
    backend: str, model: str, where: str, articles: int, chunks: int, folder: str
) -> str:
    """The line that says which LLM answers (and whether it is this machine) and what
    it reads."""
    place = f"server {where}: questions are sent there" if backend == "openai" else "this machine"
    return (
        f"**LLM:** `{escape(model)}` on {escape(place)} · "
        f"**Articles:** {articles} in `{escape(folder)}` ({chunks} passages indexed)"
    )


def remember(history: Sequence[Message], question: str, answer_text: str) -> list[Message]:
    """The conversation for the next follow-up: plain text, markers and all, no HTML."""
    turns = [
        {"role": m["role"], "content": str(m["content"])}
        for m in history
        if m.get("role") in ("user", "assistant")
    ]
    turns += [
        {"role": "user", "content": question.strip()},
        {"role": "assistant", "content": answer_text},
    ]
    return turns[-HISTORY_MESSAGES:]


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """ "user:password" as Gradio's (user, password); the password may hold colons."""
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise AssistantError('The UI login (ui_auth) must look like "user:password".')
    return user, password
