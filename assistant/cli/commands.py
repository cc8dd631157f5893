"""What each command does once its arguments are parsed: `run(args)` -> exit code.

Each handler makes the settings from its flags first (a bad one is refused before
anything is touched), and imports what it needs only then, so `--help` and the other
commands stay cheap. The eval harness (`evals/`, part of the source checkout, not of
the wheel) is imported only when `assistant eval` is parsed.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import types

from assistant.cli.chat import chat
from assistant.cli.flags import COMMAND_GROUPS, add_settings_flags, settings_from
from assistant.cli.printing import answer_with_progress, print_answer
from assistant.errors import AssistantError
from assistant.ingest.shown import LINE_BREAKS, printable
from assistant.settings import PROJECT_ROOT, Settings, installed


def cmd_ask(args: argparse.Namespace) -> int:
    from assistant.core import Assistant, validate_question

    settings = settings_from(args)  # both refused before the store is opened
    question = validate_question(" ".join(args.question), settings.max_question_chars)
    assistant = Assistant(settings, progress=sys.stderr.isatty())
    answer = answer_with_progress(assistant, question)
    if args.json:
        print(answer.model_dump_json(indent=2))
    else:
        print_answer(answer, assistant.settings.folder)
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from assistant.core import Assistant

    settings = settings_from(args)
    return chat(Assistant(settings, progress=sys.stderr.isatty()), sys.stdin)


def cmd_ingest(args: argparse.Namespace) -> int:
    from assistant.ingest.store import with_folder

    settings = settings_from(args)
    if args.list:
        return list_stores(settings)
    ingest_folder(with_folder(settings))
    return 0


def ingest_folder(settings: Settings) -> None:
    """Ingest the settings' folder, make it the one answering, and say what changed
    (`assistant ingest`, and the web commands after they saved pages)."""
    # ingest needs the store and the embedder only: no retriever, no LLM
    from assistant.ingest.embeddings import build_embedder, fingerprint, token_counter
    from assistant.ingest.store import ArticleStore
    from assistant.ingest.sync import ingest

    store = ArticleStore(settings, fingerprint(settings))
    embedder = build_embedder(settings)
    report = ingest(settings, store, embedder, token_counter(settings), sys.stderr.isatty())
    store.mark_current()
    print(report.summary())
    print(f"{store.count()} chunks from {printable(str(settings.folder))} in {store.where}.")
    print("`assistant ask` and `assistant ui` now answer from this folder.")


def cmd_show(args: argparse.Namespace) -> int:
    """`assistant show SOURCE`: the text a citation's offsets index into, or a slice of it."""
    from assistant.errors import ArticleUnavailable
    from assistant.ingest.corpus import article_text, text_reader
    from assistant.ingest.rules import Limits
    from assistant.ingest.store import texts_dir, with_folder

    settings = with_folder(settings_from(args))
    read = text_reader(settings.folder, texts=texts_dir(settings), limits=Limits.of(settings))
    text = article_text(read, args.source, settings.folder)
    start = 0 if args.start is None else args.start
    end = len(text) if args.end is None else args.end
    if not 0 <= start <= end <= len(text):
        raise ArticleUnavailable(
            f"--start {start} --end {end} is not a slice of {args.source}, which has "
            f"{len(text)} characters."
        )
    shown = printable(text[start:end], keep=LINE_BREAKS)  # as long: the offsets still hold
    sys.stdout.write(shown + ("" if shown.endswith("\n") else "\n"))
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
        print(f"{mark} {printable(store.folder)}: {store.chunks} chunks, {when} ({store.name})")
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
    add_settings_flags(parser, COMMAND_GROUPS["eval"])
    parser.set_defaults(run=lambda args: runner.run_eval(args, settings_from))
