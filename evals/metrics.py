"""Deterministic scoring of the assistant's answers: no LLM judge, no I/O.

A question's expected facts are matched as substrings of the normalized answer,
citations against the expected files, abstentions against the question's kind.
`score_item` turns one `Answer` into an `ItemResult` that holds everything the
summary needs, so a summary can be recomputed from stored results alone (the
baseline comparison does that for any subset of items).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from assistant.dates import iso_formats
from assistant.schema import Answer, Citation

Kind = Literal["single", "multi", "unanswerable", "false_premise", "follow_up"]
Split = Literal["dev", "heldout"]
Summary = dict[str, float | int | None]

NOT_ANSWERABLE: frozenset[str] = frozenset({"unanswerable", "false_premise"})
HIT_KS = (1, 3, 5)
RETRIEVAL_DEPTH = 10

_CHARS = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2015": "-", "\u2212": "-", "\u00ad": "",
    }
)  # fmt: skip
_SPACE = re.compile(r"\s+")
_MARKERS = re.compile(r"\s*\[\d+\]")
_NEGATION = re.compile(
    r"\b(?:not|no|never|none|neither|nor|cannot|contrary|however|without)\b|n't\b"
)  # "without preconditions" answers "what preconditions did he set?"


class Question(BaseModel):
    """One item of questions.yaml (format in README_questions.md)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    question: str
    answerable: bool
    kind: Kind
    split: Split
    sources: list[str] = []
    facts: list[list[str]] = []
    follows: str | None = None
    date: bool = False  # a "when" question: counted in date accuracy
    # a trap item baits a fluent, cited, wrong answer (README_questions.md, "Trap items"):
    # role = the role is held by someone other than the names in the nearest sentence,
    # kind = an entity of the right topic but the wrong kind, neighbour = the asked
    # fund/office/date is not given while sentences about its neighbours are
    trap: Literal["role", "kind", "neighbour"] | None = None
    note: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        if self.answerable == (self.kind in NOT_ANSWERABLE):
            raise ValueError(f"{self.id}: answerable must be false exactly for {NOT_ANSWERABLE}")
        if (self.kind == "follow_up") != (self.follows is not None):
            raise ValueError(f"{self.id}: `follows` is set exactly for follow_up items")
        if self.answerable and not (self.facts and self.sources):
            raise ValueError(f"{self.id}: an answerable item needs facts and sources")
        return self

    def fingerprint(self) -> str:
        """Changes when anything that affects scoring changes (not the note)."""
        unset = ({"date"} if not self.date else set()) | ({"trap"} if not self.trap else set())
        scored = self.model_dump(exclude={"note"} | unset)
        return hashlib.sha256(json.dumps(scored, sort_keys=True).encode()).hexdigest()[:12]


class ItemResult(BaseModel):
    """One question's scores plus what is needed to read a failure."""

    id: str
    kind: Kind
    split: Split
    answerable: bool
    date: bool = False  # a "when" question (date accuracy)
    trap: str | None = None  # the error a trap item baits (Question.trap)
    question_hash: str
    question: str
    standalone_question: str
    answer: str
    raw_answer: str = ""  # what the model wrote, before the citation check
    abstained: bool
    cited_sources: list[str]
    # each citation as "[n] file:start-end": what `python -m evals.flips` compares
    quotes: list[str] = []
    facts_expected: int
    facts_found: int
    facts_supported: int = 0  # found facts that a cited quote also contains
    missing_facts: list[str] = []
    sources_expected: int
    sources_cited: int  # expected files that were cited
    citations: int
    citations_on_expected: int
    invalid_quotes: int
    abstention_correct: bool | None = None  # not-answerable items only
    premise_rejected: bool = False  # false_premise answered with a cited correction
    retrieval_rank: int | None = None  # 1-based rank of the first chunk from an expected file
    retrieved_sources: list[str] = []
    total_s: float
    first_token_s: float | None = None
    evidence_s: float | None = None  # when the decision and the chosen quotes were known
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cached_tokens: int = 0  # prompt tokens the local model took from its KV cache (not counted)
    decision: dict[str, Any] | None = None  # the answer-or-abstain signals and margin
    check: str | None = None  # what the answer check did (Check.outcome); None: not reached
    says: float | None = None  # the check's P(yes) that the cited sentence states the answer

    @property
    def wrong_but_cited(self) -> bool:
        """Cites, and is wrong: states no expected fact of an answerable item, or cites
        anything for a not-answerable one (a cited correction of a false premise is
        right). The worst error for this product: it looks checked."""
        if self.abstained or not self.citations:
            return False
        if self.answerable:
            return self.facts_found == 0
        return not self.abstention_correct

    @property
    def ok(self) -> bool:
        """Answerable: every fact found and no abstention; otherwise: handled correctly."""
        if self.answerable:
            return not self.abstained and self.facts_found == self.facts_expected
        return bool(self.abstention_correct)


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: Literal["rate", "score", "seconds", "tokens"]
    better: Literal["higher", "lower"] | None
    denominator: str  # summary count: one question's worth is 1 / that count


