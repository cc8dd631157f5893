"""What `assistant ask` and `assistant chat` print for an answer.

Meanwhile, in a terminal, one progress line on stderr (the passages being read, then
those chosen); then the answer, its sources with their quotes, the folder, and who
answered. Under an abstention, why, and the passages that came closest (not an answer).
What comes from the articles (text, titles, file names) is printed with its control
characters made visible (`ingest.shown.printable`): an article cannot retitle or clear
the terminal.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.ingest.shown import printable
from assistant.schema import Answer, Evidence, Message

if TYPE_CHECKING:
    from assistant.core import Assistant, Found, Ranked

QUOTE_CHARS = 200  # of a closest passage, shown under an abstention


def answer_with_progress(
    assistant: Assistant, question: str, history: list[Message] | None = None
) -> Answer:
    """The answer, by `stream()`; in a terminal a line on stderr says meanwhile which
    passages are being read, then which were chosen."""
    from assistant.core import Found, Ranked

    status = sys.stderr if sys.stderr.isatty() else None
    events = assistant.stream(question, history or None)
    try:
        for event in events:
            if isinstance(event, Answer):
                return event
            if status is not None and isinstance(event, Ranked | Found):
                width = shutil.get_terminal_size().columns - 1
                status.write("\r\033[K" + progress_line(event)[:width])
                status.flush()
    finally:  # Ctrl-C: the stream lets go of the model at once
        getattr(events, "close", lambda: None)()
        if status is not None:
            status.write("\r\033[K")
    raise AssertionError("stream() ended without an answer")


def progress_line(event: Ranked | Found) -> str:
    """ "reading 8 passages from a.txt, b.txt…", or what was chosen."""
    from assistant.core import Found

    files = list(dict.fromkeys(printable(e.source) for e in event))
    named = ", ".join(files[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")
    n = len(event)
    if isinstance(event, Found):
        return f"chose {n} passage{'s' if n != 1 else ''} from {named}; writing the answer…"
    return f"reading {n} passage{'s' if n != 1 else ''} from {named}…"


def print_answer(answer: Answer, folder: Path) -> None:
    """An answer as `assistant ask` and `assistant chat` print it: what was searched for
    (a follow-up rewritten), the text, why an abstention abstained, the sources with
    their quotes, the folder, who answered."""
    from assistant.schema import dates_said

    if answer.standalone_question != answer.question:  # a follow-up, rewritten
        print(f"Searched for: {printable(answer.standalone_question)}")
    print(printable(answer.text, keep="\n"))
    if answer.abstained:
        print_why(answer)
    if answer.citations:
        print("\nSources:")
        for c in answer.citations:
            about = printable(", ".join(x for x in (c.title, c.date_basis or c.date) if x))
            source = printable(c.source)
            print(f"[{c.number}] {source}{f' ({about})' if about else ''} chars {c.start}-{c.end}")
            if c.url:  # a page fetched from the web (assistant add, a feed)
                print(f"    from {printable(c.url)}")
            print(f'    "{printable(" ".join(c.quote.split()))}"')
            if c.dates:
                print(f"    dates: {printable(dates_said(c.dates))}")
            if c.also_published_by:  # copies of the story (ingest/dedup.py)
                print(f"    also published by {printable(', '.join(c.also_published_by))}")
    print(f"\nFolder: {folder}\nAnswered by: {answered_by(answer)}")


def print_why(answer: Answer) -> None:
    """Under an abstention: why, and the passages it came closest with (not an answer)."""
    from assistant.answering.explain import closest, why

    reason = why(answer)
    if reason:
        print(f"Why: {printable(reason)}")
    passages = closest(answer)
    if passages:
        print("Closest passages (not an answer):")
    for e in passages:
        when, source = printable(passage_date(e)), printable(e.source)
        quote = printable(" ".join(e.text.split()))
        if len(quote) > QUOTE_CHARS:
            quote = quote[: quote.rfind(" ", 0, QUOTE_CHARS)].rstrip(",;:") + "…"
        print(f'  - {source}{f" ({when})" if when else ""} chars {e.start}-{e.end}: "{quote}"')


def passage_date(evidence: Evidence) -> str:
    """ "May 19, 2023" for a stated day, else the date's basis up to its first comma."""
    import datetime

    try:
        day = datetime.date.fromisoformat(evidence.date or "")
    except ValueError:
        basis = evidence.date_basis.split(",")[0]
        return "" if basis.startswith("unknown") else basis
    return f"{day:%B} {day.day}, {day.year}"


def answered_by(answer: Answer) -> str:
    """Which model made the answer, and whether anything left this machine."""
    if not answer.evidence:  # the model (loaded or not) was given nothing to read
        return "no model was needed (nothing in the articles came close to the question)"
    if answer.backend == "openai":
        return (
            f"{answer.model} at {answer.server} (an OpenAI-compatible server: the question "
            "and the selected article sentences were sent there)"
        )
    return f"the local model {answer.model} (on this machine; nothing was sent anywhere)"
