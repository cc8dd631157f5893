"""The web UI end to end: a real headless Chromium against the app with the default model.

Asks the Hiroshima question, waits for the quotes found to show and then the
checked answer, checks its source and highlighted quote, asks a follow-up that
only makes sense in context, and takes a screenshot: into the test's tmp_path, or
to the path in ASSISTANT_SCREENSHOT (`ASSISTANT_SCREENSHOT=docs/screenshot.png`
refreshes the README's picture; a relative path is from the checkout). A second browser
session opened while the first answer is being written checks that the page
stays usable for others and that Clear drops a question waiting in the queue.

Needs `playwright` (pip) and a Chromium binary (`apt-get install chromium`;
`playwright install` is not used, it downloads); without Chromium it is skipped.
The browser is a separate process with background networking off; every request
it makes must stay on 127.0.0.1, which shows the page loads nothing from a CDN.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, SEEDS, free_port

pytestmark = pytest.mark.slow

ANSWER_TIMEOUT_MS = 180_000
PAGE_TIMEOUT_MS = 30_000
QUESTION = "Where did Biden and Kishida meet a day before the G7 summit?"
FOLLOW_UP = "What did they agree on technology?"
SOURCE = "002_eb2b49479483de60.txt"
# read when pytest starts: the tests' isolation removes ASSISTANT_* variables
SCREENSHOT = os.environ.get("ASSISTANT_SCREENSHOT")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    for candidate in (os.environ.get("CHROMIUM_PATH"), "chromium", "chromium-browser"):
        found = candidate and shutil.which(candidate)
        if found:
            return found
    pytest.skip(  # the line `make test` prints when it cannot install Chromium itself
        "Chromium is missing: run `sudo apt-get update && sudo apt-get install -y chromium` "
        "(or set CHROMIUM_PATH)"
    )


@pytest.fixture
def app_url(make_settings: Any) -> Iterator[str]:
    """The app with the default settings (bundled Qwen2.5 1.5B) on a free loopback port."""
    from assistant.core import Assistant
    from assistant.ui.app import launch

    port = free_port()
    assistant = Assistant(make_settings(ui_port=port))
    app = launch(assistant, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        app.close()


@pytest.fixture
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: pip install -e '.[test]'")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


def screenshot_path(tmp_path: Path) -> Path:
    """Where the screenshot goes: tmp_path unless ASSISTANT_SCREENSHOT asks for a file."""
    if not SCREENSHOT:
        return tmp_path / "screenshot.png"
    path = Path(SCREENSHOT)
    return path if path.is_absolute() else ROOT / path


def test_ask_follow_up_and_check_the_sources(app_url: str, browser: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    offsite: list[str] = []
    page = browser.new_page(viewport={"width": 1200, "height": 1500})
    page.on(
        "request",
        lambda r: (
            offsite.append(r.url) if not r.url.startswith((app_url, "data:", "blob:")) else None
        ),
    )
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    page.goto(app_url)
    expect(page).to_have_title("News assistant")
    status = page.locator("#na-status")
    expect(status).to_contain_text("this machine")
    expect(status).to_contain_text("qwen2.5")
    chat = page.locator("#na-chat")
    box = page.get_by_placeholder("Ask about the articles…")

    # 1. the question: the quotes found show first, then the checked answer and its sources
    box.fill(QUESTION)
    box.press("Enter")
    expect(chat).to_contain_text(QUESTION)
    chat.locator(".na-found").first.wait_for(timeout=ANSWER_TIMEOUT_MS)

    # meanwhile, another user: the page works, and Clear drops their queued question
    other = browser.new_page()
    other.set_default_timeout(PAGE_TIMEOUT_MS)
    other.goto(app_url)
    other.get_by_text("Why did Biden cut his trip to Asia short?").click()
    expect(other.locator("#na-chat")).to_contain_text("Why did Biden cut his trip")
    other.locator("#na-clear").click()
    expect(other.locator("#na-chat")).not_to_contain_text("Why did Biden cut his trip")
    other.close()

    first = chat.locator(".na-meta").first  # only a finished answer has it
    first.wait_for(timeout=ANSWER_TIMEOUT_MS)
    answer = chat.locator(".na-answer").first
    expect(answer).to_contain_text("Hiroshima")
    expect(answer).to_contain_text("[1]")
    expect(chat.locator(".na-streaming")).to_have_count(0)
    source = chat.locator(".na-source").first
    expect(source.locator(".na-file")).to_have_text(SOURCE)
    expect(source).to_contain_text("2023-05-19")
    quote = source.locator(".na-context mark").first
    article = (SEEDS / SOURCE).read_text(encoding="utf-8")
    assert " ".join(quote.inner_text().split()) in " ".join(article.split())
    more = source.locator("details")
    more.locator("summary").click()
    expect(more.locator(".na-context")).to_be_visible()
    expect(chat.locator(".na-searched")).to_have_count(0)

    # 2. the follow-up, answered in the conversation's context
    box.fill(FOLLOW_UP)
    page.get_by_role("button", name="Ask", exact=True).click()
    chat.locator(".na-meta").nth(1).wait_for(timeout=ANSWER_TIMEOUT_MS)
    searched = chat.locator(".na-searched")
    expect(searched).to_have_count(1)
    rewritten = searched.inner_text().removeprefix("Searched for:").strip().strip('“”"')
    assert rewritten and rewritten != FOLLOW_UP
    assert any(name in rewritten for name in ("Biden", "Kishida", "Japan", "U.S.", "US"))
    second = chat.locator(".na-answer").nth(1).inner_text().lower()
    assert any(w in second for w in ("semiconductor", "chip", "artificial intelligence", "tech"))
    assert chat.locator(".na-sources").count() == 2

    screenshot = screenshot_path(tmp_path)
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 10_000
    assert offsite == []  # fonts, scripts and styles all came from the app
