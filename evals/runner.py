"""Run the evaluation: load the questions, ask the assistant, score, report, gate.

`add_arguments` and `run_eval` back both `python -m evals` and `assistant eval`.
A follow-up is asked with the conversation it follows: the earlier question and
the assistant's actual answer to it (run first if only the follow-up was chosen).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

import yaml
from pydantic import ValidationError
from tqdm import tqdm

from assistant.errors import AssistantError
from assistant.llm import local_engine
from assistant.schema import Message
from assistant.settings import Settings
from assistant.settings.places import user_cache_dir
from evals import report
from evals.metrics import RETRIEVAL_DEPTH, ItemResult, Question, score_item
from evals.pages import default_dir, materialize

if TYPE_CHECKING:
    from assistant.core import Assistant
    from assistant.schema import Answer

HERE = Path(__file__).resolve().parent
QUESTIONS = HERE / "questions.yaml"
RESULTS = HERE / "results"
FLOORS = HERE / "floors.toml"


@dataclass(frozen=True)
class Corpus:
    """A folder of articles and the questions written over it; `suffix` names its floors
    (`[local-corpus2]`), baseline and reports."""

    name: str
    questions: Path
    folder: Path
    suffix: str = ""


CORPORA = {
    "seeds": Corpus("seeds", QUESTIONS, HERE.parent / "seeds"),
    # saved web pages, PDFs and Markdown on another topic (evals/corpus2/README.md)
    "corpus2": Corpus("corpus2", HERE / "questions_corpus2.yaml", HERE / "corpus2", "-corpus2"),
}
# real saved news pages (evals/pages/): their HTML stays out of the repository, so this
# corpus runs only when --pages (or $ASSISTANT_EVAL_PAGES) names a copy of the benchmark
PAGES_QUESTIONS = HERE / "questions_pages.yaml"
PAGES_FOLDER = user_cache_dir() / "eval-pages"


def pages_corpus(bench: Path) -> Corpus:
    """The real-page corpus over the listed pages of the benchmark at `bench`."""
    return Corpus("pages", PAGES_QUESTIONS, materialize(bench, PAGES_FOLDER), "-pages")


def load_questions(path: Path = QUESTIONS) -> list[Question]:
    """Parse and check questions.yaml: unique ids, follow-ups after their base, same split."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    questions: dict[str, Question] = {}
    for n, entry in enumerate(raw, 1):
        try:
            question = Question.model_validate(entry)
        except ValidationError as exc:
            raise AssistantError(f"{path} item {n}: {exc.errors()[0]['msg']}") from None
        base = questions.get(question.follows or "")
        if question.id in questions:
            raise AssistantError(f"{path}: duplicate id {question.id}")
        if question.follows and (base is None or base.split != question.split):
            raise AssistantError(f"{path}: {question.id} must follow an earlier item of its split")
        questions[question.id] = question
    return list(questions.values())


def select(questions: Sequence[Question], only: Sequence[str], split: str) -> list[Question]:
    unknown = sorted(set(only) - {q.id for q in questions})
    if unknown:
        raise AssistantError(f"unknown question ids: {' '.join(unknown)}")
    return [
        q for q in questions if (not only or q.id in only) and (split == "all" or q.split == split)
    ]


def run(
    assistant: Assistant, questions: Sequence[Question], chosen: Sequence[Question]
) -> tuple[list[ItemResult], str]:
    """Ask every chosen question (and the bases its follow-ups need), score the chosen ones.

    Returns the results and the model that answered ("" if the LLM was never needed)."""
    from assistant.answering.citations import invalid_quotes

    by_id = {q.id: q for q in questions}
    read_text = cache(assistant.read_text)
    answers: dict[str, Answer] = {}

    def history(question: Question) -> list[Message]:
        if question.follows is None:
            return []
        base = by_id[question.follows]
        if base.id not in answers:
            tqdm.write(f"asking {base.id} first: {question.id} follows it")
            answers[base.id] = assistant.ask(base.question, history(base) or None)
        return [
            *history(base),
            {"role": "user", "content": base.question},
            {"role": "assistant", "content": answers[base.id].text},
        ]

    results = []
    for question in tqdm(chosen, desc="eval", unit="q", file=sys.stderr):
        answer = assistant.ask(question.question, history(question) or None)
        answers[question.id] = answer
        retrieved: list[str] = []
        if question.answerable:
            chunks = assistant.retriever.retrieve(answer.standalone_question, top_k=RETRIEVAL_DEPTH)
            retrieved = [c.source for c in chunks]
        invalid = invalid_quotes(answer.citations, read_text)
        results.append(score_item(question, answer, invalid, retrieved))
    return results, next((a.model for a in answers.values() if a.model), "")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    backends = get_args(Settings.model_fields["llm_backend"].annotation)  # one list, the settings'
    parser.add_argument("--backend", choices=backends, help="LLM backend (default: auto)")
    parser.add_argument("--only", nargs="+", default=[], metavar="ID", help="question ids to run")
    parser.add_argument("--split", choices=["dev", "heldout", "all"], default="all")
    parser.add_argument(
        "--corpus",
        choices=[*CORPORA, "pages", "all"],
        default="all",
        help="which corpus and its questions (default: all, each with its own gate; the "
        "real-page corpus only with --pages)",
    )
    parser.add_argument(
        "--pages",
        type=Path,
        default=default_dir(),
        metavar="DIR",
        help="a local copy of scrapinghub/article-extraction-benchmark (html/<hash>.html.gz) "
        "for the real-page corpus (env: ASSISTANT_EVAL_PAGES)",
    )
    parser.add_argument(
        "--questions", type=Path, help="another question file (over --source-dir's folder)"
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for the reports")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="baseline JSON (default: evals/results/baseline-<backend>.json)",
    )
    parser.add_argument(
        "--write-baseline", action="store_true", help="save this run as the baseline"
    )
    parser.add_argument("--floors", type=Path, default=FLOORS, help="the gate's floors (TOML)")
    parser.add_argument("--no-gate", action="store_true", help="exit 0 even if the gate fails")


