"""The `assistant` command: ask, ingest, and the other entry points.

Every setting in `Settings` is also a flag (`--top-k 6`); a flag overrides the
`ASSISTANT_*` environment variable, which overrides the default. User-facing
errors print one line and exit 2; anything else is a bug and keeps its traceback.
The eval harness (`evals/`, part of the source checkout, not of the wheel) is
imported only when `assistant eval` runs, so no other command pays for it.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import types
import typing
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from assistant.errors import AssistantError
from assistant.schema import Answer
from assistant.settings import PROJECT_ROOT, Settings, describe_errors, installed

# flags that people who know Gradio, Jupyter or Datasette type for `assistant ui`
UI_ALIASES = {"ui_host": ["--host"], "ui_port": ["--port"]}


def _flag_type(annotation: Any) -> tuple[Callable[[str], Any] | None, list[str] | None]:
    """argparse type and choices for a settings field's annotation."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) is typing.Literal:
        return str, [str(a) for a in typing.get_args(annotation)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
        return _flag_type(args[0])
    if annotation in (int, float, Path):
        return annotation, None
    return str, None


def add_settings_flags(
    parser: argparse.ArgumentParser, aliases: dict[str, list[str]] | None = None
) -> None:
    """A flag per setting, `--top-k` for `top_k`, after any `aliases` of its own."""
    group = parser.add_argument_group(
        "settings", "each also read from ASSISTANT_<NAME> or a .env file"
    )
    for name, field in Settings.model_fields.items():
        flags = [*(aliases or {}).get(name, []), "--" + name.replace("_", "-")]
        default = field.default
        shown = "" if default is None else f" (default: {default})"
        if field.annotation is bool:
            group.add_argument(
                *flags,
                dest=name,
                action=argparse.BooleanOptionalAction,
                default=None,
                help=f"{field.description}{shown}",
            )
            continue
        kind, choices = _flag_type(field.annotation)
        group.add_argument(
            *flags,
            dest=name,
            type=kind or str,
            choices=choices,
            default=None,
            metavar=name.upper() if choices is None else None,
            help=f"{field.description}{shown}",
        )


def settings_epilog() -> str:
    """Every setting, for `assistant --help`: flag, environment variable, meaning."""
    lines = ["settings (flags of every command; env ASSISTANT_<NAME>; or a .env file):"]
    for name, field in Settings.model_fields.items():
        flag = "--" + name.replace("_", "-")
        lines.append(f"  {flag:<22} ASSISTANT_{name.upper():<20} {field.description}")
    return "\n".join(lines)


def settings_from(args: argparse.Namespace) -> Settings:
    overrides = {
        name: getattr(args, name)
        for name in Settings.model_fields
        if getattr(args, name, None) is not None
    }
    return Settings(**overrides)


def cmd_ask(args: argparse.Namespace) -> int:
    from assistant.core import Assistant, validate_question
    from assistant.schema import dates_said

    settings = settings_from(args)
    question = validate_question(" ".join(args.question), settings.max_question_chars)
    assistant = Assistant(settings, progress=sys.stderr.isatty())
    answer = assistant.ask(question)
    if args.json:
        print(answer.model_dump_json(indent=2))
        return 0
    print(answer.text)
    if answer.citations:
        print("\nSources:")
        for c in answer.citations:
            about = ", ".join(x for x in (c.title, c.date_basis or c.date) if x)
            print(
                f"[{c.number}] {c.source}{f' ({about})' if about else ''} chars {c.start}-{c.end}"
            )
            print(f'    "{" ".join(c.quote.split())}"')
            if c.dates:
                print(f"    dates: {dates_said(c.dates)}")
    print(f"\nFolder: {assistant.settings.folder}\nAnswered by: {answered_by(answer)}")
    return 0


def answered_by(answer: Answer) -> str:
    """Which model made the answer, and whether anything left this machine."""
    if answer.backend == "openai":
        return (
            f"{answer.model} at {answer.server} (an OpenAI-compatible server: the question "
            "and the selected article sentences were sent there)"
        )
    if answer.model:
        return f"the local model {answer.model} (on this machine; nothing was sent anywhere)"
    return "no model was needed (nothing in the articles came close to the question)"


def cmd_ingest(args: argparse.Namespace) -> int:
    # ingest needs the store and the embedder only: no retriever, no LLM
    from assistant.ingest.embeddings import build_embedder, fingerprint, token_counter
    from assistant.ingest.store import ArticleStore, with_folder
    from assistant.ingest.sync import ingest

    settings = settings_from(args)
    if args.list:
        return list_stores(settings)
    settings = with_folder(settings)
    store = ArticleStore(settings, fingerprint(settings))
    embedder = build_embedder(settings)
    report = ingest(settings, store, embedder, token_counter(settings), sys.stderr.isatty())
    store.mark_current()
    print(report.summary())
    print(f"{store.count()} chunks from {settings.folder} in {store.where}.")
    print("`assistant ask` and `assistant ui` now answer from this folder.")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """`assistant show SOURCE`: the text a citation's offsets index into, or a slice of it."""
    from assistant.errors import ArticleUnavailable
    from assistant.ingest.corpus import article_text, text_reader
    from assistant.ingest.store import texts_dir, with_folder

    settings = with_folder(settings_from(args))
    read = text_reader(settings.folder, settings.max_file_mb, texts_dir(settings))
    text = article_text(read, args.source, settings.folder)
    start = 0 if args.start is None else args.start
    end = len(text) if args.end is None else args.end
    if not 0 <= start <= end <= len(text):
        raise ArticleUnavailable(
            f"--start {start} --end {end} is not a slice of {args.source}, which has "
            f"{len(text)} characters."
        )
    sys.stdout.write(text[start:end] + ("" if text[start:end].endswith("\n") else "\n"))
    return 0


def list_stores(settings: Settings) -> int:
    """`assistant ingest --list`: every folder's store, the one answering first."""
    import datetime

    from assistant.ingest.store import describe, list_stores

    stores = list_stores(settings)
    if not stores:
        print(f"No stores yet in {describe(settings)}: run `assistant ingest --source DIR`.")
        return 0
    print(f"Stores in {describe(settings)} (the first answers when no folder is named):")
    for n, store in enumerate(stores):
        when = (
            datetime.datetime.fromtimestamp(store.ingested_at).strftime("%Y-%m-%d %H:%M")
            if store.ingested_at
            else "never ingested by `assistant ingest`"
        )
        mark = "*" if n == 0 and store.ingested_at else " "
        print(f"{mark} {store.folder}: {store.chunks} chunks, {when} ({store.name})")
    return 0


def cmd_ui(args: argparse.Namespace) -> int:
    from assistant.core import Assistant
    from assistant.ui.app import launch

    settings = settings_from(args)
    launch(Assistant(settings, progress=sys.stderr.isatty()))
    return 0


def eval_harness() -> types.ModuleType:
    """`evals.runner` from the source checkout this `assistant` runs from, if any.

    The wheel does not ship `evals` (its questions are about the checkout's seeds and
    its reports go into the checkout), so an installed `assistant eval` says so.
    """
    if installed() or not (PROJECT_ROOT / "evals" / "runner.py").is_file():
        raise AssistantError(
            "the eval harness is part of the source checkout: run `make eval` in a clone "
            "of the project"
        )
    if str(PROJECT_ROOT) not in sys.path:  # `.venv/bin/assistant eval` puts bin/ there
        sys.path.insert(0, str(PROJECT_ROOT))
    return importlib.import_module("evals.runner")


def add_eval_options(parser: argparse.ArgumentParser) -> None:
    runner = eval_harness()
    runner.add_arguments(parser)
    add_settings_flags(parser)
    parser.set_defaults(run=lambda args: runner.run_eval(args, settings_from))


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="assistant",
        description="Answers questions about a folder of news articles, citing verbatim "
        "quotes with their place in each file. Runs offline by default.",
        epilog=settings_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=CommandParser)

    ask = commands.add_parser("ask", help="answer one question")
    ask.add_argument("question", nargs="+", help="the question (quote it)")
    ask.add_argument("--json", action="store_true", help="print the whole Answer as JSON")
    ask.set_defaults(run=cmd_ask)

    ingest = commands.add_parser(
        "ingest", help="build or update a folder's store; it then answers by default"
    )
    ingest.add_argument("--source", dest="source_dir", type=Path, help="folder of articles")
    ingest.add_argument(
        "--list", action="store_true", help="list the stores and their folders, then exit"
    )
    ingest.set_defaults(run=cmd_ingest)

    show = commands.add_parser(
        "show", help="print an article's text as citations index it (or --start/--end of it)"
    )
    show.add_argument("source", help="the file, as an answer's sources name it")
    show.add_argument("--start", type=int, help="first character of the slice")
    show.add_argument("--end", type=int, help="character after the slice")
    show.set_defaults(run=cmd_show)

    ui = commands.add_parser(
        "ui", help="start the web chat UI (http://127.0.0.1:7860; --host/--port to change)"
    )
    ui.set_defaults(run=cmd_ui)
    add_settings_flags(ui, UI_ALIASES)

    commands.add_parser(
        "eval",
        help="score the assistant on evals/questions.yaml (in the source checkout)",
        setup=add_eval_options,
    )

    for sub in (ask, ingest, show):
        add_settings_flags(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    parser = build_parser()
    try:
        args = parser.parse_args(argv)  # `eval` imports its harness here
        return int(args.run(args))
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        print(f"error: invalid settings: {describe_errors(exc)}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
