"""The assistant: question in, checked and cited answer out.

`Assistant` wires the parts together with explicit objects (no LlamaIndex
global `Settings`): store, embedder and retriever at start-up, the LLM on first
use. `ask()` reuses one default instance, so a second call loads nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

from assistant.offline import go_offline

go_offline()

from assistant.answer import ABSTAIN_TEXT, Answer, Timings, Usage  # noqa: E402
from assistant.citations import MARKER, check, lexical_scorer  # noqa: E402
from assistant.corpus import text_reader  # noqa: E402
from assistant.embeddings import build_embedder, fingerprint, token_counter  # noqa: E402
from assistant.errors import BadQuestion, StoreUnavailable  # noqa: E402
from assistant.ingest import IngestReport, ingest  # noqa: E402
from assistant.llm import ChatModel, Message, build_chat_model  # noqa: E402
from assistant.prompts import load_prompt  # noqa: E402
from assistant.retrieval import HybridRetriever  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.store import ArticleStore  # noqa: E402

HISTORY_TURNS = 3
REWRITE_TOKENS = 64


class Assistant:
    def __init__(
        self,
        settings: Settings | None = None,
        *,
        chat_model: ChatModel | None = None,
        progress: bool = False,
    ) -> None:
        self.settings = settings or Settings()
        self.embedder = build_embedder(self.settings)
        self.count_tokens = token_counter(self.settings)
        self.store = ArticleStore(self.settings, fingerprint(self.settings))
        self.answer_prompt = load_prompt(self.settings.answer_prompt)
        self.condense_prompt = load_prompt(self.settings.condense_prompt)
        self._chat = chat_model
        self._chat_lock = threading.Lock()
        self.last_ingest: IngestReport | None = None
        if self.store.count() == 0 or self.store.stale:
            if not self.settings.auto_ingest:
                raise StoreUnavailable(
                    f"{self.store.where} is empty or was built with other settings: "
                    "run `assistant ingest` first."
                )
            self.last_ingest = ingest(
                self.settings, self.store, self.embedder, self.count_tokens, progress
            )
        self.retriever = HybridRetriever(self.store, self.embedder, self.settings)

    @property
    def chat(self) -> ChatModel:
        """The LLM, loaded on first use (ingest alone never loads it)."""
        with self._chat_lock:
            if self._chat is None:
                self._chat = build_chat_model(self.settings)
            return self._chat

    def ingest(self, progress: bool = True) -> IngestReport:
        report = ingest(self.settings, self.store, self.embedder, self.count_tokens, progress)
        if report.changed or report.rebuilt:
            self.retriever.refresh()
        self.last_ingest = report
        return report

    def ask(self, question: str, history: list[Message] | None = None) -> Answer:
        for event in self.stream(question, history):
            if isinstance(event, Answer):
                return event
        raise AssertionError("stream() ended without an answer")

    def stream(self, question: str, history: list[Message] | None = None) -> Iterator[str | Answer]:
        """Yield the raw answer text as the LLM writes it, then the checked `Answer`."""
        began = time.perf_counter()
        question = self.validate(question)
        timings = Timings(started_at=time.time())
        usage = Usage()

        standalone = question
        if history:
            standalone = self.rewrite(question, history)
            timings.rewrite_s = time.perf_counter() - began

        mark = time.perf_counter()
        candidates = self.retriever.retrieve(standalone, top_k=self.settings.candidates * 2)
        chunks = candidates[: self.settings.top_k]
        timings.retrieval_s = time.perf_counter() - mark
        best = max((c.similarity for c in candidates if c.similarity is not None), default=-1.0)

        raw = ""
        if chunks and best >= self.settings.min_relevance:
            excerpts = "\n".join(
                f"[{i}]{f' ({c.date})' if c.date else ''} {' '.join(c.text.split())}"
                for i, c in enumerate(chunks, start=1)
            )
            messages = self.answer_prompt.messages(
                abstain=ABSTAIN_TEXT, excerpts=excerpts, question=standalone
            )
            chat = self.chat
            mark = time.perf_counter()
            timings.prompt_ready_s = mark - began
            for delta in chat.stream(messages, self.settings.max_answer_tokens, usage):
                if timings.first_token_s is None:
                    timings.first_token_s = time.perf_counter() - began
                raw += delta
                yield delta
            timings.generation_s = time.perf_counter() - mark
        else:
            yield ABSTAIN_TEXT

        mark = time.perf_counter()
        checked = check(raw, chunks, text_reader(self.settings.source_dir), self.score)
        timings.citations_s = time.perf_counter() - mark
        timings.total_s = time.perf_counter() - began
        chat_info = self._chat
        yield Answer(
            question=question,
            standalone_question=standalone,
            text=checked.text,
            citations=checked.citations,
            abstained=checked.abstained,
            chunks=chunks,
            backend=chat_info.backend if chat_info else self.settings.resolved_llm_backend,
            model=chat_info.model if chat_info else "",
            prompt=self.answer_prompt.label,
            timings=timings,
            usage=usage,
            raw_text=raw,
        )

    def validate(self, question: Any) -> str:
        return validate_question(question, self.settings.max_question_chars)

    def rewrite(self, question: str, history: list[Message]) -> str:
        """Rewrite a follow-up into a standalone question using the conversation."""
        turns = [m for m in history if m.get("role") in ("user", "assistant")]
        lines = []
        for message in turns[-2 * HISTORY_TURNS :]:
            content = " ".join(MARKER.sub("", str(message["content"])).split())[:400]
            lines.append(f"{'User' if message['role'] == 'user' else 'Assistant'}: {content}")
        if not lines:
            return question
        messages = self.condense_prompt.messages(history="\n".join(lines), question=question)
        rewritten = "".join(self.chat.stream(messages, REWRITE_TOKENS, Usage())).strip()
        rewritten = rewritten.split("\n")[0].strip().strip('"').strip()
        return rewritten if 3 <= len(rewritten) <= self.settings.max_question_chars else question

    def score(self, claim: str, candidates: list[str]) -> list[float]:
        """Support of each candidate sentence for a claim: meaning plus shared words."""
        vectors = self.embedder.get_text_embedding_batch([claim, *candidates])
        lexical = lexical_scorer(claim, candidates)
        claim_vec = vectors[0]
        return [
            0.5 * sum(a * b for a, b in zip(claim_vec, vec, strict=True)) + 0.5 * lex
            for vec, lex in zip(vectors[1:], lexical, strict=True)
        ]


def validate_question(question: Any, limit: int) -> str:
    """The question stripped, or a `BadQuestion` that says what is wrong with it."""
    if not isinstance(question, str):
        raise BadQuestion("The question must be text.")
    question = question.strip()
    if not question:
        raise BadQuestion("The question is empty: ask something about the articles.")
    if len(question) > limit:
        raise BadQuestion(
            f"The question is {len(question)} characters long; the limit is {limit} "
            "(setting max_question_chars)."
        )
    return question


_default: Assistant | None = None
_default_lock = threading.Lock()


def default_assistant() -> Assistant:
    global _default
    with _default_lock:
        if _default is None:
            _default = Assistant()
        return _default


def ask(question: str, history: list[Message] | None = None) -> Answer:
    """Answer a question from the articles with the default settings (models load once)."""
    return default_assistant().ask(question, history)
