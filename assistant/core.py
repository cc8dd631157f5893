"""The assistant: question in, checked and cited answer out.

`Assistant` holds the stages of `assistant/answering/` as objects, LlamaIndex
style: a retriever, an evidence gatherer, a selector, a decider, a phraser and
a verifier (plus the rewriter for follow-ups). Each can be passed in; the
defaults are built from the settings, the ones that need the LLM on first use,
so an ingest alone never loads it. No LlamaIndex global `Settings`. `ask()`
reuses one default instance, so a second call loads nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from assistant.answering.check import AnswerChecker, LLMAnswerCheck
from assistant.answering.citations import Verifier
from assistant.answering.decision import Decider
from assistant.answering.evidence import EvidenceGatherer
from assistant.answering.phrasing import Phraser
from assistant.answering.question import Question
from assistant.answering.retrieval import HybridRetriever, Retrieved, Retriever
from assistant.answering.rewrite import Rewriter
from assistant.answering.selection import LLMSelector, Selection, Selector, selection_messages
from assistant.errors import BadQuestion, StoreUnavailable
from assistant.ingest.corpus import article_text, text_reader
from assistant.ingest.dedup import stories_of
from assistant.ingest.embeddings import build_embedder, fingerprint, token_counter
from assistant.ingest.rules import Limits
from assistant.ingest.store import ArticleStore, connect, server_errors, texts_dir, with_folder
from assistant.ingest.sync import IngestReport, ingest
from assistant.llm import ChatModel, build_chat_model
from assistant.llm.prompts import load_prompt
from assistant.schema import (
    ABSTAIN_TEXT,
    Answer,
    Check,
    Citation,
    Decision,
    Evidence,
    Message,
    Timings,
    Usage,
)
from assistant.settings import Settings, load_settings


class Ranked(list[Evidence]):
    """A `stream()` event: the sentences retrieval found closest to the question, best
    first, before the model has read them (what is being read, not an answer)."""


class Found(list[Evidence]):
    """A `stream()` event: the chosen evidence, known before the answer is phrased."""


@dataclass
class _Run:
    """One answer's clock, timings and token counts, as the stages report them."""

    began: float = field(default_factory=time.perf_counter)
    timings: Timings = field(default_factory=lambda: Timings(started_at=time.time()))
    usage: Usage = field(default_factory=Usage)

    def since(self, mark: float | None = None) -> float:
        return time.perf_counter() - (self.began if mark is None else mark)


