"""Every kind of bad setting is refused, saying what the user typed and what it takes.

Through the CLI, the message names the flag as typed (`--top-k 50`, `--port 0`);
through the environment or a .env file, the variable (`ASSISTANT_TOP_K=50`). Each
problem is one line, exit 2, before any store is opened, never with a secret's
value, an internal field name, or a pattern. No model is loaded: a tripwire fails
the test if a refused setting reached the assistant or the store.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.cli import main
from assistant.errors import SettingsRefused
from assistant.settings import PROMPT_SETTINGS, Settings, load_settings

KEY = "sk-test-" + "k" * 24
PROMPTS = "check, check_role, condense, phrase, select, select_part"
UI = ("ui_host", "ui_port", "ui_auth", "ui_concurrency")

# setting, bad value ({tmp}: the test's folder), what the message says it takes
CASES = [
    ("top_k", "50", "a whole number from 1 to 20"),
    ("top_k", "many", "a whole number from 1 to 20"),
    ("candidates", "0", "a whole number from 1 to 200"),
    ("rrf_k", "0", "a whole number from 1 to 1000"),
    ("n_threads", "-3", "a whole number from 1 to 1024"),
    ("n_ctx", "100", "a whole number from 512 to 131072"),
    ("chunk_tokens", "1000", "a whole number from 32 to 256"),
    ("chunk_overlap", "5", "a whole number from 0 to 3"),
    ("max_file_mb", "0", "a whole number from 1 to 10000"),
    ("chroma_port", "99999", "a port number from 1 to 65535"),
    ("chroma_timeout", "0", "a number above 0 and at most 3600"),
    ("llm_timeout", "-1", "a number above 0 and at most 3600"),
    ("llm_max_retries", "99", "a whole number from 0 to 10"),
    ("llm_max_wait", "-1", "a number from 0 to 600"),
    ("max_answer_tokens", "1", "a whole number from 16 to 4096"),
    ("temperature", "5", "a number from 0 to 2"),
    ("max_question_chars", "5", "a whole number from 10 to 100000"),
    ("min_relevance", "2", "a number from -1 to 1"),
    ("evidence_sentences", "10", "a whole number from 1 to 9"),
    ("select_threshold", "1.5", "a number from 0 to 1"),
    ("none_threshold", "-0.1", "a number from 0 to 1"),
    ("coverage_threshold", "x", "a number from 0 to 1"),
    ("typed_join_threshold", "2", "a number from 0 to 1"),
    ("check_threshold", "2", "a number from 0 to 1"),
    ("retrieval", "dense", "one of: hybrid, vector, bm25"),
    ("llm_backend", "gpt", "one of: auto, local, openai"),
    ("embed_backend", "torch", "one of: local, openai"),
    ("local_engine", "ollama", "one of: auto, llama-cpp-python, xllamacpp"),
    ("openai_base_url", "not a url", "http(s)://host[:port][/path]"),
    ("openai_base_url", "127.0.0.1:8080/v1", "must start with http:// or https://"),
    ("openai_base_url", "http://127.0.0.1:99999/v1", "a port that is not a number from 1 to 65535"),
    ("openai_base_url", "ftp://example.org/v1", "must start with http:// or https://"),
    ("chroma_host", "http://localhost:8000", "not a URL: the port goes in"),
    ("chroma_host", "my host", "a host name or IP address"),
    ("ui_host", "http://0.0.0.0", "not a URL: the port goes in"),
    *[(name, "nope", f"choose one of {PROMPTS}") for name in PROMPT_SETTINGS],
    ("select_prompt", "select.toml", "write it without .toml: select"),
    ("source_dir", "{tmp}/nowhere", "does not exist: name a folder of articles"),
    ("source_dir", "{tmp}/a.txt", "is a file: name a folder of articles"),
    ("persist_dir", "{tmp}/a.txt", "is a file: name a folder (it is made if it does not exist)"),
    ("model_cache_dir", "{tmp}/a.txt", "is a file: name a folder"),
    ("local_model", "{tmp}/missing.gguf", "is not a file (does not exist): name a GGUF"),
    ("ui_port", "0", "a port number from 1 to 65535"),
    ("ui_concurrency", "100", "a whole number from 1 to 64"),
    ("ui_auth", "no-colon", "a user name and a password joined by a colon, as in ann:s3cret"),
    ("ui_auth", ":secret", "a user name and a password joined by a colon"),
]
IDS = [f"{name}={value}" for name, value, _ in CASES]


@pytest.fixture
def tripwire(monkeypatch: pytest.MonkeyPatch) -> None:
    """A refused setting never reaches the assistant, the store or the UI."""
    from assistant.core import Assistant
    from assistant.ingest.store import ArticleStore

    def reached(*args: object, **kwargs: object) -> None:
        raise AssertionError("a bad setting was not refused")

    monkeypatch.setattr(Assistant, "__init__", reached)
    monkeypatch.setattr(ArticleStore, "__init__", reached)


@pytest.fixture
def where(tmp_path: Path) -> list[str]:
    (tmp_path / "a.txt").write_text("not a folder\n")
    (tmp_path / "articles").mkdir()
    return ["--source-dir", str(tmp_path / "articles"), "--persist-dir", str(tmp_path / "store")]


def command(setting: str, where: list[str]) -> list[str]:
    """A command that reads the setting (the UI's: only `assistant ui`), with the test's
    own folder and store, unless the setting is one of those."""
    pairs = zip(where[::2], where[1::2], strict=True)
    own = [
        x for flag, path in pairs if flag != "--" + setting.replace("_", "-") for x in (flag, path)
    ]
    return (["ui"] if setting in UI else ["ask", "Where did they meet?"]) + own


def refusal(capsys: pytest.CaptureFixture[str], argv: list[str]) -> list[str]:
    """The error lines of a command that must be refused with exit 2."""
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2 and out == "", err
    lines = err.splitlines()
    assert lines and all(line.startswith("error: ") for line in lines), err
    for internal in ("pattern", "String should", "Input should", "Value error", "Traceback"):
        assert internal not in err
    return lines


@pytest.mark.parametrize(("setting", "value", "takes"), CASES, ids=IDS)
def test_a_bad_flag_is_refused_naming_the_flag_and_what_it_takes(
    setting: str,
    value: str,
    takes: str,
    tmp_path: Path,
    where: list[str],
    tripwire: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    flag, value = "--" + setting.replace("_", "-"), value.format(tmp=tmp_path)
    [line] = refusal(capsys, [*command(setting, where), flag, value])
    shown = "" if setting == "ui_auth" else f" {value}" if " " not in value else f" '{value}'"
    assert line.startswith(f"error: {flag}{shown}: ") and takes in line
    assert f"{setting}:" not in line and f"ASSISTANT_{setting.upper()}" not in line
    assert not (tmp_path / "store").exists()


@pytest.mark.parametrize(("setting", "value", "takes"), CASES, ids=IDS)
def test_a_bad_variable_is_refused_naming_the_variable(
    setting: str,
    value: str,
    takes: str,
    tmp_path: Path,
    where: list[str],
    tripwire: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    variable, value = f"ASSISTANT_{setting.upper()}", value.format(tmp=tmp_path)
    monkeypatch.setenv(variable, value)
    [line] = refusal(capsys, command(setting, where))
    shown = "" if setting == "ui_auth" else f"={value}" if " " not in value else f"='{value}'"
    assert line.startswith(f"error: {variable}{shown}: ") and takes in line
    assert "--" + setting.replace("_", "-") not in line
    with pytest.raises(SettingsRefused) as refused:  # `Assistant()`, `ask()`: no CLI
        load_settings()
    assert str(refused.value) == line.removeprefix("error: ")


def test_a_switch_from_the_environment_must_be_true_or_false(
    monkeypatch: pytest.MonkeyPatch, where: list[str], tripwire: None, capsys
) -> None:
    monkeypatch.setenv("ASSISTANT_CHROMA_SSL", "maybe")
    [line] = refusal(capsys, ["ask", "q", *where])
    assert (
        line == "error: ASSISTANT_CHROMA_SSL=maybe: must be true or false (or 1/0, yes/no, on/off)"
    )


def test_a_line_of_the_env_file_is_named_as_such(
    tmp_path: Path, where: list[str], tripwire: None, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".env").write_text("ASSISTANT_TOP_K=50\n")  # the tests run in tmp_path
    [line] = refusal(capsys, ["ask", "q", *where])
    assert line == "error: ASSISTANT_TOP_K=50 (in .env): must be a whole number from 1 to 20"


def test_an_alias_is_named_as_typed(where: list[str], tripwire: None, capsys) -> None:
    [line] = refusal(capsys, ["ui", "--port", "70000", *where])
    assert line == "error: --port 70000: must be a port number from 1 to 65535"
    [line] = refusal(capsys, ["ingest", "--source", "/no/such/folder"])
    assert line.startswith("error: --source /no/such/folder: does not exist: ")


def test_top_k_may_not_exceed_candidates_whichever_was_set(
    where: list[str], tripwire: None, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    [line] = refusal(capsys, ["ask", "q", *where, "--top-k", "12"])
    assert line.startswith("error: --top-k 12: must be at most --candidates (10): ")
    [line] = refusal(capsys, ["ask", "q", *where, "--candidates", "3"])
    assert line.startswith("error: --candidates 3: must be at least --top-k (4): ")
    monkeypatch.setenv("ASSISTANT_CANDIDATES", "6")
    [line] = refusal(capsys, ["ask", "q", *where, "--top-k", "8"])
    assert line.startswith("error: --top-k 8: must be at most ASSISTANT_CANDIDATES (6): ")


def test_every_problem_is_a_line_and_no_secret_is_shown(
    where: list[str], tripwire: None, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("ASSISTANT_UI_AUTH", "zebulon")
    argv = ["ui", *where, "--top-k", "0", "--chroma-port", "0", "--openai-api-key", KEY]
    lines = refusal(capsys, [*argv, "--openai-base-url", f"http://me:{KEY}@127.0.0.1/v1"])
    assert [line.split(":")[1] for line in lines] == [
        " --chroma-port 0", " --top-k 0", " --openai-base-url 'http", " ASSISTANT_UI_AUTH"
    ]  # fmt: skip
    assert all(KEY not in line for line in lines) and "zebulon" not in "".join(lines)
    assert "(the key goes in --openai-api-key)" in lines[2]


def test_a_flag_wins_over_a_bad_variable_and_good_values_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.cli import build_parser, settings_from

    monkeypatch.setenv("ASSISTANT_TOP_K", "50")
    args = build_parser().parse_args(["ask", "q", "--top-k", "6", "--check-role-prompt", ""])
    settings = settings_from(args)
    assert settings.top_k == 6 and settings.check_role_prompt == ""
    monkeypatch.delenv("ASSISTANT_TOP_K")
    good = Settings(
        _env_file=None,  # type: ignore[call-arg]
        chroma_host="::1",
        openai_base_url="https://example.org:8443/v1",
        ui_auth="ann:s3:cret",
        persist_dir=tmp_path / "not-yet",
        n_threads=2,
    )
    assert good.chroma_host == "::1" and good.ui_auth == "ann:s3:cret"
    assert Settings(_env_file=None, chroma_host="").chroma_host is None  # type: ignore[call-arg]
