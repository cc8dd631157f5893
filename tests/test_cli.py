"""The `assistant` command: help, errors as one clear line, answers and JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.settings import Settings


def test_help_documents_every_setting(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["ask", "--help"])
    out = capsys.readouterr().out
    for name in Settings.model_fields:
        assert "--" + name.replace("_", "-") in out


def test_top_level_help_lists_every_setting_and_env_var(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for name in Settings.model_fields:
        assert f"ASSISTANT_{name.upper()}" in out


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
