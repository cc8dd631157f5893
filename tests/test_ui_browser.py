"""The web UI end to end: a real headless Chromium against the app with the default model.

Asks the Hiroshima question and checks what shows, in order: the closest passages
("Reading", not an answer), then the quotes the model chose, then the checked answer
(the order only: the times are benchmarks/ui_timing.py's). Checks its source and
highlighted quote and takes a screenshot of it: into the test's tmp_path, or to the
path in ASSISTANT_SCREENSHOT (`ASSISTANT_SCREENSHOT=docs/screenshot.png` refreshes the
README's picture; a relative path is from the checkout). Then a follow-up that only
makes sense in context, an off-topic question that abstains with its reason and the
closest passages, and the conversation downloaded as Markdown. A second browser
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
OFF_TOPIC = "What is a good recipe for banana bread?"
SOURCE = "002_eb2b49479483de60.txt"
VIEWPORT = {"width": 1280, "height": 900}
# notes the order in which each stage first shows in the chat (no times are asserted)
ORDER = """(stages) => {
  const chat = document.querySelector('#na-chat');
  const seen = window.__naOrder = [];
  new MutationObserver(() => {
    for (const [name, selector] of Object.entries(stages))
      if (!seen.includes(name) && chat.querySelector(selector)) seen.push(name);
  }).observe(chat, {subtree: true, childList: true, characterData: true});
}"""
STAGES = {"reading": ".na-reading .na-passage", "found": ".na-found-quote", "answer": ".na-meta"}
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
    """The app with the default settings (bundled Qwen2.5 1.5B) on a free loopback port,
    reading the checkout's seeds (nothing here writes to the folder; the store is the
    test's own), so the screenshot names the folder a reader has."""
    from assistant.core import Assistant
    from assistant.ui.app import launch

    port = free_port()
    assistant = Assistant(make_settings(source_dir=SEEDS, ui_port=port))
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
    page = browser.new_page(viewport=VIEWPORT)
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

    # 1. the question: the passages being read, then the quotes chosen, then the answer
    page.evaluate(ORDER, STAGES)
    box.fill(QUESTION)
    box.press("Enter")
    expect(chat).to_contain_text(QUESTION)
    reading = chat.locator(".na-reading")
    reading.wait_for(timeout=ANSWER_TIMEOUT_MS)
    expect(reading).to_contain_text("not an answer yet")
    assert 1 <= reading.locator(".na-passage").count() <= 3
    expect(chat.locator(".na-meta")).to_have_count(0)  # a passage shows before the answer

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
    assert page.evaluate("() => window.__naOrder") == ["reading", "found", "answer"]
    expect(chat.locator(".na-reading")).to_have_count(0)  # replaced by the answer
    expect(first).to_contain_text("on this machine")  # which backend answered
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
    expect(chat.locator(".na-searched")).to_have_count(0)
    take_screenshot(page, screenshot_path(tmp_path))
    more = source.locator("details")
    more.locator("summary").click()
    expect(more.locator(".na-context")).to_be_visible()

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

    # 3. an abstention says why, and shows the closest passages as not an answer
    page.locator("#na-clear").click()
    expect(chat.locator(".na-meta")).to_have_count(0)
    box.fill(OFF_TOPIC)
    box.press("Enter")
    chat.locator(".na-meta").first.wait_for(timeout=ANSWER_TIMEOUT_MS)
    expect(chat.locator(".na-why")).to_contain_text("Nothing in the articles comes close")
    closest = chat.locator(".na-closest")
    expect(closest).to_contain_text("not an answer")
    assert closest.locator(".na-file").count() >= 2 and chat.locator(".na-sources").count() == 0

    # 4. the conversation since Clear, downloaded as Markdown
    saved = download(page, until=OFF_TOPIC)
    assert "The articles don't say." in saved and "*Why:* Nothing in the articles" in saved
    assert "Closest passages (not an answer):" in saved and QUESTION not in saved
    assert offsite == []  # fonts, scripts and styles all came from the app


def take_screenshot(page: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000


def download(page: Any, until: str, tries: int = 10) -> str:
    """The download button's file, once it holds `until` (it is refreshed after each
    answer, just after the answer shows)."""
    from playwright.sync_api import expect

    button = page.locator("#na-download")
    expect(button).to_be_enabled()
    text = ""
    for _ in range(tries):
        with page.expect_download() as info:
            button.click()
        text = Path(info.value.path()).read_text(encoding="utf-8")
        if until in text:
            return text
        page.wait_for_timeout(500)
    raise AssertionError(f"the download never held {until!r}:\n{text}")
