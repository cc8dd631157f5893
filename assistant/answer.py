"""What `ask()` returns: the answer, its checked citations and how it was made.

Plain pydantic models, so an answer prints as JSON (`assistant ask --json`) and
reads back unchanged.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

ABSTAIN_TEXT = "The articles don't say."


class Citation(BaseModel):
    number: int = Field(description="The [n] marker in the answer text.")
    source: str = Field(description="Article file, relative to the corpus folder.")
    quote: str = Field(description="Verbatim text of the file: text[start:end] == quote.")
    start: int
    end: int
    title: str | None = None
    date: str | None = None


class RetrievedChunk(BaseModel):
    id: str
    source: str
    start: int
    end: int
    text: str
    title: str | None = None
    date: str | None = None
    score: float = Field(description="Fused retrieval score (higher is better).")
    similarity: float | None = Field(
        None, description="Cosine similarity to the question, when the vector search found it."
    )
    vector_rank: int | None = None
    bm25_rank: int | None = None


class Timings(BaseModel):
    started_at: float = 0.0  # Unix time the question arrived
    prompt_ready_s: float | None = None  # when the prompt went to the LLM (model loaded)
    rewrite_s: float = 0.0
    retrieval_s: float = 0.0
    first_token_s: float | None = None
    generation_s: float = 0.0
    citations_s: float = 0.0
    total_s: float = 0.0


class Usage(BaseModel):
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


class Answer(BaseModel):
    question: str
    standalone_question: str = Field(
        description="The question actually searched for (a follow-up rewritten)."
    )
    text: str
    citations: list[Citation] = []
    abstained: bool = False
    chunks: list[RetrievedChunk] = Field(default=[], description="What the LLM was shown.")
    backend: str
    model: str
    prompt: str = Field(description="Prompt name and version, e.g. answer@3.")
    timings: Timings = Timings()
    usage: Usage = Usage()
    raw_text: str = Field("", description="The LLM's output before citations were checked.")

    @property
    def sources(self) -> list[str]:
        """The files actually cited, in order of first citation."""
        return list(dict.fromkeys(c.source for c in self.citations))
