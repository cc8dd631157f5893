"""`python -m benchmarks.ui_timing`: how soon a reader of the chat page sees something.

Why: the answer takes about ten seconds on two cores, and issue 25 asks that the
reader not wait that long in front of an empty bubble: the closest passages should
be on screen within two seconds, then the quotes the model chose, then the answer.
This measures what the reader sees, in a real browser, not what the server yields.

`assistant ui` runs as its own process (the default local model, loaded there; the
seed articles and the benchmarks' seeds store) on a loopback port. Debian's Chromium,
driven by Playwright, asks `--questions` N (20) questions of evals/questions.yaml one
at a time, each in a fresh conversation (Clear between them): evenly spaced over the
questions that stand alone (a follow-up needs its conversation), in the order they
appear, so answerable and unanswerable ones mix. One more question warms the engine
first and is not counted. A MutationObserver in the page notes, from the moment
Enter is pressed:

- first passage: the first passage on screen (the "Reading" passages; for an
  abstention with nothing close, the closest passages of the final answer);
- chosen evidence: the quotes the model chose (none when it abstained before
  choosing; an answer the check withheld has them);
- final answer: the finished answer with its sources (its "Answered by" line).

It prints p50 / p95 of each as a Markdown table; `--write` puts it, with every
question's times, the machine, the date and `--note` (what else ran), in
benchmarks/ui_timing.md. Timings are printed, never asserted (tests/test_ui_browser.py
checks only the order).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from assistant.offline import go_offline
from benchmarks.concurrency import running_ui
from benchmarks.measure import ROOT, machine, percentile

RESULTS = ROOT / "benchmarks" / "ui_timing.md"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ANSWER_TIMEOUT_MS = 300_000
STAGES = {  # what the observer waits for, inside the chat
    "passage": ".na-passage, .na-found-quote, .na-source",
    "evidence": ".na-found-quote",
    "answer": ".na-meta",
}
NAMES = {"passage": "first passage", "evidence": "chosen evidence", "answer": "final answer"}
# Marks when each stage's element first appears, from the keydown of Enter in the box.
OBSERVE = """(stages) => {
  const chat = document.querySelector('#na-chat');
  const na = window.__na = {t0: null, marks: {}};
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && na.t0 === null) na.t0 = performance.now();
  }, true);
  const look = () => {
    if (na.t0 === null) return;
    for (const [name, selector] of Object.entries(stages)) {
      if (!(name in na.marks) && chat.querySelector(selector))
        na.marks[name] = (performance.now() - na.t0) / 1000;
    }
  };
  new MutationObserver(look).observe(chat, {subtree: true, childList: true, characterData: true});
}"""


@dataclass
class Asked:
    """One question: when each stage showed (seconds after Enter), and how it ended."""

    id: str
    question: str
    answerable: bool
    passage_s: float | None = None
    evidence_s: float | None = None
    answer_s: float | None = None
    abstained: bool = False


def picked_questions(count: int) -> tuple[list[Any], Any]:
    """`count` standalone eval questions, evenly spaced in file order, and a warm-up one."""
    from evals.runner import load_questions

    alone = [q for q in load_questions() if q.kind != "follow_up"]
    if count > len(alone) - 1:
        raise SystemExit(f"--questions {count}: the eval set has {len(alone)} standalone ones")
    step = len(alone) / count
    picked = [alone[int(i * step)] for i in range(count)]
    warm_up = next(q for q in alone if q not in picked)
    return picked, warm_up


def ask_in_page(page: Any, question: Any) -> Asked:
    """Ask one question in a fresh conversation and read the observer's marks."""
    chat = page.locator("#na-chat")
    page.locator("#na-clear").click()
    chat.locator(".message").first.wait_for(state="detached")
    page.evaluate(OBSERVE, STAGES)
    box = page.get_by_placeholder("Ask about the articles…")
    box.fill(question.question)
    box.press("Enter")
    page.wait_for_function("() => 'answer' in window.__na.marks", timeout=ANSWER_TIMEOUT_MS)
    marks = page.evaluate("() => window.__na.marks")
    abstained = chat.locator(".na-sources").count() == 0
    return Asked(
        question.id, question.question, question.answerable,
        marks.get("passage"), marks.get("evidence"), marks["answer"], abstained,
    )  # fmt: skip


