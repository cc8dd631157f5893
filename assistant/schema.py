"""The types the parts pass each other, and what `ask()` returns.

Why one module: the ingest side, the answer stages, the LLM backends and the UI
all speak of chunks, evidence, citations and chat messages; defined here once,
none of them has to import another's code for a type. The answer types are
plain pydantic models, so an answer prints as JSON (`assistant ask --json`) and
reads back unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

from assistant.lexicon import DAY_NAMES

ABSTAIN_TEXT = "The articles don't say."

Message = dict[str, str]  # a chat turn: {"role": "user" | "assistant" | "system", "content": ...}

TYPED_LEAST = 0.04  # a sentence the model gave this much can join for the answer type


@dataclass(frozen=True)
class Thresholds:
    """The decision rule's thresholds (settings, fitted on the eval's dev split)."""

    select: float  # lowest probability of the picked sentence that answers
    none: float  # highest probability of "no sentence answers" that still answers
    coverage: float  # lowest share of the question's names and numbers in the evidence
    typed: float = TYPED_LEAST  # lowest probability of a sentence that joins for the answer type


class DateNote(BaseModel):
    """A relative date expression of an article ("on Thursday") and the date it means."""

    start: int = Field(description="Offsets of the expression in its file.")
    end: int
    expression: str = Field(description="Verbatim: the file's text[start:end].")
    reading: str = Field(
        description="For a reader: 'Thursday, May 18, 2023', '24th, the article gives no month'."
    )
    iso: str | None = Field(
        None, description="YYYY-MM-DD (day), YYYY-MM (month) or YYYY, when known."
    )
    note: str = Field("", description="What the resolution rests on, when it is less than certain.")

    @property
    def calendar(self) -> str:
        """The reading without its weekday: "Thursday, May 18, 2023" -> "May 18, 2023"."""
        weekday, _, rest = self.reading.partition(", ")
        return rest if weekday in DAY_NAMES and rest else self.reading


def dates_said(notes: list[DateNote]) -> str:
    """'“on Thursday” is May 18, 2023; “on the 24th” is 24th, the article gives no month'."""
    said = []
    for n in notes:
        expression = " ".join(n.expression.split())
        twice = n.reading.split(",")[0] in expression  # not "“on Thursday” is Thursday, ..."
        reading = n.calendar if twice else n.reading
        said.append(f"“{expression}” is {reading}" + (f" ({n.note})" if n.note and n.iso else ""))
    return "; ".join(said)


class Citation(BaseModel):
    number: int = Field(description="The [n] marker in the answer text.")
    source: str = Field(description="Article file, relative to the corpus folder.")
    quote: str = Field(description="Verbatim text of the file: text[start:end] == quote.")
    start: int
    end: int
    title: str | None = None
    date: str | None = None
    date_basis: str = ""  # the article's date and where it came from
    dates: list[DateNote] = Field(default=[], description="Relative dates inside `text`, resolved.")
    url: str | None = Field(None, description="The address the article was fetched from.")
    also_published_by: list[str] = Field(
        default=[], description="Sites (or files) of the story's other copies, not cited."
    )


class RetrievedChunk(BaseModel):
    id: str
    source: str
    start: int
    end: int
    text: str
    title: str | None = None
    date: str | None = None
    date_basis: str = ""  # the article's date and where it came from
    dates: list[DateNote] = Field(default=[], description="Relative dates inside `text`, resolved.")
    score: float = Field(description="Fused retrieval score (higher is better).")
    similarity: float | None = Field(
        None, description="Cosine similarity to the question, when the vector search found it."
    )
    vector_rank: int | None = None
    bm25_rank: int | None = None


class Evidence(BaseModel):
    """A sentence (or a pronoun sentence with the one before it) the model could cite."""

    source: str
    start: int
    end: int
    text: str = Field(description="Verbatim: the file's text[start:end].")
    title: str | None = None
    date: str | None = None
    date_basis: str = ""  # the article's date and where it came from
    dates: list[DateNote] = Field(default=[], description="Relative dates inside `text`, resolved.")
    chunk_rank: int = Field(1, description="Rank of the retrieved chunk it came from.")
    relevance: float = Field(0.0, description="Closeness to the question (cosine + overlap).")
    probability: float = Field(
        0.0, description="The selector's probability that this sentence answers the question."
    )

    @property
    def key(self) -> tuple[str, int]:
        """Which sentence of which file: the same for every copy made of it."""
        return (self.source, self.start)


class Decision(BaseModel):
    """Answer or abstain, decided in code from scores, with the numbers that decided it."""

    answer: bool
    reason: str = Field(description="Why, in a few words.")
    signals: dict[str, float] = Field(
        default={}, description="The scores the rule read (selection, relevance, coverage)."
    )
    margin: float = Field(
        0.0, description="Distance of the deciding score from its threshold (small = fragile)."
    )


class Timings(BaseModel):
    started_at: float = 0.0  # Unix time the question arrived
    prompt_ready_s: float | None = None  # when the prompt went to the LLM (model loaded)
    rewrite_s: float = 0.0
    retrieval_s: float = 0.0
    ranked_s: float | None = None  # when the closest sentences were known (before the LLM)
    evidence_s: float | None = None  # when the chosen quotes were known
    first_token_s: float | None = None
    generation_s: float = 0.0
    citations_s: float = 0.0  # the citation check and the answer check
    check_s: float = 0.0  # the answer check alone (its role read is an LLM call)
    total_s: float = 0.0


class Usage(BaseModel):
    """Tokens of every LLM call an answer made, added up.

    For the local model `prompt_tokens` counts the tokens llama.cpp evaluated
    and `cached_tokens` those it took from its KV cache (a shared prefix costs
    nothing); a server reports its own prompt count.
    """

    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cached_tokens: int = 0
    calls: int = 0

    def add(
        self, prompt: int | None = None, completion: int | None = None, cached: int = 0
    ) -> None:
        self.calls += 1
        self.cached_tokens += cached
        if prompt is not None:
            self.prompt_tokens = (self.prompt_tokens or 0) + max(prompt, 0)
        if completion is not None:
            self.completion_tokens = (self.completion_tokens or 0) + max(completion, 0)


class Check(BaseModel):
    """What the answer check did (answering/check.py): kept the answer, moved its
    citation, answered with the quote itself, or abstained; and the model's score."""

    outcome: Literal["kept", "re-pointed", "quoted", "abstained"]
    says: float | None = Field(
        None,
        description="The model's probability that the cited sentence states the answer "
        "(the role read: that the answer's name is the one it gives).",
    )
    reason: str = ""


class Answer(BaseModel):
    question: str
    standalone_question: str = Field(
        description="The question actually searched for (a follow-up rewritten)."
    )
    text: str
    citations: list[Citation] = []
    abstained: bool = False
    chunks: list[RetrievedChunk] = Field(default=[], description="The retrieved chunks.")
    evidence: list[Evidence] = Field(
        default=[], description="The numbered sentences the LLM chose from, with its scores."
    )
    decision: Decision | None = None
    check: Check | None = Field(None, description="What the answer check did (check.py).")
    backend: str = Field(description="What answered: local (this machine) or openai (a server).")
    model: str
    server: str = Field(
        "", description="The local model's file, or the host of the server that answered."
    )
    prompt: str = Field(description="Prompt names and versions, e.g. select@1+phrase@2+condense@2.")
    timings: Timings = Timings()
    usage: Usage = Usage()
    raw_text: str = Field("", description="The LLM's output before citations were checked.")

    @property
    def sources(self) -> list[str]:
        """The files actually cited, in order of first citation."""
        return list(dict.fromkeys(c.source for c in self.citations))
