"""Group 6, the UI: peak resident memory of `assistant ui` after answering one question.

The UI runs as its own process on a loopback port; a headless Chromium (Debian's,
driven by Playwright) asks one question and waits for the checked answer. The
figure is the process's VmHWM, so it includes the answer's LLM work.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time

from benchmarks.measure import ROOT, Figure, assistant_command, peak_rss_mb
from tests.conftest import free_port
from tests.test_ui_browser import CHROMIUM_ARGS, QUESTION, chromium_path

READY_TIMEOUT_S = 120
ANSWER_TIMEOUT_MS = 300_000


def wait_for_port(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"`assistant ui` exited with {process.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"`assistant ui` did not listen on port {port}")


def ui_memory(persist_dir: str, floor_mb: float | None = None) -> list[Figure]:
    from playwright.sync_api import sync_playwright

    port = free_port()
    env = {**os.environ, "ASSISTANT_PERSIST_DIR": persist_dir, "ASSISTANT_UI_PORT": str(port)}
    process = subprocess.Popen([assistant_command(), "ui"], env=env, cwd=ROOT)
    try:
        wait_for_port(port, process)
        idle = peak_rss_mb(process.pid)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True
            )
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{port}")
            box = page.get_by_placeholder("Ask about the articles…")
            box.fill(QUESTION)
            box.press("Enter")
            page.locator("#na-chat .na-meta").first.wait_for(timeout=ANSWER_TIMEOUT_MS)
            browser.close()
        answered = peak_rss_mb(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)
    return [
        Figure("6 memory", "peak RSS of `assistant ui`, started and idle", idle, "MB"),
        Figure(
            "6 memory",
            "peak RSS of `assistant ui` after answering a question",
            answered,
            "MB",
            floor=floor_mb,
            floor_name="the cold-start floor process: libraries imported, both models loaded",
        ),
    ]
