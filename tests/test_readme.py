"""The README's commands and its sample output are those of the current code.

A reader copies the README's commands and compares what they print with its
sample: the `make` targets must exist, every `assistant ...` line must parse,
`make ask` must ask the question the README names, and (slow, the default
model) the answer must be the one shown: answered, citing the same file at the
same character offsets, with the quote the README begins.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

from assistant.schema import ABSTAIN_TEXT
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")
# the placeholders of the README's synopsis lines, as a user would fill them in
PLACEHOLDERS = {
    "COMMAND": "ask",
    "DIR": "articles",
    "N": "7861",
    "M": "7900",
    "H": "127.0.0.1",
    "FILE": "a.txt",
}
SOURCE_LINE = re.compile(
    r"^\[(?P<number>\d+)\] (?P<source>\S+)(?: \((?P<about>.*)\))? "
    r"chars (?P<start>\d+)-(?P<end>\d+)$"
)


@dataclass(frozen=True)
class Printed:
    """What `assistant ask` prints, read back: the answer, then one entry per source."""

    text: str
    sources: list[dict[str, str]]
    quotes: list[str]


def read_output(output: str) -> Printed:
    output = output.strip().split("\n\nFolder: ")[0]  # the footer: folder, who answered
    text, _, rest = output.partition("\n\nSources:\n")
    lines = rest.splitlines()
    sources = [m.groupdict() for m in map(SOURCE_LINE.match, lines[0::2]) if m]
    assert len(sources) == len(lines) // 2, f"unreadable sources:\n{rest}"
    return Printed(text.strip(), sources, [q.strip().strip('"') for q in lines[1::2]])


def sample() -> tuple[str, Printed]:
    """The question `make ask` answers in the README and the output shown for it."""
    found = re.search(r'answers\s+\*"(?P<q>[^"]+)"\*:\s*\n\s*```\n(?P<out>.*?)```', README, re.S)
    assert found, "the README's sample question and output block are not where expected"
    return found["q"], read_output(found["out"])


def bash_lines() -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)```", README, re.S)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def assistant_commands() -> list[list[str]]:
    """Every `assistant ...` command of the README's shell blocks, as argv."""
    commands = []
    for line in bash_lines():
        words = shlex.split(line.replace("[", "").replace("]", ""), comments=True)
        while words:
            head = words[: words.index("&&")] if "&&" in words else words
            words = words[len(head) + 1 :]
            while head and re.fullmatch(r"[A-Z_]+=\S*", head[0]):  # VAR=value command
                head = head[1:]
            if head and Path(head[0]).name == "assistant":
                commands.append([PLACEHOLDERS.get(w, w) for w in head[1:]])
    return commands


def test_make_ask_asks_the_readme_question() -> None:
    question, _ = sample()
    assert f"QUESTION ?= {question}\n" in MAKEFILE


def test_every_make_target_in_the_readme_exists() -> None:
    targets = set(re.findall(r"^([a-z][\w-]*):", MAKEFILE, re.M))
    inline = re.findall(r"`make ([a-z][\w-]*)", README)  # `make eval`, in the prose
    named = {*inline, *(w.split()[1] for w in bash_lines() if w.startswith("make "))}
    assert named and named <= targets, f"not in the Makefile: {sorted(named - targets)}"


def test_every_assistant_command_in_the_readme_parses(capsys: pytest.CaptureFixture[str]) -> None:
    from assistant.cli import build_parser

    commands = assistant_commands()
    assert {argv[0] for argv in commands if argv[0] != "--help"} >= {"ask", "ingest", "ui", "eval"}
    for argv in commands:
        try:
            build_parser().parse_args(argv)
        except SystemExit as exc:  # --help exits 0; a bad command exits 2
            assert exc.code == 0, f"`assistant {shlex.join(argv)}`: {capsys.readouterr().err}"


def test_the_sample_output_block_reads_back() -> None:
    _, shown = sample()
    assert shown.text != ABSTAIN_TEXT and shown.sources and shown.quotes


@pytest.mark.slow
def test_the_readme_sample_is_what_the_default_model_prints(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, model_cache: Path
) -> None:
    from assistant.cli import main
    from tests.conftest import SEEDS

    question, shown = sample()
    where = ["--source-dir", str(SEEDS), "--persist-dir", str(tmp_path / "store")]
    assert main(["ask", question, *where, "--model-cache-dir", str(model_cache)]) == 0
    printed = read_output(capsys.readouterr().out)

    assert printed.text != ABSTAIN_TEXT, "the README shows an answer; the code abstains"
    assert printed.sources == shown.sources  # numbers, files, titles, dates and offsets
    assert re.findall(r"\[\d+\]", printed.text) == re.findall(r"\[\d+\]", shown.text)
    for mine, readme in zip(printed.quotes, shown.quotes, strict=True):
        assert mine.startswith(readme.removesuffix("...").strip())
    assert printed.text == shown.text, "the answer reads differently: update the README"