METRICS: tuple[Metric, ...] = (
    Metric("fact_recall", "fact recall", "rate", "higher", "n_answerable"),
    Metric("source_recall", "source recall", "rate", "higher", "n_answerable"),
    Metric("citation_precision", "citation precision", "rate", "higher", "n_citations"),
    Metric("fact_supported", "fact supported by a cited quote", "rate", "higher", "n_facts_found"),
    Metric("date_accuracy", "date accuracy", "rate", "higher", "n_date"),
    Metric("quote_validity", "quote validity", "rate", "higher", "n_citations"),
    Metric("abstention_rate", "abstention rate", "rate", "higher", "n_not_answerable"),
    Metric("unanswerable_abstained", "unanswerable abstained", "rate", "higher", "n_unanswerable"),
    Metric("false_premise_handled", "false premise handled", "rate", "higher", "n_false_premise"),
    Metric("false_refusal_rate", "false refusal rate", "rate", "lower", "n_answerable"),
    Metric("wrong_but_cited", "wrong but cited", "rate", "lower", "n_items"),
    Metric("wrong_but_cited_traps", "wrong but cited, trap items", "rate", "lower", "n_traps"),
    *(Metric(f"hit@{k}", f"retrieval hit@{k}", "rate", "higher", "n_answerable") for k in HIT_KS),
    Metric("mrr", "retrieval MRR", "score", "higher", "n_answerable"),
    Metric("latency_median_s", "latency median", "seconds", "lower", "n_items"),
    Metric("latency_p95_s", "latency p95", "seconds", "lower", "n_items"),
    Metric("evidence_median_s", "time to evidence median", "seconds", "lower", "n_items"),
    Metric("first_token_median_s", "first token median", "seconds", "lower", "n_items"),
    Metric("prompt_tokens_mean", "prompt tokens mean", "tokens", None, "n_items"),
    Metric("completion_tokens_mean", "completion tokens mean", "tokens", None, "n_items"),
    Metric("cached_tokens_mean", "cached prompt tokens mean", "tokens", None, "n_items"),
)
COUNTS = (
    "n_items", "n_answerable", "n_not_answerable", "n_unanswerable", "n_false_premise",
    "n_citations", "n_facts_found", "n_date", "n_traps",
)  # fmt: skip


def normalize(text: str) -> str:
    """Lowercase; straight quotes and hyphens for curly ones and dashes; one space per gap."""
    return _SPACE.sub(" ", text.translate(_CHARS).lower())


def answer_for_matching(text: str) -> str:
    """The answer without [n] markers, normalized and padded so " AI" matches at the start."""
    return f" {normalize(_MARKERS.sub('', text)).strip()} "


def found_facts(text: str, facts: Sequence[Sequence[str]]) -> list[bool]:
    """For each fact: is any of its phrasings a substring of the normalized answer?"""
    haystack = answer_for_matching(text)
    return [any(normalize(p) in haystack for p in phrasings) for phrasings in facts]


def supported_facts(text: str, facts: Sequence[Sequence[str]], quotes: Sequence[str]) -> list[bool]:
    """For each fact the answer states: does one of its cited quotes contain it too?"""
    stated = found_facts(text, facts)
    haystacks = [answer_for_matching(q) for q in quotes]
    return [
        ok and any(normalize(p) in h for p in phrasings for h in haystacks)
        for ok, phrasings in zip(stated, facts, strict=True)
    ]


def cited_text(citation: Citation) -> str:
    """The quote, plus every way of writing the dates it resolves ("on Thursday" in the
    quote supports "May 18, 2023" in the answer) and the cited article's own date (the
    citation names the article, whose header states it)."""
    written = [n.reading for n in citation.dates]
    for iso in [*(n.iso for n in citation.dates), citation.date]:
        written += iso_formats(iso)
    return " ".join([citation.quote, *written])


def rejects_premise(text: str, valid_citations: int) -> bool:
    """A correction of a false premise: a negation, backed by at least one valid citation."""
    return valid_citations > 0 and bool(_NEGATION.search(answer_for_matching(text)))


def first_hit_rank(retrieved: Sequence[str], expected: Sequence[str]) -> int | None:
    """1-based rank of the first retrieved chunk that comes from an expected file."""
    return next((i for i, source in enumerate(retrieved, 1) if source in expected), None)


def rate(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..100), like numpy's default."""
    if not values:
        return None
    ordered = sorted(values)
    at = (len(ordered) - 1) * q / 100
    low, high = math.floor(at), math.ceil(at)
    return ordered[low] + (ordered[high] - ordered[low]) * (at - low)


