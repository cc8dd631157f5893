"""A saved page's or a PDF's text, extracted in a worker process that can be stopped.

Why: extraction is the one step of ingest whose cost the file's owner controls. A
40 MB saved page of menus held trafilatura for minutes and 7 GB of memory; a 74 KB
PDF whose 40 pages share one stream that inflates to 70 MB held pypdf for minutes;
neither library can be interrupted from inside. So the extraction runs in a child
process under limits that do not depend on the libraries: the child caps its own
address space (RLIMIT_AS, `extract_memory_mb`) before importing them, and the parent
waits at most `extract_timeout_s` for each file, then kills the child and skips the
file with a reason naming the setting. A file that crashes the child is skipped too;
the rest of the folder is read.

One child serves a whole ingest (its imports are paid once) and is started again
after a file it was stopped on. It is a new interpreter (`python -m
assistant.ingest.worker`), not a fork, since the parent holds ONNX Runtime's and
Chroma's threads whose locks a fork would copy; and not multiprocessing's "spawn",
which runs the parent's main script again in the child (a script that calls
`ask()` at its top level would ingest from inside the worker). It talks over a
socket pair, ignores Ctrl-C (the parent stops it) and gives itself a CPU-time limit
per file, so that it does not outlive a parent that was killed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import resource
import signal
import socket
import subprocess
import sys
from multiprocessing.connection import Connection
from pathlib import Path
from types import TracebackType
from typing import Any

from assistant.ingest.formats import Extracted, NotAnArticle, extract
from assistant.ingest.rules import Limits

START_S = 120.0  # at most to start a worker and import the libraries (a cold disk)


class Extractor:
    """`extract(path, data)` in a worker process, within `limits`; use as a context
    manager, or `close()` it (the worker is started on first use)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.process: subprocess.Popen[bytes] | None = None
        self.conn: Connection | None = None

    def __enter__(self) -> Extractor:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def extract(self, path: Path, data: bytes) -> Extracted:
        """The article in `data` (a saved page or a PDF named `path`), or `NotAnArticle`
        saying why not: over a limit (naming its setting), or not an article."""
        conn = self._started()
        try:
            conn.send((path.name, data))
        except OSError:  # it died while idle: a fresh one
            self.close()
            conn = self._started()
            conn.send((path.name, data))
        if not conn.poll(self.limits.extract_timeout_s):
            self.close()
            raise NotAnArticle(
                f"reading it took longer than {self.limits.extract_timeout_s:g} s "
                "(setting extract_timeout_s)"
            )
        try:
            kind, value = conn.recv()
        except (EOFError, OSError):
            raise NotAnArticle(self._crashed()) from None
        if kind == "ok":
            return value
        if kind == "memory":
            self.close()  # its heap is spent: a fresh worker for the next file
            raise NotAnArticle(self._memory())
        raise NotAnArticle(value)

    def close(self) -> None:
        """Stop the worker (killed: it may be in the middle of a file)."""
        process, conn, self.process, self.conn = self.process, self.conn, None, None
        if conn is not None:
            conn.close()
        if process is not None:
            process.kill()
            process.wait()

    def _started(self) -> Connection:
        if self.conn is not None:
            return self.conn
        ours, theirs = socket.socketpair()
        # -P: the working directory (perhaps the article folder) is not put on its path
        command = [sys.executable, "-P", "-m", "assistant.ingest.worker", str(theirs.fileno())]
        path = os.pathsep.join(os.path.abspath(p) for p in sys.path if p)  # the parent's
        self.process = subprocess.Popen(
            command,
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": path},
        )
        theirs.close()
        self.conn = conn = Connection(ours.detach())
        conn.send(self.limits)
        if not conn.poll(START_S):
            self.close()
            raise NotAnArticle(f"the extraction worker did not start within {START_S:g} s")
        try:
            kind, value = conn.recv()
        except (EOFError, OSError):
            raise NotAnArticle(self._crashed()) from None
        if kind != "ready":
            self.close()
            raise NotAnArticle(self._memory() if kind == "memory" else value)
        return conn

    def _crashed(self) -> str:
        """Why the worker died, once it has: killed by a signal, or out of memory."""
        process = self.process
        code = None
        if process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):  # it is dying: wait a bit
                code = process.wait(5)
        self.close()
        if code is not None and code < 0:
            name = signal.Signals(-code).name
            return (
                f"the extractor crashed on it ({name}); it may need more than "
                f"{self.limits.extract_memory_mb} MB (setting extract_memory_mb)"
            )
        return f"the extractor stopped on it (exit code {code})"

    def _memory(self) -> str:
        return (
            f"reading it needs more than {self.limits.extract_memory_mb} MB of memory "
            "(setting extract_memory_mb)"
        )


# --- the worker process ---------------------------------------------------------------


def main() -> None:
    """`python -m assistant.ingest.worker FD`: serve the parent on the socket FD."""
    conn = Connection(int(sys.argv[1]))
    serve(conn, conn.recv())


def serve(conn: Connection, limits: Limits) -> None:
    """The worker: limit itself, import the libraries, then extract what it is sent
    until the socket closes. Answers ("ok", Extracted), ("no", reason) or ("memory", "")."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    logging.disable(logging.CRITICAL)  # the libraries' warnings are not for the user
    limit = limits.extract_memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        import pypdf  # noqa: F401
        import trafilatura  # noqa: F401
    except MemoryError:
        conn.send(("memory", ""))
        return
    except Exception as exc:  # a broken install: said once, for every file
        conn.send(("no", f"the extraction worker cannot start ({type(exc).__name__}: {exc})"))
        return
    conn.send(("ready", None))
    while True:
        try:
            name, data = conn.recv()
        except (EOFError, OSError):
            return
        _limit_cpu(limits.extract_timeout_s)
        conn.send(_answer(Path(name), data, limits))
        del data


def _answer(path: Path, data: bytes, limits: Limits) -> tuple[str, Any]:
    """What the worker sends back for one file. A failure near the memory limit is
    the limit's: libxml2 and pypdf report a failed allocation as some other error."""
    try:
        return ("ok", extract(path, data, limits))
    except MemoryError:
        return ("memory", "")
    except NotAnArticle as exc:
        answer = ("no", str(exc))
    except RecursionError:
        answer = ("no", "nested too deeply to be read")
    except Exception as exc:  # a library's bug on a strange file: this file only
        answer = ("no", f"cannot be read ({type(exc).__name__}: {exc})")
    return ("memory", "") if _near_limit(limits) else answer


def _near_limit(limits: Limits) -> bool:
    """Whether this process's address space came within 5% of its limit (VmPeak)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return False
    peak = next((line.split()[1] for line in status.splitlines() if line.startswith("VmPeak:")), 0)
    return int(peak) * 1024 >= 0.95 * limits.extract_memory_mb * 1024 * 1024


def _limit_cpu(seconds: float) -> None:
    """A CPU-time limit a little past this file's budget: the parent kills the worker
    when its time is up, and this stops a worker whose parent was killed."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    spent = used.ru_utime + used.ru_stime
    soft = int(spent + 2 * seconds + 5)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


if __name__ == "__main__":
    main()