def measure(count: int) -> tuple[str, list[Asked]]:
    """Start the UI and a browser; warm up, then ask each question. Returns the model
    (as the status line names it) and what each question took."""
    from playwright.sync_api import sync_playwright

    from tests.test_ui_browser import CHROMIUM_ARGS

    questions, warm_up = picked_questions(count)
    asked: list[Asked] = []
    local = {"ASSISTANT_LLM_BACKEND": "local"}  # the default model, in the UI's process
    with running_ui(local, "ui-timing-ui.log") as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(60_000)
            page.goto(url)
            model = page.locator("#na-status code").first.inner_text()
            ask_in_page(page, warm_up)
            for n, question in enumerate(questions, 1):
                asked.append(ask_in_page(page, question))
                a = asked[-1]
                print(f"{n:2}/{len(questions)} {a.id}: passage {seconds([a.passage_s])}, "
                      f"evidence {seconds([a.evidence_s])}, answer {seconds([a.answer_s])}",
                      flush=True)  # fmt: skip
        finally:
            browser.close()
    return model, asked


def seconds(values: Sequence[float | None], q: float = 50) -> str:
    present = [v for v in values if v is not None]
    return f"{percentile(present, q):.2f}" if present else "–"


def table(asked: list[Asked]) -> list[str]:
    lines = ["| shown | questions | p50 s | p95 s | max s |", "|---|---:|---:|---:|---:|"]
    for stage, name in NAMES.items():
        values = [getattr(a, f"{stage}_s") for a in asked]
        shown = [v for v in values if v is not None]
        row = [name, str(len(shown)), seconds(shown), seconds(shown, 95), seconds(shown, 100)]
        lines.append("| " + " | ".join(row) + " |")
    return lines


def per_question(asked: list[Asked]) -> list[str]:
    lines = [
        "| id | answerable | shown | first passage s | chosen evidence s | final answer s |",
        "|---|---|---|---:|---:|---:|",
    ]
    for a in asked:
        row = [
            a.id, "yes" if a.answerable else "no", "abstained" if a.abstained else "answer",
            seconds([a.passage_s]), seconds([a.evidence_s]), seconds([a.answer_s]),
        ]  # fmt: skip
        lines.append("| " + " | ".join(row) + " |")
    return lines


def report(
    model: str, asked: list[Asked], command: str, load: tuple[float, float], note: str = ""
) -> str:
    about = machine()
    return "\n".join(
        [
            "# UI timing: what the reader of the chat page sees, and when",
            "",
            f"Produced by `{command}` on {about['date']}; {about['cpu']}, {about['memory']},",
            f"{about['os']}, Python {about['python']}. Model: {model} (local, in the UI's",
            f"process). Load average (1 min) {load[0]:.2f} before, {load[1]:.2f} after.",
            "",
            *([note, ""] if note else []),
            "Seconds from pressing Enter in Chromium to the first passage on screen, to the",
            "quotes the model chose (none when it abstained before choosing) and to the final",
            f"answer with its sources; {len(asked)} questions of evals/questions.yaml, one at a",
            "time, each in a fresh conversation, after one warm-up question (see the module's",
            "docstring).",
            "",
            *table(asked),
            "",
            "Every question:",
            "",
            *per_question(asked),
            "",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    go_offline()  # the UI and the browser reach nothing but 127.0.0.1
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.ui_timing",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--questions", type=int, default=20, help="questions to ask (20)")
    parser.add_argument("--write", action="store_true", help=f"write the report to {RESULTS}")
    parser.add_argument("--note", default="", help="a line on what else ran, for the report")
    args = parser.parse_args(argv)
    if args.questions < 1:
        parser.error("--questions must be positive")
    command = "python -m benchmarks.ui_timing " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    before = os.getloadavg()[0]
    model, asked = measure(args.questions)
    text = report(model, asked, command.strip(), (before, os.getloadavg()[0]), args.note)
    print("\n" + "\n".join(table(asked)))
    if args.write:
        RESULTS.write_text(text)
        print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
