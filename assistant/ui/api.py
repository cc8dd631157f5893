"""What the UI's documented `/ask` endpoint returns: plain JSON, one dict per stage.

Why its own module: `/ask` is the contract other programs build on (and the
concurrency and UI benchmarks measure), so its documentation (`ASK_API`, shown
under "Use via API") and the functions that make each output sit side by side,
apart from the page's handlers. Every quote is the article's own text[start:end].
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assistant.answering.explain import closest, why
from assistant.schema import Answer, Evidence

READING = 3  # passages shown (and sent) while the model reads

ASK_API = """Answer one question from the articles (no conversation), as JSON.

Streams up to three outputs; `predict()` returns the last. First, about a second in,
once retrieval has ranked the sentences and before the model has read them:
`{"stage": "ranked", "question", "passages": [{"file", "quote", "start", "end", "title",
"date", "relevance"}]}`, the closest three, best first (what is being read, not an
answer; none when nothing in the articles comes close). Then, once the model has chosen
its evidence: `{"stage": "evidence", "question", "evidence": [{"file", "quote", "start",
"end", "title", "date", "probability"}]}` (none when the assistant abstains before
choosing). Last: `{"stage": "answer", "question", "text", "abstained", "reason",
"citations": [{"number", "file", "quote", "start", "end", "title", "date", "url",
"also_published_by"}], "backend",
"model", "server", "timings": {"ranked_s", "evidence_s", "first_token_s", "total_s",
...}}`; `reason` is one plain line on why it abstained ("" for an answer), and an
abstention adds `"closest"`: the two or three passages it came closest with (`file`,
`quote`, `start`, `end`, `title`, `date`), which are not an answer. Every quote is the
article's text[start:end]. A bad question or an unreachable LLM is an error."""


def passage_json(e: Evidence, score: str | None = None) -> dict[str, Any]:
    """A passage as the endpoint gives it, with one of its scores when named."""
    passage: dict[str, Any] = {
        "file": e.source, "quote": e.text, "start": e.start, "end": e.end,
        "title": e.title, "date": e.date,
    }  # fmt: skip
    if score is not None:
        passage[score] = getattr(e, score)
    return passage


def ranked_json(question: str, ranked: Sequence[Evidence]) -> dict[str, Any]:
    """The first output: the closest sentences, before the model has read them."""
    passages = [passage_json(e, "relevance") for e in ranked[:READING]]
    return {"stage": "ranked", "question": question.strip(), "passages": passages}


def evidence_json(question: str, found: Sequence[Evidence]) -> dict[str, Any]:
    """The second output: the sentences chosen to answer from."""
    evidence = [passage_json(e, "probability") for e in found]
    return {"stage": "evidence", "question": question.strip(), "evidence": evidence}


def answer_json(answer: Answer) -> dict[str, Any]:
    """The last output: the checked answer, its citations, why it abstained, what made it."""
    citations = [
        {
            "number": c.number, "file": c.source, "quote": c.quote, "start": c.start,
            "end": c.end, "title": c.title, "date": c.date,
            "url": c.url, "also_published_by": c.also_published_by,
        }
        for c in answer.citations
    ]  # fmt: skip
    result: dict[str, Any] = {
        "stage": "answer",
        "question": answer.question,
        "text": answer.text,
        "abstained": answer.abstained,
        "reason": why(answer),
        "citations": citations,
        "backend": answer.backend,
        "model": answer.model,
        "server": answer.server,
        "timings": answer.timings.model_dump(),
    }
    if answer.abstained:
        result["closest"] = [passage_json(e) for e in closest(answer)]
    return result
