"""The `assistant` command line: its commands, their help, and its exit codes.

`main` parses the arguments and runs the command's handler (`commands`); a user-facing
error is printed one line each and exits 2; anything else is a bug and keeps its
traceback. `assistant eval`'s options are added only when it is parsed.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import logging
import sys
import textwrap
import tomllib
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import ValidationError

from assistant.cli.commands import (
    add_eval_options,
    cmd_ask,
    cmd_chat,
    cmd_ingest,
    cmd_show,
    cmd_ui,
)
from assistant.cli.flags import COMMAND_GROUPS, UI_ALIASES, add_settings_flags
from assistant.cli.web import add_web_commands
from assistant.errors import AssistantError
from assistant.settings import APP_NAME, PROJECT_ROOT, Origin, describe_errors

EXIT_CODES = {
    "0": 'answered, or abstained ("The articles don\'t say.")',
    "1": "the eval gate failed (assistant eval)",
    "2": "something for you to fix: a bad setting or question, a missing file or folder, "
    "a server that cannot be reached",
}


def version() -> str:
    """This package's version: its installed metadata, else the checkout's pyproject."""
    try:
        return importlib.metadata.version(APP_NAME)
    except importlib.metadata.PackageNotFoundError:
        try:
            project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text("utf-8"))
            return f"{project['project']['version']} (source checkout, not installed)"
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return "unknown (not installed)"


class CommandParser(argparse.ArgumentParser):
    """A subcommand's parser whose options may be added on first use (`setup`).

    `assistant eval`'s options come from the eval harness; other commands, `--help`
    included, never import it.
    """

    def __init__(
        self, *args: Any, setup: Callable[[argparse.ArgumentParser], None] | None = None, **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self._setup = setup

    def _ready(self) -> None:
        setup, self._setup = self._setup, None
        if setup is not None:
            setup(self)

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        self._ready()
        return super().parse_known_args(args, namespace)

    def format_help(self) -> str:
        self._ready()
        return super().format_help()


def exit_codes(command: str | None = None) -> str:
    """The exit codes `command` (None: any command) returns, for its --help."""
    codes = dict(EXIT_CODES)
    if command == "eval":
        codes["0"], codes["1"] = "the gate passed (or --no-gate)", "the eval gate failed"
    elif command is not None:
        del codes["1"]
    codes["0"] = {
        "chat": "the chat ended (/quit, or the end of the input: Ctrl-D)",
        "ingest": "the store is up to date (or listed)",
        "show": "the text was printed",
        "ui": "the UI was stopped",
        "add": "every page was saved (or was already) and ingested",
        "refresh": "every feed was read and its new pages saved and ingested",
    }.get(command or "", codes["0"])
    if command == "chat":
        codes["2"] = "a bad setting, or a folder or store that cannot be read (a bad question "
        "or a server that fails is reported, and the chat goes on)"
    lines = [f"  {code}  {text}" for code, text in codes.items()]
    return "exit codes:\n" + "\n".join(
        textwrap.fill(x, 88, subsequent_indent=" " * 5) for x in lines
    )


TOP_EPILOG = f"""Each command has a flag for each setting it reads: `assistant COMMAND --help`
lists them. Every setting is also an environment variable, ASSISTANT_<NAME> (e.g.
ASSISTANT_SOURCE_DIR=~/news), or a line of a .env file, read by every command; a
flag wins over the environment, which wins over the defaults.

{exit_codes()}"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="assistant",
        description="Answers questions about a folder of news articles, citing verbatim "
        "quotes with their place in each file. Runs offline by default.",
        epilog=TOP_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"assistant {version()}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=CommandParser)

    def command(name: str, about: str, **kw: Any) -> argparse.ArgumentParser:
        return commands.add_parser(
            name, help=about, description=about[:1].upper() + about[1:] + ".",
            epilog=exit_codes(name), formatter_class=argparse.RawDescriptionHelpFormatter, **kw,
        )  # fmt: skip

    ask = command("ask", "answer one question")
    ask.add_argument("question", nargs="+", help="the question (quote it)")
    ask.add_argument("--json", action="store_true", help="print the whole Answer as JSON")
    ask.set_defaults(run=cmd_ask)

    talk = command("chat", "answer questions typed one per line; follow-ups read the chat")
    talk.set_defaults(run=cmd_chat)

    ingest = command("ingest", "build or update a folder's store; it then answers by default")
    ingest.add_argument(
        "--list", action="store_true", help="list the stores and their folders, then exit"
    )
    ingest.set_defaults(run=cmd_ingest)

    show = command("show", "print an article's text as citations index it (or a slice)")
    show.add_argument("source", help="the file, as an answer's sources name it")
    show.add_argument("--start", type=int, help="first character of the slice")
    show.add_argument("--end", type=int, help="character after the slice")
    show.set_defaults(run=cmd_show)

    ui = command("ui", "start the web chat UI (http://127.0.0.1:7860; --host/--port to change)")
    ui.set_defaults(run=cmd_ui)

    web = add_web_commands(command)  # add, follow, feeds, unfollow, refresh
    about = "score the assistant on evals/questions.yaml (in a checkout)"
    command("eval", about, setup=add_eval_options)
    answering = (("ask", ask), ("chat", talk), ("ingest", ingest), ("show", show), ("ui", ui))
    for name, sub in (*answering, *web):
        saves = name == "ingest" or (name, sub) in web  # these take --source as well
        aliases = UI_ALIASES if name == "ui" else {"source_dir": ["--source"]} if saves else None
        add_settings_flags(sub, COMMAND_GROUPS[name], aliases)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    parser = build_parser()
    try:
        args = parser.parse_args(argv)  # `eval` imports its harness here
        return int(args.run(args))
    except (AssistantError, FileNotFoundError) as exc:
        for line in str(exc).splitlines() or [type(exc).__name__]:
            print(f"error: {line}", file=sys.stderr)
        return 2
    except ValidationError as exc:  # settings made in code (model_copy is not validated)
        for line in describe_errors(exc, Origin(cli=True)):
            print(f"error: {line}", file=sys.stderr)
        return 2
