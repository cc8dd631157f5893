"""The `assistant` command: help, errors as one clear line, answers and JSON."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from assistant.cli import COMMAND_GROUPS, main
from assistant.settings import GROUPS, Settings


def test_every_setting_is_a_flag_of_the_commands_that_read_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    grouped = [name for names in GROUPS.values() for name in names]
    assert sorted(grouped) == sorted(Settings.model_fields)  # each in exactly one group
    for command, groups in COMMAND_GROUPS.items():
        with pytest.raises(SystemExit):
            main([command, "--help"])
        out = capsys.readouterr().out
        for group, names in GROUPS.items():
            for name in names:
                flag = "--" + name.replace("_", "-")  # as an option, not inside a help text
                listed = re.search(rf"^  (?:-\S.*, )?{flag}(?=[ ,\n])", out, re.M) is not None
                assert listed == (group in groups), f"{command} --help and --{name}"
    assert set(COMMAND_GROUPS["ui"]) == set(GROUPS)
    assert "web UI" not in COMMAND_GROUPS["ask"] and "web UI" not in COMMAND_GROUPS["chat"]


def test_the_top_level_help_points_to_each_commands_help(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    out = capsys.readouterr().out
    assert done.value.code == 0 and "`assistant COMMAND --help`" in out
    assert "ASSISTANT_<NAME>" in out and "ASSISTANT_SOURCE_DIR" in out
    assert "--top-k" not in out and "ASSISTANT_TOP_K" not in out  # not all 49 settings


@pytest.mark.parametrize("command", [None, "ask", "chat", "ingest", "show", "ui", "eval"])
def test_help_gives_the_exit_codes(command: str | None, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"] if command else ["--help"])
    out = capsys.readouterr().out
    codes = re.findall(r"^  ([012])  ", out.split("exit codes:\n")[1], re.M)
    assert codes == (["0", "1", "2"] if command in (None, "eval") else ["0", "2"])


def test_version(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.metadata

    from assistant import cli

    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out == f"assistant {importlib.metadata.version('news-assistant')}\n"

    def missing(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)  # a checkout, not installed
    project = tomllib.loads((Path(cli.PROJECT_ROOT) / "pyproject.toml").read_text())["project"]
    assert cli.version() == f"{project['version']} (source checkout, not installed)"


def test_a_bad_question_is_refused_before_the_store_is_opened(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Exit 2 for a user error (1, the eval gate: tests/test_eval_metrics.py runs run_eval)."""
    store = tmp_path / "store"
    where = ["--source-dir", str(tmp_path), "--persist-dir", str(store)]
    assert main(["ask", "x" * 200, "--max-question-chars", "100", *where]) == 2
    assert "limit is 100" in capsys.readouterr().err and not store.exists()
    assert main(["show", "x.txt", "--source-dir", str(tmp_path / "nowhere")]) == 2


def test_a_failed_eval_gate_is_exit_1(monkeypatch: pytest.MonkeyPatch) -> None:
    """`main` returns what run_eval returns (1: a gate failed, tests/test_eval_metrics.py)."""
    import evals.runner

    monkeypatch.setattr(evals.runner, "run_eval", lambda args, settings_from: 1)
    assert main(["eval", "--only", "a01"]) == 1


@pytest.mark.parametrize("xdg", ["absolute", "relative", "unset"])
def test_the_model_cache_follows_xdg_cache_home(xdg: str, tmp_path: Path) -> None:
    """A fresh process (the default is read at import), without the CI's own setting."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "XDG_"))}
    env["HOME"] = str(tmp_path / "home")
    if xdg != "unset":  # a relative XDG path is ignored, as the XDG rule says
        env["XDG_CACHE_HOME"] = str(tmp_path / "cache") if xdg == "absolute" else "cache"
    code = "from assistant.settings import Settings; print(Settings().model_cache_dir)"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    expected = tmp_path / "cache" if xdg == "absolute" else tmp_path / "home" / ".cache"
    assert Path(out.stdout.strip()) == expected / "news-assistant"


def test_readme_documents_every_setting() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    missing = [n for n in Settings.model_fields if f"ASSISTANT_{n.upper()}" not in readme]
    assert missing == []
    for name, field in Settings.model_fields.items():  # numbers and words: the same default
        if isinstance(field.default, int | float | str) and not isinstance(field.default, bool):
            row = f"`ASSISTANT_{name.upper()}` | `{field.default}` |"
            assert row in readme, f"README shows another default for {name}"


def test_empty_question_is_one_clear_line(
    capsys: pytest.CaptureFixture[str], make_settings
) -> None:
    s = make_settings()
    code = main(
        ["ask", "  ", "--source-dir", str(s.source_dir), "--persist-dir", str(s.persist_dir)]
    )
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: The question is empty")
    assert "Traceback" not in err


def test_bad_setting_is_one_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["ask", "hi", "--local-model", "/no/such/model.gguf"])
    assert code == 2 and "is not a file" in capsys.readouterr().err


def test_ingest_then_ask_json(
    capsys: pytest.CaptureFixture[str], make_settings, small_gguf
) -> None:
    s = make_settings()
    where = ["--source-dir", str(s.source_dir), "--persist-dir", str(s.persist_dir)]
    assert main(["ingest", *where]) == 0
    assert "5 added" in capsys.readouterr().out
    assert main(["ingest", *where]) == 0
    assert "Nothing changed" in capsys.readouterr().out
    code = main(
        [
            "ask",
            "Where was the G7 summit in 2023?",
            "--json",
            "--local-model",
            str(small_gguf),
            *where,
        ]
    )
    assert code == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["backend"] == "local" and answer["question"] == "Where was the G7 summit in 2023?"
    assert {"text", "citations", "abstained", "chunks", "prompt", "timings"} <= set(answer)


def test_ui_takes_port_and_host_like_other_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.cli import build_parser, settings_from

    parser = build_parser()
    args = parser.parse_args(["ui", "--port", "8081", "--host", "0.0.0.0"])
    assert (settings_from(args).ui_port, settings_from(args).ui_host) == (8081, "0.0.0.0")
    args = parser.parse_args(["ui", "--ui-port", "8082", "--ui-host", "::1"])  # the old spellings
    assert (settings_from(args).ui_port, settings_from(args).ui_host) == (8082, "::1")
    monkeypatch.setenv("ASSISTANT_UI_PORT", "9001")
    assert settings_from(parser.parse_args(["ui"])).ui_port == 9001  # the environment
    assert settings_from(parser.parse_args(["ui", "--port", "9002"])).ui_port == 9002  # flag wins
