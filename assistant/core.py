"""The assistant: question in, checked and cited answer out.

`Assistant` wires the parts together with explicit objects (no LlamaIndex
global `Settings`): store, embedder and retriever at start-up, the LLM on first
use. `ask()` reuses one default instance, so a second call loads nothing.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

from assistant.answer import (
    ABSTAIN_TEXT,
    Answer,
    Citation,
    Decision,
    Evidence,
    RetrievedChunk,
    Timings,
    Usage,
)
from assistant.citations import MARKER, CheckedStream
from assistant.corpus import text_reader
from assistant.decision import decide, typed_choice
from assistant.embeddings import build_embedder, fingerprint, token_counter
from assistant.errors import BadQuestion, StoreUnavailable
from assistant.evidence import rank_sentences, sentences_of
from assistant.ingest import IngestReport, ingest
from assistant.llm import ChatModel, Message, build_chat_model
from assistant.parts import question_parts
from assistant.phrasing import Phraser
from assistant.prompts import load_prompt
from assistant.retrieval import HybridRetriever
from assistant.selection import LLMSelector, Selection, Selector
from assistant.settings import Settings, load_settings
from assistant.store import ArticleStore

HISTORY_TURNS = 3
# a rewrite is used only if it reads as a question: "Where was ...?", not "It was held at ..."
_QUESTION = re.compile(
    r"^(?:.*\?\s*$|(?:what|where|when|who|whom|whose|which|why|how|did|does|do|is|are|was|"
    r"were|can|could|will|would|has|have|had|in|at|on|for|from|by|to|with)\b)",
    re.I | re.S,
)
REWRITE_TOKENS = 64
PART_CHUNKS = 2  # a multi-part question's chunks: top_k for the whole, and this many per part


class Found(list[Evidence]):
    """A `stream()` event: the chosen evidence, known before the answer is phrased."""


class Assistant:
    """validate -> rewrite -> retrieve -> select evidence -> decide -> phrase -> cite."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        chat_model: ChatModel | None = None,
        selector: Selector | None = None,
        progress: bool = False,
    ) -> None:
        self.settings = settings or load_settings()
        self.embedder = build_embedder(self.settings)
        self.count_tokens = token_counter(self.settings)
        self.store = ArticleStore(self.settings, fingerprint(self.settings))
        self.select_prompt = load_prompt(self.settings.select_prompt)
        self.part_prompt = load_prompt(self.settings.select_part_prompt)
        self.phrase_prompt = load_prompt(self.settings.phrase_prompt)
        self.condense_prompt = load_prompt(self.settings.condense_prompt)
        prompts = (self.select_prompt, self.part_prompt, self.phrase_prompt, self.condense_prompt)
        self.prompt_label = "+".join(p.label for p in prompts)
        self._chat = chat_model
        self._selector = selector
        self._chat_lock = threading.Lock()
        self.read_text = text_reader(self.settings.source_dir, self.settings.max_file_mb)
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

    @property
    def selector(self) -> Selector:
        """The evidence selector: the LLM's label scores unless another was given."""
        if self._selector is None:
            self._selector = LLMSelector(self.chat, self.select_prompt, self.part_prompt)
        return self._selector

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

    def stream(
        self, question: str, history: list[Message] | None = None
    ) -> Iterator[str | Found | Answer]:
        """Yield the chosen evidence (`Found`), then the answer's checked sentences as
        the model finishes each (never unchecked text), then the final `Answer`, whose
        text is what counts. An abstention yields its sentence and the `Answer`."""
        began = time.perf_counter()
        question = self.validate(question)
        timings = Timings(started_at=time.time())
        usage = Usage()
        s = self.settings

        standalone = question
        if history:
            standalone = self.rewrite(question, history, usage)
            timings.rewrite_s = time.perf_counter() - began

        mark = time.perf_counter()
        parts = question_parts(standalone)
        candidates = self.retriever.retrieve(standalone, top_k=s.candidates * 2)
        chunks = candidates[: s.top_k]
        for part in parts:  # each part's best chunks too, so no part is crowded out
            found = self.retriever.retrieve(part, top_k=s.candidates * 2)
            candidates += found
            ids = {c.id for c in chunks}
            chunks += [c for c in found[:PART_CHUNKS] if c.id not in ids]
        best = max((c.similarity for c in candidates if c.similarity is not None), default=-1.0)
        shown = self.gather(standalone, chunks, parts) if best >= s.min_relevance else []
        timings.retrieval_s = time.perf_counter() - mark

        selection: Selection | None = None
        if shown:
            timings.prompt_ready_s = time.perf_counter() - began
            selection = self.selector.select(standalone, shown, usage, parts)
            shown = selection.shown
            selection.chosen = typed_choice(standalone, selection.chosen, shown, s.thresholds.typed)
            retrieved = [c.text for c in chunks]
            decision = decide(standalone, retrieved, selection.chosen, selection.none, s.thresholds)
        else:
            decision = Decision(
                answer=False,
                reason="nothing relevant retrieved",
                signals={"similarity": round(best, 4)},
            )
        timings.evidence_s = time.perf_counter() - began

        def answer(text: str, citations: list[Citation], raw: str, abstained: bool) -> Answer:
            timings.total_s = time.perf_counter() - began
            chat = self._chat
            return Answer(
                question=question, standalone_question=standalone, text=text,
                citations=citations, abstained=abstained, chunks=chunks, evidence=shown,
                decision=decision,
                backend=chat.backend if chat else s.resolved_llm_backend,
                model=chat.model if chat else "", prompt=self.prompt_label,
                timings=timings, usage=usage, raw_text=raw,
            )  # fmt: skip

        if selection is None or not decision.answer:
            yield ABSTAIN_TEXT
            yield answer(ABSTAIN_TEXT, [], "", True)
            return

        yield Found(selection.chosen)
        mark = time.perf_counter()
        checking = CheckedStream(standalone, selection.chosen, shown, selection.part_picks)
        phraser = Phraser(self.chat, self.phrase_prompt, s.max_answer_tokens)
        for delta in phraser.phrase(selection.messages, selection.numbers, usage):
            if timings.first_token_s is None:
                timings.first_token_s = time.perf_counter() - began
            if piece := checking.feed(delta):
                yield piece
        timings.generation_s = time.perf_counter() - mark

        mark = time.perf_counter()
        rest, checked = checking.end()
        timings.citations_s = time.perf_counter() - mark
        if rest:
            yield rest
        yield answer(checked.text, checked.citations, checking.raw, False)

    def gather(
        self, question: str, chunks: list[RetrievedChunk], parts: Sequence[str] = ()
    ) -> list[Evidence]:
        """The retrieved chunks' sentences closest to the question (and to each of
        its parts), best first."""
        sentences = sentences_of(chunks, self.read_text)
        return rank_sentences(
            question, sentences, self.embedder.get_text_embedding_batch,
            self.settings.evidence_sentences, parts,
        )  # fmt: skip

    def validate(self, question: Any) -> str:
        return validate_question(question, self.settings.max_question_chars)

    def rewrite(self, question: str, history: list[Message], usage: Usage | None = None) -> str:
        """Rewrite a follow-up into a standalone question using the conversation."""
        turns = [m for m in history if m.get("role") in ("user", "assistant")]
        lines = []
        for message in turns[-2 * HISTORY_TURNS :]:
            content = " ".join(MARKER.sub("", str(message["content"])).split())[:400]
            lines.append(f"{'User' if message['role'] == 'user' else 'Assistant'}: {content}")
        if not lines:
            return question
        messages = self.condense_prompt.messages(history="\n".join(lines), question=question)
        rewritten = "".join(self.chat.stream(messages, REWRITE_TOKENS, usage or Usage())).strip()
        rewritten = rewritten.split("\n")[0].strip().strip('"').strip()
        if not _QUESTION.match(rewritten):  # the model answered instead of rewriting
            return question
        return rewritten if 3 <= len(rewritten) <= self.settings.max_question_chars else question


def validate_question(question: Any, limit: int) -> str:
    """The question stripped, or a `BadQuestion` that says what is wrong with it."""
    if not isinstance(question, str):
        raise BadQuestion("The question must be text.")
    question = question.strip()
    try:
        question.encode("utf-8")
    except UnicodeEncodeError:
        raise BadQuestion(
            "The question holds characters that are not valid text (broken UTF-8)."
        ) from None
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
