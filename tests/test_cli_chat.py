"""`assistant chat` and what `ask` and `chat` print: answers, follow-ups, abstentions.

The commands run through `main()` over a real store, retrieval and citation check of
the seed articles, with a scripted LLM in the model's place (`build_chat_model`
patched), so each test says what the "model" picks, phrases and rewrites. The chat
reads its questions from a patched stdin; a terminal is a stdin that says it is one.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.cli import main, passage_date, progress_line
from assistant.core import Found, Ranked
from assistant.llm import Scores
from assistant.schema import ABSTAIN_TEXT, Evidence, Message, Usage
from tests.conftest import SEEDS

HIROSHIMA_Q = "Where did Biden and Kishida meet a day before the G7 summit?"
FOLLOW_UP = "What did they agree on technology?"
REWRITTEN = "What did Biden and Kishida agree on technology?"
OFF_TOPIC = "What is a good recipe for banana bread?"
# what the scripted model answers each (standalone) question; [@word] picks the first
# sentence holding the word, no marker picks "0": no sentence answers
SCRIPT = {
    HIROSHIMA_Q: "Biden and Kishida met in Hiroshima a day before the G7 summit [@Hiroshima].",
    REWRITTEN: "They agreed to step up cooperation on semiconductors and AI [@semiconductor].",
    FOLLOW_UP: "Nothing [@semiconductor].",
}
SOURCE = "002_eb2b49479483de60.txt"


class Scripted:
    """Stands in for the LLM (as tests/test_ui.py's ScriptedChat): picks the sentence the
    script marks, phrases the script's answer, rewrites a follow-up to REWRITTEN; a call
    that starts a conversation of its own is the rewrite. `interrupt` is a question
    whose phrasing is cut short by Ctrl-C."""

    backend = "scripted"
    model = "scripted-1"

    def __init__(self) -> None:
        self.rewrites: list[list[Message]] = []
        self.interrupt = ""

    @staticmethod
    def asked(messages: list[Message]) -> str:
        found = re.findall(r"^Question: (.*)$", "\n".join(m["content"] for m in messages), re.M)
        return found[-1] if found else ""

    def label_scores(
        self, messages: list[Message], labels: list[str], usage: Usage, prefill: str = ""
    ) -> Scores:
        sentences = re.findall(r"^(\d+)\. (.*)$", messages[-1]["content"], re.M)
        word = re.search(r"\[@([^\]]+)\]", SCRIPT.get(self.asked(messages), ""))
        pick = next((n for n, text in sentences if word and word[1].lower() in text.lower()), "0")
        return Scores({label: float(label == pick) for label in labels}, "scripted")

    def stream(self, messages: list[Message], max_tokens: int, usage: Usage) -> Iterator[str]:
        if not any(m["role"] == "assistant" for m in messages):
            self.rewrites.append(messages)
            yield REWRITTEN
            return
        question = self.asked(messages)
        if question == self.interrupt:
            self.interrupt = ""
            raise KeyboardInterrupt
        yield re.sub(r"\s*\[@[^\]]+\]", "", SCRIPT.get(question, "No idea."))


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The seed articles and their store, built by the module's first command."""
    root = tmp_path_factory.mktemp("chat")
    shutil.copytree(SEEDS, root / "articles")
    return ["--source-dir", str(root / "articles"), "--persist-dir", str(root / "store")]


@pytest.fixture
def model(monkeypatch: pytest.MonkeyPatch, model_cache: Path) -> Scripted:
    scripted = Scripted()
    monkeypatch.setattr("assistant.core.build_chat_model", lambda settings: scripted)
    monkeypatch.setenv("ASSISTANT_MODEL_CACHE_DIR", str(model_cache))
    return scripted


def chat(
    lines: list[str],
    folders: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> tuple[int, str, str]:
    """`assistant chat` with these lines as its input: exit code, stdout, stderr."""
    monkeypatch.setattr(sys, "stdin", io.StringIO("".join(f"{line}\n" for line in lines)))
    code = main(["chat", *folders])
    out, err = capsys.readouterr()
    return code, out, err


def answers(out: str) -> list[str]:
    """The chat's answers as printed, each ending with who answered."""
    ends = r"(?<=\(on this machine; nothing was sent anywhere\))"
    return [a.strip() for a in re.split(ends, out) if a.strip()]


def test_a_follow_up_is_rewritten_with_the_conversation(
    folders: list[str], model: Scripted, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    code, out, err = chat(["", HIROSHIMA_Q, "   ", FOLLOW_UP], folders, monkeypatch, capsys)
    assert code == 0 and "Traceback" not in err
    first, second = answers(out)
    assert first.startswith("Biden and Kishida met in Hiroshima a day before the G7 summit [1].")
    assert f"\n[1] {SOURCE} (" in first and "Answered by: the local model scripted-1" in first
    [rewrite] = model.rewrites  # the first question was searched as asked
    assert HIROSHIMA_Q in rewrite[-1]["content"] and FOLLOW_UP in rewrite[-1]["content"]
    assert "met in Hiroshima" in rewrite[-1]["content"]  # the answer given, remembered
    assert second.startswith(f"Searched for: {REWRITTEN}\nThey agreed to step up cooperation on")
    assert "? " not in out  # no prompt when the input is not a terminal


def test_new_forgets_the_conversation_and_quit_ends_it(
    folders: list[str], model: Scripted, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    lines = [HIROSHIMA_Q, "/new", FOLLOW_UP, "/quit", HIROSHIMA_Q]
    code, out, err = chat(lines, folders, monkeypatch, capsys)
    assert code == 0 and model.rewrites == []  # after /new, nothing to rewrite with
    first, second = answers(out)  # nothing after /quit
    assert "Searched for" not in first + second
    assert "(a new conversation)" in err


def test_a_bad_question_or_command_is_reported_and_the_chat_goes_on(
    folders: list[str], model: Scripted, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    lines = ["x" * 1200, "/help", HIROSHIMA_Q]
    code, out, err = chat(lines, folders, monkeypatch, capsys)
    assert code == 0 and len(answers(out)) == 1 and "met in Hiroshima" in out
    assert "error: The question is 1200 characters long; the limit is 1000" in err
    assert "error: no command /help: /new, /quit" in err


def test_ctrl_c_abandons_the_answer_and_keeps_the_session(
    folders: list[str], model: Scripted, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    model.interrupt = REWRITTEN  # once: the follow-up's first answer is cut short
    code, out, err = chat([HIROSHIMA_Q, FOLLOW_UP, FOLLOW_UP], folders, monkeypatch, capsys)
    assert code == 0 and "(answer abandoned; ask again, or /quit)" in err
    first, second = answers(out)  # the abandoned answer printed nothing
    assert second.startswith(f"Searched for: {REWRITTEN}\nThey agreed to step up cooperation")
    # the abandoned turn is not remembered: the second rewrite saw the first question only
    assert [r[-1]["content"].count(FOLLOW_UP) for r in model.rewrites] == [1, 1]


def test_a_terminal_gets_a_prompt_and_sees_what_is_read(
    folders: list[str], model: Scripted, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    typed = iter([HIROSHIMA_Q])
    prompts: list[str] = []

    def terminal_input(prompt: str) -> str:
        prompts.append(prompt)
        try:
            return next(typed)
        except StopIteration:
            raise EOFError from None  # Ctrl-D

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("builtins.input", terminal_input)
    monkeypatch.setattr(sys, "stdin", Terminal())
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(["chat", *folders]) == 0
    out, err = capsys.readouterr()
    assert prompts == ["? ", "? "] and "met in Hiroshima" in out
    assert "/new starts a new conversation; /quit or Ctrl-D ends" in err
    assert re.search(r"reading \d+ passages from .*002_eb2b49479483de60\.txt", err)
    assert f"chose 1 passage from {SOURCE}; writing the answer…" in err
    assert "reading" not in out  # the progress is not part of the answer


def test_an_abstention_says_why_and_shows_the_closest_passages(
    folders: list[str], model: Scripted, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", OFF_TOPIC, *folders]) == 0  # nothing came close: the model not asked
    out = capsys.readouterr().out
    said, why, title, *passages = out.split("\n\nFolder: ")[0].splitlines()
    assert said == ABSTAIN_TEXT and "Sources:" not in out
    assert (
        why
        == "Why: Nothing in the articles comes close to this question, so the model was not asked."
    )
    assert title == "Closest passages (not an answer):" and 2 <= len(passages) <= 3
    assert "Answered by: no model was needed (nothing in the articles came close" in out
    for line in passages:
        shown = re.fullmatch(r'  - (\S+)(?: \((.+)\))? chars (\d+)-(\d+): "(.+)"', line)
        assert shown, line
        text = (Path(folders[1]) / shown[1]).read_text(encoding="utf-8")
        start, end = int(shown[3]), int(shown[4])
        assert " ".join(text[start:end].split()).startswith(shown[5].removesuffix("…"))


def test_a_model_that_finds_no_answer_says_so_and_json_is_unchanged(
    folders: list[str], model: Scripted, capsys: pytest.CaptureFixture[str]
) -> None:
    SCRIPT["Who won the summit's chess match?"] = "Nobody said."  # no marker: "0"
    assert main(["ask", "Who won the summit's chess match?", *folders]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{ABSTAIN_TEXT}\nWhy: The model read the closest sentences and ")
    assert "Closest passages (not an answer):\n  - " in out
    assert main(["ask", "Who won the summit's chess match?", "--json", *folders]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["abstained"] and answer["text"] == ABSTAIN_TEXT and "why" not in answer
    assert answer["decision"]["reason"]  # the signals stay in the decision


def evidence(source: str, date: str | None = None, basis: str = "") -> Evidence:
    return Evidence(source=source, start=0, end=4, text="Text", date=date, date_basis=basis)


def test_passage_dates_and_progress_lines_read_plainly() -> None:
    assert passage_date(evidence("a.txt", "2023-05-09")) == "May 9, 2023"
    assert passage_date(evidence("a.txt", None, "2023-01 (month only), inferred")) == (
        "2023-01 (month only)"
    )
    assert passage_date(evidence("a.txt", None, "unknown: no month or year")) == ""
    ranked = Ranked([evidence(f"{n}.txt") for n in "abcdd"])
    assert progress_line(ranked) == "reading 5 passages from a.txt, b.txt, c.txt and 1 more…"
    assert progress_line(Found([evidence("a.txt")])) == (
        "chose 1 passage from a.txt; writing the answer…"
    )