def score_item(
    question: Question,
    answer: Answer,
    invalid: Sequence[Citation],
    retrieved: Sequence[str],
) -> ItemResult:
    """Score one answer. `invalid`: its citations whose quote is not the file's text;
    `retrieved`: sources of the retrieved chunks, best first (for hit@k and MRR)."""
    found = found_facts(answer.text, question.facts)
    cited = answer.sources
    expected = question.sources
    valid = len(answer.citations) - len(invalid)
    rejected = (
        question.kind == "false_premise"
        and not answer.abstained
        and rejects_premise(answer.text, valid)
    )
    abstention_correct = None
    if not question.answerable:
        abstention_correct = (answer.abstained and not answer.citations) or rejected
    return ItemResult(
        id=question.id,
        kind=question.kind,
        split=question.split,
        answerable=question.answerable,
        date=question.date,
        trap=question.trap,
        question_hash=question.fingerprint(),
        question=question.question,
        standalone_question=answer.standalone_question,
        answer=answer.text,
        raw_answer=answer.raw_text,
        abstained=answer.abstained,
        cited_sources=cited,
        quotes=[f"[{c.number}] {c.source}:{c.start}-{c.end}" for c in answer.citations],
        facts_expected=len(question.facts),
        facts_found=sum(found),
        facts_supported=sum(
            supported_facts(answer.text, question.facts, [cited_text(c) for c in answer.citations])
        ),
        missing_facts=[f[0] for f, ok in zip(question.facts, found, strict=True) if not ok],
        sources_expected=len(expected),
        sources_cited=len(set(cited) & set(expected)),
        citations=len(answer.citations),
        citations_on_expected=sum(c.source in expected for c in answer.citations),
        invalid_quotes=len(invalid),
        abstention_correct=abstention_correct,
        premise_rejected=rejected,
        retrieval_rank=first_hit_rank(retrieved, expected) if question.answerable else None,
        retrieved_sources=list(retrieved[: max(HIT_KS)]) if question.answerable else [],
        total_s=answer.timings.total_s,
        first_token_s=answer.timings.first_token_s,
        evidence_s=answer.timings.evidence_s,
        prompt_tokens=answer.usage.prompt_tokens,
        completion_tokens=answer.usage.completion_tokens,
        cached_tokens=answer.usage.cached_tokens,
        decision=answer.decision.model_dump() if answer.decision else None,
        check=answer.check.outcome if answer.check else None,
        says=answer.check.says if answer.check else None,
    )


def summarize(items: Sequence[ItemResult]) -> Summary:
    """Every metric of `METRICS` (None when its denominator is 0) plus the counts."""
    answerable = [i for i in items if i.answerable]
    others = [i for i in items if not i.answerable]
    unanswerable = [i for i in others if i.kind == "unanswerable"]
    premises = [i for i in others if i.kind == "false_premise"]
    scored = [i for i in answerable if i.facts_expected]
    dated = [i for i in items if i.date]
    traps = [i for i in items if i.trap]
    on_answerable = sum(i.citations for i in answerable)
    citations = sum(i.citations for i in items)
    ranks = [i.retrieval_rank for i in answerable]
    summary: Summary = {
        "n_items": len(items),
        "n_answerable": len(answerable),
        "n_not_answerable": len(others),
        "n_unanswerable": len(unanswerable),
        "n_false_premise": len(premises),
        "n_citations": citations,
        "n_facts_found": sum(i.facts_found for i in answerable),
        "n_date": len(dated),
        "n_traps": len(traps),
        "date_accuracy": rate(sum(i.ok for i in dated), len(dated)),
        "fact_recall": mean([i.facts_found / i.facts_expected for i in scored]),
        "source_recall": mean(
            [i.sources_cited / i.sources_expected for i in answerable if i.sources_expected]
        ),
        "citation_precision": rate(sum(i.citations_on_expected for i in answerable), on_answerable),
        "fact_supported": rate(
            sum(i.facts_supported for i in answerable), sum(i.facts_found for i in answerable)
        ),
        "quote_validity": rate(citations - sum(i.invalid_quotes for i in items), citations),
        "abstention_rate": rate(sum(bool(i.abstention_correct) for i in others), len(others)),
        "unanswerable_abstained": rate(
            sum(bool(i.abstention_correct) for i in unanswerable), len(unanswerable)
        ),
        "false_premise_handled": rate(
            sum(bool(i.abstention_correct) for i in premises), len(premises)
        ),
        "false_refusal_rate": rate(sum(i.abstained for i in answerable), len(answerable)),
        "wrong_but_cited": rate(sum(i.wrong_but_cited for i in items), len(items)),
        "wrong_but_cited_traps": rate(sum(i.wrong_but_cited for i in traps), len(traps)),
    }
    for k in HIT_KS:
        summary[f"hit@{k}"] = rate(sum(r is not None and r <= k for r in ranks), len(ranks))
    summary["mrr"] = mean([1 / r if r else 0.0 for r in ranks])
    totals = [i.total_s for i in items]
    summary["latency_median_s"] = percentile(totals, 50)
    summary["latency_p95_s"] = percentile(totals, 95)
    summary["evidence_median_s"] = percentile(
        [i.evidence_s for i in items if i.evidence_s is not None], 50
    )
    summary["first_token_median_s"] = percentile(
        [i.first_token_s for i in items if i.first_token_s is not None], 50
    )
    summary["prompt_tokens_mean"] = mean(
        [i.prompt_tokens for i in items if i.prompt_tokens is not None]
    )
    summary["completion_tokens_mean"] = mean(
        [i.completion_tokens for i in items if i.completion_tokens is not None]
    )
    summary["cached_tokens_mean"] = mean([i.cached_tokens for i in items])
    return summary
