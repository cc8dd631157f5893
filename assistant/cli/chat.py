"""`assistant chat`: questions typed one per line, follow-ups read with the conversation.

Each answer is printed as `assistant ask` prints it. A bad question, a failing server
or Ctrl-C during an answer is reported and the chat goes on; /new forgets the
conversation, /quit or the end of the input ends it.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, TextIO

from assistant.cli.printing import answer_with_progress, print_answer
from assistant.errors import AssistantError
from assistant.schema import Message

if TYPE_CHECKING:
    from assistant.core import Assistant

QUIT, NEW = ("/quit", "/exit"), ("/new", "/clear")


def chat(assistant: Assistant, stdin: TextIO) -> int:
    """Questions from `stdin`, a line each, answered as `assistant ask` prints them; a
    follow-up is rewritten with the conversation, as in the UI. A bad question or a
    failing server is reported and the chat goes on; /quit or end of input ends it."""
    from assistant.ui.render import remember

    tty = stdin.isatty()
    if tty:
        import readline  # noqa: F401  # input() then edits the line and recalls questions

        print(
            f"Ask about the articles in {assistant.settings.folder}. /new starts a new "
            "conversation; /quit or Ctrl-D ends. Ctrl-C stops an answer.",
            file=sys.stderr,
        )
    history: list[Message] = []
    while (line := read_question(stdin, tty)) is not None:
        question = line.strip()
        if question in QUIT:
            break
        if question in NEW:
            history = []
            print("(a new conversation)", file=sys.stderr)
            continue
        if question.startswith("/") or not question:
            if question:
                print(f"error: no command {question}: {NEW[0]}, {QUIT[0]}", file=sys.stderr)
            continue
        try:
            answer = answer_with_progress(assistant, question, history)
        except KeyboardInterrupt:
            print("\n(answer abandoned; ask again, or /quit)", file=sys.stderr)
            continue
        except AssistantError as exc:
            print(f"error: {exc}", file=sys.stderr)
            continue
        print_answer(answer, assistant.settings.folder)
        print(flush=True)
        history = remember(history, question, answer.text)
    return 0


def read_question(stdin: TextIO, tty: bool) -> str | None:
    """The next line (after a "? " prompt in a terminal), or None at end of input."""
    while True:
        try:
            line = input("? ") if tty else stdin.readline()
        except EOFError:
            print(file=sys.stderr)
            return None
        except KeyboardInterrupt:  # at the prompt: a fresh prompt, as a shell does
            print("\n(Ctrl-D or /quit ends the chat)", file=sys.stderr)
            continue
        return line if tty or line else None
