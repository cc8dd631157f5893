"""A misspelled `ASSISTANT_*` variable is warned about, naming the setting meant.

Through the environment or a `.env` file, through `load_settings` (what `Assistant()`
reads) and the CLI; a secret-looking value is not shown; the variables the project
reads outside the settings (the eval harness's, the browser test's) and every
setting's own variable are not warned about, which a scan of the repository checks
for every `ASSISTANT_*` name it uses.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.settings import OTHER_VARIABLES, Settings, env_names, load_settings

ROOT = Path(__file__).resolve().parent.parent
# the files that name misspelled variables as examples
EXAMPLES = {Path(__file__).resolve(), ROOT / "assistant" / "settings" / "unknown.py"}


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def test_a_misspelled_variable_names_the_closest_setting(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("ASSISTANT_TOPK", "1")
    monkeypatch.setenv("ASSISTANT_THREADS", "2")
    monkeypatch.setenv("ASSISTANT_WHATEVER", "x y")
    with caplog.at_level(logging.WARNING):
        settings = load_settings()
    assert settings.top_k == Settings.model_fields["top_k"].default  # ignored, as before
    said = warnings_of(caplog)
    assert "ASSISTANT_TOPK=1: unknown setting; did you mean ASSISTANT_TOP_K?" in said
    assert "ASSISTANT_THREADS=2: unknown setting; did you mean ASSISTANT_N_THREADS?" in said
    [far] = [line for line in said if "WHATEVER" in line]
    assert far.startswith("ASSISTANT_WHATEVER='x y': unknown setting; ") and "--help" in far


def test_a_misspelled_variable_in_dotenv_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / ".env").write_text("ASSISTANT_CHUNK_TOKEN=100\nASSISTANT_TOP_K=3\n")
    with caplog.at_level(logging.WARNING):
        settings = load_settings()
    assert settings.top_k == 3
    assert warnings_of(caplog) == [
        "ASSISTANT_CHUNK_TOKEN=100 (in .env): unknown setting; did you mean ASSISTANT_CHUNK_TOKENS?"
    ]


def test_a_secret_looking_value_is_not_shown(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("ASSISTANT_OPENAI_KEY", "sk-secret-value")
    with caplog.at_level(logging.WARNING):
        load_settings()
    assert warnings_of(caplog) == [
        "ASSISTANT_OPENAI_KEY: unknown setting; did you mean ASSISTANT_OPENAI_API_KEY?"
    ]


def test_the_cli_warns_too(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("ASSISTANT_TOPK", "1")
    with caplog.at_level(logging.WARNING):
        assert main(["ask", "q", "--top-k", "50"]) == 2  # refused: nothing is loaded
    assert "ASSISTANT_TOPK=1: unknown setting; did you mean ASSISTANT_TOP_K?" in warnings_of(caplog)


def test_known_variables_are_not_warned_about(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    for name in [*OTHER_VARIABLES, "ASSISTANT_N_THREADS", "assistant_top_k"]:
        monkeypatch.setenv(name, "1")
    monkeypatch.setenv("ASSISTANT_MODEL_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-x")  # the key's other name, not ASSISTANT_*
    with caplog.at_level(logging.WARNING):
        load_settings()
    assert warnings_of(caplog) == []


def test_every_assistant_variable_the_repository_names_is_known() -> None:
    """A variable some part of the project reads is either a setting's or listed in
    `OTHER_VARIABLES`; the only unknown ones are the misspellings given as examples."""
    known = {n for s in Settings.model_fields for n in env_names(s)} | OTHER_VARIABLES
    named: dict[str, str] = {}
    for folder in ("assistant", "tests", "evals", "benchmarks", "docs"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in (".py", ".md", ".toml", ".yaml", ".sh") and path.is_file():
                if path.resolve() in EXAMPLES:  # they name misspellings on purpose
                    continue
                text = path.read_text(encoding="utf-8", errors="replace")
                for name in re.findall(r"\bASSISTANT_[A-Z0-9_]*[A-Z0-9]\b", text):
                    named.setdefault(name, str(path.relative_to(ROOT)))
    for top in ("Makefile", "README.md"):
        for name in re.findall(r"\bASSISTANT_[A-Z0-9_]*[A-Z0-9]\b", (ROOT / top).read_text()):
            named.setdefault(name, top)
    assert {n: where for n, where in named.items() if n not in known} == {}
    assert "ASSISTANT_EVAL_PAGES" in named and "ASSISTANT_SCREENSHOT" in named