class Assistant:
    """validate -> rewrite -> retrieve -> gather -> select -> decide -> phrase -> verify
    (cite, then check)."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        chat_model: ChatModel | None = None,
        retriever: Retriever | None = None,
        gatherer: EvidenceGatherer | None = None,
        selector: Selector | None = None,
        decider: Decider | None = None,
        phraser: Phraser | None = None,
        verifier: Verifier | None = None,
        rewriter: Rewriter | None = None,
        checker: AnswerChecker | None = None,
        progress: bool = False,
    ) -> None:
        self.settings = s = with_folder(settings or load_settings())
        self.embedder = build_embedder(s)
        self.count_tokens = token_counter(s)
        self.store = ArticleStore(s, fingerprint(s))
        self.select_prompt = load_prompt(s.select_prompt)
        self.part_prompt = load_prompt(s.select_part_prompt)
        self.phrase_prompt = load_prompt(s.phrase_prompt)
        self.condense_prompt = load_prompt(s.condense_prompt)
        self.check_prompt = load_prompt(s.check_prompt)
        self.role_prompt = load_prompt(s.check_role_prompt) if s.check_role_prompt else None
        prompts = (
            self.select_prompt, self.part_prompt, self.phrase_prompt, self.check_prompt,
            *([self.role_prompt] if self.role_prompt else []), self.condense_prompt,
        )  # fmt: skip
        self.prompt_label = "+".join(p.label for p in prompts)
        self._chat = chat_model
        self._chat_lock = threading.Lock()
        self.read_text = text_reader(s.folder, texts=texts_dir(s), limits=Limits.of(s))
        self.last_ingest: IngestReport | None = None
        if self.store.count() == 0 or self.store.stale:
            if not s.auto_ingest:
                raise StoreUnavailable(
                    f"{self.store.where} is empty or was built with other settings: "
                    "run `assistant ingest` first."
                )
            self.last_ingest = ingest(s, self.store, self.embedder, self.count_tokens, progress)
        self.retriever = retriever or HybridRetriever(self.store, self.embedder, s)
        embed = self.embedder.get_text_embedding_batch
        self.gatherer = gatherer or EvidenceGatherer(self.read_text, embed, s.evidence_sentences)
        self.decider = decider or Decider(s.thresholds)
        self.verifier = verifier or Verifier()
        self._selector, self._phraser, self._rewriter = selector, phraser, rewriter
        self._checker = checker

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

    @property
    def phraser(self) -> Phraser:
        if self._phraser is None:
            s = self.settings
            prompts = (self.select_prompt, self.phrase_prompt)
            self._phraser = Phraser(self.chat, *prompts, s.max_answer_tokens)
        return self._phraser

    @property
    def checker(self) -> AnswerChecker:
        """The answer check: kind by code and spaCy, role by the LLM's pick among the quote's
        names, relation by its yes/no scores (off unless `check_threshold` > 0)."""
        if self._checker is None:
            s = self.settings
            self._checker = LLMAnswerCheck(
                self.chat, self.check_prompt, s.check_threshold, self.role_prompt
            )
        return self._checker

    @property
    def rewriter(self) -> Rewriter:
        if self._rewriter is None:
            limit = self.settings.max_question_chars
            self._rewriter = Rewriter(self.chat, self.condense_prompt, limit)
        return self._rewriter

    def article_text(self, source: str) -> str:
        """The text a citation's offsets index into: `article_text(c.source)[c.start:c.end]
        == c.quote`. The file itself for .txt and .md; for a saved page or a PDF, the
        text extracted at ingest."""
        return article_text(self.read_text, source, self.settings.folder)

    def ingest(self, progress: bool = True) -> IngestReport:
        report = ingest(self.settings, self.store, self.embedder, self.count_tokens, progress)
        if report.changed or report.rebuilt:
            self.retriever.refresh()
        self.last_ingest = report
        return report

    _reload_lock = threading.Lock()  # one reload at a time (the UI's answers may overlap)

    def refresh_if_changed(self) -> bool:
        """Reload the store and the retriever if another process changed the chunks
        (`assistant ingest` in a terminal while the UI runs); True if it did.

        The signal is the collection's `revision`, which an ingest renews as its last
        step whenever it changed a chunk (ingest/sync.py): one metadata read, about a
        millisecond, so `stream()` calls this before each question (the UI, `assistant
        chat` and a program holding an `Assistant` all see an ingest made meanwhile).
        An ingest still under way has not renewed it yet, so a half-written store is not
        loaded. Chroma's on-disk client keeps the vector index in memory and never sees
        another process's writes, so a new client is opened (the old one is left to the
        garbage collector, for a search still reading it); a Chroma server needs only the
        retriever rebuilt.
        """
        store = self.store
        with self._reload_lock, server_errors(self.settings):
            fresh = store.client.get_collection(store.name, embedding_function=None)
            meta = fresh.metadata or {}
            revision = str(meta.get("revision", ""))
            if not revision or revision == store.revision:
                return False
            if meta.get("fingerprint") != store.fingerprint:
                raise StoreUnavailable(
                    f"{store.where} was rebuilt by another process with other settings "
                    "(embedding model, chunking or date rules): start again to use it."
                )
            if not self.settings.chroma_host:
                from chromadb.api.shared_system_client import SharedSystemClient

                # chromadb shares one client per folder in a process: forget it, so that
                # connect() opens one that reads the index as it is on disk now
                SharedSystemClient._identifier_to_system.pop(store.client._identifier, None)
                SharedSystemClient._identifier_to_refcount.pop(store.client._identifier, None)
                store.client = connect(self.settings)
                fresh = store.client.get_collection(store.name, embedding_function=None)
            store.collection = fresh
            self.retriever.refresh()
            return True

    def ask(self, question: str, history: list[Message] | None = None) -> Answer:
        for event in self.stream(question, history):
            if isinstance(event, Answer):
                return event
        raise AssertionError("stream() ended without an answer")

    def stream(
        self, question: str, history: list[Message] | None = None
    ) -> Iterator[str | Ranked | Found | Answer]:
        """Yield the closest sentences once retrieval has ranked them (`Ranked`, about a
        second in), the chosen evidence (`Found`), then the answer once the citation check
        and the answer check have passed it (never unchecked text), then the final
        `Answer`. An abstention yields its sentence and the `Answer`."""
        asked = self.validate(question)
        self.refresh_if_changed()  # an ingest by another process since the last question
        with self._engine_held():
            yield from self._stream(asked, history)

    def _engine_held(self) -> AbstractContextManager[object]:
        """The in-process engine serves one question at a time (`serial`), so that
        concurrent questions get the answers each would get alone; a server is shared."""
        if self._chat is None and self.settings.resolved_llm_backend != "local":
            return nullcontext()
        chat = self.chat
        return chat.session() if getattr(chat, "serial", False) else nullcontext()  # type: ignore[attr-defined]

    def _stream(
        self, asked: str, history: list[Message] | None
    ) -> Iterator[str | Ranked | Found | Answer]:
        run = _Run()
        standalone = self.rewrite(asked, history, run.usage) if history else asked
        run.timings.rewrite_s = run.since() if history else 0.0
        q = Question.parse(standalone)
        found, shown = self._retrieve(q, run)
        if shown:
            run.timings.ranked_s = run.since()
            yield Ranked(sorted(shown, key=lambda e: -e.relevance))
        selection = self._select(q, shown, run)
        decision = self.decider.decide(q, found.chunks, selection, found.similarity)
        run.timings.evidence_s = run.since()
        if selection is None or not decision.answer:
            yield ABSTAIN_TEXT
            yield self._answer(run, q, asked, found, selection, decision, ABSTAIN_TEXT, [], True)
            return
        yield Found(selection.chosen)
        mark, checking = time.perf_counter(), self.verifier.start(q, selection)
        for delta in self.phraser.phrase(q, selection, run.usage):
            run.timings.first_token_s = run.timings.first_token_s or run.since()
            checking.feed(delta)  # the answer is shown once the check below has passed it
        run.timings.generation_s = run.since(mark)
        mark = time.perf_counter()
        checked = checking.end()[1]
        asked_for = selection_messages(self.select_prompt, q, selection.shown)
        checking_mark = time.perf_counter()
        checked, check = self.checker.check(q, selection, checked, asked_for, run.usage)
        run.timings.check_s = run.since(checking_mark)
        run.timings.citations_s = run.since(mark)
        if check.outcome == "abstained":
            decision = decision.model_copy(update={"answer": False, "reason": check.reason})
            decision.signals = {**decision.signals, "says": check.says or 0.0}
            yield ABSTAIN_TEXT
            yield self._answer(
                run, q, asked, found, selection, decision, ABSTAIN_TEXT, [], True,
                raw=checking.raw, check=check,
            )  # fmt: skip
            return
        yield checked.text
        yield self._answer(
            run, q, asked, found, selection, decision, checked.text, checked.citations, False,
            raw=checking.raw, check=check,
        )  # fmt: skip

    def _retrieve(self, question: Question, run: _Run) -> tuple[Retrieved, list[Evidence]]:
        """Retrieve and gather the sentences the model may choose from (none when no
        chunk is close enough: the model is then not asked)."""
        mark = time.perf_counter()
        found = self.retriever.search(question)
        close = found.similarity >= self.settings.min_relevance
        shown = self.gatherer.gather(question, found.chunks) if close else []
        run.timings.retrieval_s = run.since(mark)
        return found, shown

    def _select(self, question: Question, shown: list[Evidence], run: _Run) -> Selection | None:
        """The selector's choice among the gathered sentences (None: there were none)."""
        if not shown:
            return None
        run.timings.prompt_ready_s = run.since()
        return self.selector.select(question, shown, run.usage)

    def _answer(
        self,
        run: _Run,
        question: Question,
        asked: str,
        found: Retrieved,
        selection: Selection | None,
        decision: Decision,
        text: str,
        citations: list[Citation],
        abstained: bool,
        raw: str = "",
        check: Check | None = None,
    ) -> Answer:
        run.timings.total_s = run.since()
        chat = self._chat
        return Answer(
            question=asked, standalone_question=question.text, text=text,
            citations=stories_of(self.store).noted(citations), abstained=abstained,
            chunks=found.chunks, evidence=selection.shown if selection else [],
            decision=decision, check=check,
            backend=chat.backend if chat else self.settings.resolved_llm_backend,
            model=chat.model if chat else "", server=getattr(chat, "where", ""),
            prompt=self.prompt_label,
            timings=run.timings, usage=run.usage, raw_text=raw,
        )  # fmt: skip

    def validate(self, question: Any) -> str:
        return validate_question(question, self.settings.max_question_chars)

    def rewrite(self, question: str, history: list[Message], usage: Usage | None = None) -> str:
        """Rewrite a follow-up into a standalone question using the conversation."""
        return self.rewriter.rewrite(question, history, usage or Usage())


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
