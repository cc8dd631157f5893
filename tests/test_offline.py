"""Offline by default, and tests that see none of the developer's settings.

The product: `go_offline()` sets the switches the libraries read, importing the
assistant sets them before those libraries load, and answering a question (the
first start included, when MiniLM is exported to ONNX) reaches nothing but this
machine. The tests: no fixture, whatever its scope, reads `ASSISTANT_*` variables
or a `.env` the developer has.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.offline import go_offline
from assistant.settings import Settings
from tests.conftest import ROOT, is_address, off_machine

SWITCHES = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
}


def without_switches() -> dict[str, str]:
    gone = {*SWITCHES, "TIKTOKEN_CACHE_DIR"}
    return {k: v for k, v in os.environ.items() if k not in gone}


def test_go_offline_sets_every_switch_and_keeps_the_users_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in [*SWITCHES, "TIKTOKEN_CACHE_DIR"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TRANSFORMERS_VERBOSITY", "info")  # the user's choice wins
    go_offline()
    assert {name: os.environ[name] for name in SWITCHES} == {
        **SWITCHES,
        "TRANSFORMERS_VERBOSITY": "info",
    }
    assert (Path(os.environ["TIKTOKEN_CACHE_DIR"]) / "..").resolve().name == "_static"


def test_importing_the_assistant_switches_the_libraries_off_the_network(tmp_path: Path) -> None:
    """The switches are read when a library loads: they must be set before that."""
    code = (
        "import json, sys, assistant.core\n"
        "heavy = ('huggingface_hub', 'transformers', 'chromadb')\n"
        "loaded = [m for m in heavy if m in sys.modules]\n"
        "import chromadb.config, huggingface_hub.constants as hub\n"
        "print(json.dumps({'loaded': loaded, 'hub_offline': hub.HF_HUB_OFFLINE,\n"
        "  'chroma_telemetry': chromadb.config.Settings().anonymized_telemetry}))\n"
    )
    seen = last_json_line(code, tmp_path)
    assert seen == {"loaded": [], "hub_offline": True, "chroma_telemetry": False}


def last_json_line(code: str, cwd: Path) -> object:
    """What a fresh Python running `code` (with the switches off) prints last, as JSON."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**without_switches(), "PYTHONPATH": str(ROOT)},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_asking_and_ingesting_never_load_the_web_fetcher(tmp_path: Path) -> None:
    """The network code (assistant/web/: `assistant add`, `refresh`) is not even imported by
    what asks, ingests or serves the UI: only the commands that fetch load it."""
    code = (
        "import json, sys, assistant.core, assistant.ingest.sync, assistant.cli\n"
        "import assistant.ui.render, assistant.ingest.dedup\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('assistant.web.f',\n"
        "  'assistant.web.p', 'feedparser')))))\n"
    )
    assert last_json_line(code, tmp_path) == []


def test_tiktoken_encodings_load_without_a_download(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """OpenAI embeddings count tokens with tiktoken: its encoding must come from disk."""
    import tiktoken.load
    import tiktoken.registry

    def download(url: str) -> bytes:
        raise AssertionError(f"tiktoken tried to download {url}")

    monkeypatch.delenv("TIKTOKEN_CACHE_DIR", raising=False)
    monkeypatch.setenv("DATA_GYM_CACHE_DIR", str(tmp_path))  # tiktoken's fallback: empty
    monkeypatch.setattr(tiktoken.load, "read_file", download)
    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})  # nothing loaded yet
    go_offline()
    encoding = tiktoken.get_encoding("cl100k_base")
    assert encoding.decode(encoding.encode("chip export controls")) == "chip export controls"


@pytest.mark.filterwarnings("ignore:A test tried to use socket")
def test_the_recorder_sees_attempts_a_library_swallows(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the next test relies on: a refused connection or a look-up is recorded."""

    real = socket.getaddrinfo

    def no_dns(host: str, *args: object, **kwargs: object) -> object:
        if is_address(host):
            return real(host, *args, **kwargs)
        raise socket.gaierror(f"no DNS here for {host}")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    with off_machine() as attempts:
        for address in (("93.184.216.34", 80), ("huggingface.co", 443)):
            with contextlib.suppress(Exception):  # swallowed, as a telemetry client would
                socket.create_connection(address, timeout=1).close()
        with socket.create_server(("127.0.0.1", 0)) as server:
            socket.create_connection(server.getsockname(), timeout=1).close()
    assert attempts == ["connect 93.184.216.34:80", "resolve huggingface.co"]


def test_first_start_and_an_answer_reach_nothing_off_the_machine(
    make_settings: Callable[..., Settings], small_gguf: Path, tmp_path: Path
) -> None:
    # a new model cache: MiniLM is exported to ONNX (transformers, torch) in the recorder
    settings = make_settings(
        model_cache_dir=tmp_path / "models", local_model=small_gguf, llm_backend="local"
    )
    from assistant.core import Assistant

    with off_machine() as attempts:
        assistant = Assistant(settings)
        answer = assistant.ask("Where did Biden and Kishida meet a day before the G7 summit?")
    assert assistant.last_ingest is not None and len(assistant.last_ingest.added) == 5
    assert list((tmp_path / "models").glob("embedding-*.onnx"))
    assert answer.chunks and answer.backend == "local"
    assert attempts == []


def test_module_fixtures_ignore_the_developers_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A developer's ASSISTANT_* variables and .env reach no fixture, whatever its scope.

    A module-scoped fixture is built before any function-scoped isolation runs, so
    this starts a pytest of its own in a polluted environment, with our conftest.
    """
    dev = tmp_path / "dev"
    dev.mkdir()
    (dev / ".env").write_text("ASSISTANT_CANDIDATES=33\n")
    polluted = {"ASSISTANT_TOP_K": "9", "ASSISTANT_OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
    # the pollution is live: Settings() alone would read all of it
    monkeypatch.chdir(dev)
    for name, value in polluted.items():
        monkeypatch.setenv(name, value)
    read = Settings()
    assert (read.top_k, read.candidates, read.resolved_llm_backend) == (9, 33, "openai")

    (dev / "test_inner.py").write_text(
        "import pytest\n"
        "from assistant.settings import Settings\n\n"
        "@pytest.fixture(scope='module')\n"
        "def early():\n"
        "    return Settings()\n\n"
        "def read(s):\n"
        "    return s.top_k, s.candidates, s.resolved_llm_backend\n\n"
        "def test_module_fixture(early):\n"
        "    assert read(early) == (4, 10, 'local')\n\n"
        "def test_function_fixture(make_settings):\n"
        "    assert read(make_settings()) == (4, 10, 'local')\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "tests.conftest", "-p", "no:cacheprovider",
         "test_inner.py"],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=dev,
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:]
    assert "2 passed" in done.stdout