def corpora(args: argparse.Namespace) -> list[Corpus]:
    """The corpora to run: the ones chosen, or one made of --questions and --source-dir."""
    if args.questions is not None:
        folder = args.source_dir or CORPORA["seeds"].folder
        return [Corpus(args.questions.stem, args.questions, folder)]
    if args.corpus == "pages" and args.pages is None:
        raise AssistantError("--corpus pages needs --pages DIR (the benchmark's folder)")
    every = dict(CORPORA)
    if args.pages is not None and args.corpus in ("pages", "all"):
        every["pages"] = pages_corpus(args.pages)
    chosen = list(every.values()) if args.corpus == "all" else [every[args.corpus]]
    if args.only:  # the corpora that hold the items asked for
        ids = set(args.only)
        chosen = [c for c in chosen if ids & {q.id for q in load_questions(c.questions)}]
    return chosen


def run_eval(
    args: argparse.Namespace, settings_from: Callable[[argparse.Namespace], Settings]
) -> int:
    """The whole evaluation, a corpus at a time; returns the exit code (1 when a gate fails)."""
    if args.backend:
        args.llm_backend = args.backend
    chosen = corpora(args)
    if not chosen:
        raise AssistantError(f"no corpus holds the questions {' '.join(args.only)}")
    return max(run_corpus(args, settings_from, corpus) for corpus in chosen)


def run_corpus(
    args: argparse.Namespace,
    settings_from: Callable[[argparse.Namespace], Settings],
    corpus: Corpus,
) -> int:
    """One corpus: ask, score, compare with its baseline, gate on its floors, report."""
    settings = settings_from(args).model_copy(update={"source_dir": corpus.folder})
    questions = load_questions(corpus.questions)
    known = {q.id for q in questions}
    chosen = select(questions, [i for i in args.only if i in known], args.split)
    if not chosen:
        raise AssistantError(f"no questions in split {args.split} among {' '.join(args.only)}")

    from assistant.core import Assistant

    print(f"== {corpus.name}: {len(chosen)} questions over {corpus.folder} ==", file=sys.stderr)
    assistant = Assistant(settings, progress=sys.stderr.isatty())
    items, model = run(assistant, questions, chosen)
    backend = settings.resolved_llm_backend
    meta = run_meta(assistant, items, backend, model, replace_args(args, corpus))
    meta["backend"] = f"{backend}{corpus.suffix}"  # names the reports, floors and baseline

    baseline_path = args.baseline or RESULTS / f"baseline-{meta['backend']}.json"
    baseline = report.load_baseline(baseline_path)
    comparison = report.compare(items, baseline) if baseline else None
    full_run = not args.only and args.split == "all"
    floors = report.load_floors(args.floors, meta["backend"])
    result = report.gate(report.split_summaries(items)["all"], floors, full_run)

    print(report.item_table(items), end="\n\n")
    print(report.summary_table(report.split_summaries(items)), end="\n\n")
    if comparison is None:
        print(f"No baseline found at {baseline_path}.")
    else:
        if (comparison.model, comparison.prompt) != (meta["model"], meta["prompt"]):
            print(f"Note: the baseline is {comparison.model} {comparison.prompt}.")
        print(f"Against {baseline_path} ({len(comparison.compared)} shared items):")
        print(report.comparison_table(comparison), end="\n\n")
    print(report.gate_text(result))

    data = report.report_data(meta, items) | report.as_json(comparison, result)
    text = report.markdown(meta, items, comparison, result)
    name = f"{meta['backend']}-{meta['created'].replace(':', '').replace('-', '')}"
    for path in report.write_reports(args.out, name, data, text):
        print(f"wrote {path}")
    if args.write_baseline:
        subset = bool(args.only) or args.split != "all"
        print(report.write_baseline(baseline_path, meta, items, subset))
    return 0 if result.passed or args.no_gate else 1


def replace_args(args: argparse.Namespace, corpus: Corpus) -> argparse.Namespace:
    """The arguments as this corpus's run saw them (its question file)."""
    copy = argparse.Namespace(**vars(args))
    copy.questions = corpus.questions
    return copy


def run_meta(
    assistant: Assistant,
    items: Sequence[ItemResult],
    backend: str,
    model: str,
    args: argparse.Namespace,
) -> dict[str, Any]:
    """Who answered, with which prompt and settings (never the API key)."""
    settings = assistant.settings
    if not model:  # every answer abstained before the LLM was asked
        local = settings.local_model.name if settings.local_model else "default"
        model = settings.openai_model if backend == "openai" else local
    return {
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "backend": backend,
        "engine": local_engine(settings) if backend == "local" else None,
        "model": model,
        "prompt": assistant.prompt_label,
        "condense_prompt": assistant.condense_prompt.label,
        "questions": str(args.questions),
        "selection": {"only": list(args.only), "split": args.split, "items": len(items)},
        "settings": settings.model_dump(mode="json", exclude={"openai_api_key"}),
    }
