"""Timing and memory helpers, the machine's description, and one figure of the report."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "benchmarks" / ".cache"


@dataclass
class Figure:
    """One measured number next to its floor (if it has one) and its target (if any)."""

    group: str
    name: str
    value: float
    unit: str
    floor: float | None = None
    floor_name: str = ""
    target: str = ""
    met: bool | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.floor is None or self.floor == 0:
            return None
        return self.value / self.floor


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class ChildRun:
    spawned_at: float  # Unix time just before the process was started
    seconds: float  # wall time until it exited
    peak_rss_mb: float
    stdout: str
    stderr: str


def run_child(args: list[str], env: dict[str, str] | None = None, timeout: float = 900) -> ChildRun:
    """Run a process to the end, polling its peak resident memory (Linux VmHWM)."""
    out_path = CACHE / f"child-{os.getpid()}.out"
    err_path = CACHE / f"child-{os.getpid()}.err"
    CACHE.mkdir(parents=True, exist_ok=True)
    with out_path.open("w") as out, err_path.open("w") as err:
        spawned_at = time.time()
        began = time.perf_counter()
        process = subprocess.Popen(args, stdout=out, stderr=err, env=env, cwd=ROOT)
        deadline = began + timeout
        peak = 0.0
        while True:
            # VmHWM, not wait4's ru_maxrss: that one counts the parent's RSS at spawn;
            # once the child exits, /proc holds a zombie without memory figures
            with contextlib.suppress(OSError, RuntimeError):
                peak = max(peak, peak_rss_mb(process.pid))
            pid, status, _ = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                raise TimeoutError(f"{args} ran longer than {timeout}s")
            time.sleep(0.005)
        seconds = time.perf_counter() - began
    process.returncode = os.waitstatus_to_exitcode(status)
    run = ChildRun(spawned_at, seconds, peak, out_path.read_text(), "")
    run.stderr = err_path.read_text()
    out_path.unlink()
    err_path.unlink()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {process.returncode}:\n{run.stderr[-2000:]}")
    return run


def python_child(code_or_module: list[str]) -> list[str]:
    return [sys.executable, *code_or_module]


def assistant_command() -> str:
    return str(Path(sys.executable).with_name("assistant"))


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory so far of a running process (Linux VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for process {pid}")


def self_peak_rss_mb() -> float:
    """This process's own peak (ru_maxrss would include its parent's RSS at spawn)."""
    return peak_rss_mb(os.getpid())


def dir_size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.is_file():
        total_kb = int(meminfo.read_text().split()[1])
        memory = f"{total_kb / 1024 / 1024:.1f} GiB"
    packages = ["llama-index-core", "chromadb", "onnxruntime", "llama_cpp_python", "torch"]
    return {
        "cpu": f"{cpu}, {os.cpu_count()} cores",
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "packages": ", ".join(f"{p} {_version(p)}" for p in packages),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def _version(package: str) -> str:
    try:
        return version(package)
    except Exception:
        return "absent"


def last_json_line(text: str) -> dict:
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise ValueError(f"no JSON line in:\n{text[-2000:]}")


def stop(process: subprocess.Popen[Any]) -> None:
    """End a child process: terminate, and kill it if it has not exited in 30 s."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
