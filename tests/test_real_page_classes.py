"""The failure classes seen on real news pages (issue 33), each on a page written here.

Real saved pages (evals/pages) showed the engine: refusing a sentence that states the
answer outright, quoting a sentence that answers something else ("a judge" for "What is
the judge's name?"), giving a figure of the wrong thing, and resolving dates against the
grammar ("was evicted in April" in a November article as the April after). Each test
builds a small page of its own, in the shape a browser saves, and checks the stage that
decides.
"""

from __future__ import annotations

from pathlib import Path

from assistant.answering.check import LLMAnswerCheck
from assistant.answering.citations import cite
from assistant.answering.question import Question
from assistant.answering.selection import Selection
from assistant.ingest.corpus import load_corpus
from assistant.llm.prompts import load_prompt
from assistant.schema import Evidence, Usage

PAGE = """<!doctype html><html><head><title>{title} | Valley Courier</title>
<meta property="og:title" content="{title}">
<meta property="article:published_time" content="2019-11-19T08:00:00-05:00">
</head><body><nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>{title}</h1>{body}</article>
<footer>Subscribe to the Valley Courier newsletter.</footer></body></html>"""


def page(folder: Path, name: str, title: str, paragraphs: list[str]) -> Path:
    path = folder / name
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    path.write_text(PAGE.format(title=title, body=body), encoding="utf-8")
    return path


def article(tmp_path: Path, paragraphs: list[str]) -> tuple[str, list]:
    """The extracted text of a one-page folder, and its resolved date notes."""
    page(tmp_path, "story.html", "Family evicted from Elm Street home", paragraphs)
    articles, skipped = load_corpus(tmp_path)
    assert not skipped and len(articles) == 1
    return articles[0].text, list(articles[0].dates)


# --- dates resolved with the grammar ---------------------------------------------------


def test_a_past_tense_month_on_a_page_is_the_month_before_the_article(tmp_path: Path) -> None:
    text, notes = article(
        tmp_path,
        [
            "The 48-year-old mother of three was evicted in April after the landlord sold "
            "the building, court records show.",
            "A hearing on her appeal is expected in April, her lawyer said.",
        ],
    )
    readings = {(n.expression, n.iso) for n in notes}
    assert ("in April", "2019-04") in readings  # evicted: the April before 19 November 2019
    assert ("in April", "2020-04") in readings  # a hearing expected: the April after


def test_a_weekday_with_an_explicit_date_takes_that_date(tmp_path: Path) -> None:
    text, notes = article(
        tmp_path,
        [
            "Tickets for the benefit concert go on sale Friday, Dec. 6 at the box office.",
            "The band played its last show here on Saturday.",
        ],
    )
    by_expression = {n.expression: n.iso for n in notes}
    assert by_expression["Friday, Dec. 6"] == "2019-12-06"  # not the Friday before the article
    assert by_expression["on Saturday"] == "2019-11-16"


# --- a quoted sentence passes the same kind check as a phrased claim -------------------

JUDGE = "A judge ordered the family's belongings returned by the end of the month."
LAWYER = "Her lawyer, Dana Whitfield, said the family would appeal."


def quoted_answer(question: str, sentences: list[str], reply: str) -> tuple[str, str]:
    """The checked answer's outcome and reason when the phrasing fell back to the quote."""
    shown, at = [], 0
    for text in sentences:
        shown.append(Evidence(source="story.html", start=at, end=at + len(text), text=text))
        at += len(text) + 1
    chosen = [shown[0].model_copy(update={"probability": 0.9})]
    q = Question.parse(question)
    checked = cite(reply, q, chosen, shown)
    selection = Selection(shown=shown, chosen=chosen, none=0.0, how="fake")
    checker = LLMAnswerCheck(None, load_prompt("check"), 0.0, load_prompt("check_role"))  # type: ignore[arg-type]
    result, check = checker.check(q, selection, checked, [], Usage())
    return check.outcome, check.reason


def test_a_quoted_sentence_without_the_asked_name_abstains() -> None:
    # the phrasing says nothing the quote carries, so the answer falls back to the quote
    outcome, reason = quoted_answer(
        "What is the name of the judge who ordered the belongings returned?",
        [JUDGE, LAWYER],
        "The articles do not say.",
    )
    assert outcome == "abstained"
    assert "names no name" in reason


def test_a_quoted_sentence_with_the_asked_name_is_kept() -> None:
    outcome, _ = quoted_answer(
        "What is the name of the family's lawyer?", [LAWYER, JUDGE], "The articles do not say."
    )
    assert outcome == "quoted"


# --- a figure bound to the thing asked about -------------------------------------------

BRIDGE = (
    "The Millbrook bridge is now expected to cost $812 million, up from an original "
    "estimate of about $660 million, county engineers said."
)


class Picking:
    """The role read's scores: all on the option that holds `wanted` (0 if none does)."""

    backend, model = "fake", "picking"

    def __init__(self, wanted: str) -> None:
        self.wanted = wanted
        self.options: list[str] = []

    def label_scores(self, messages, labels, usage, prefill=""):  # type: ignore[no-untyped-def]
        import re

        from assistant.llm import Scores

        self.options = re.findall(r"^[1-9]\d*\. (.+)$", messages[-1]["content"], re.M)
        hit = next((str(i) for i, o in enumerate(self.options, 1) if self.wanted in o), "0")
        return Scores({label: float(label == hit) for label in labels}, "fake")


def figure_check(question: str, reply: str, wanted: str) -> tuple[str, str, list[str]]:
    bridge = Evidence(source="bridge.html", start=0, end=len(BRIDGE), text=BRIDGE, probability=0.9)
    q = Question.parse(question)
    checked = cite(reply, q, [bridge], [bridge])
    chat = Picking(wanted)
    checker = LLMAnswerCheck(chat, load_prompt("check"), 0.0, load_prompt("check_role"))  # type: ignore[arg-type]
    selection = Selection(shown=[bridge], chosen=[bridge], none=0.0, how="fake")
    result, check = checker.check(q, selection, checked, [], Usage())
    return check.outcome, result.text, chat.options


def test_the_figure_the_model_binds_to_the_question_replaces_the_other() -> None:
    asked = "How much was the original estimate for the Millbrook bridge?"
    outcome, text, options = figure_check(asked, "It is expected to cost $812 million.", "original")
    # each figure is shown with the words that say what it is
    assert options == [
        "is now expected to cost $812 million",
        "an original estimate of about $660 million",
    ]
    assert outcome == "quoted" and "$660 million" in text  # the sentence, not the wrong figure
    kept, text, _ = figure_check(asked, "The original estimate was $660 million.", "original")
    assert kept == "kept" and text.startswith("The original estimate was $660 million")


def test_one_figure_is_not_read_again() -> None:
    outcome, _, options = figure_check(
        "How much is the Millbrook bridge expected to cost now?", "$812 million.", "812"
    )
    assert outcome == "kept"  # two figures, and the claim's is the one picked
    assert len(options) == 2
