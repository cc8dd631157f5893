"""A GGUF run in process by llama.cpp's own C++ server (xllamacpp): `local_engine = "xllamacpp"`.

Why this engine: xllamacpp installs from PyPI as a prebuilt wheel (no compiler, AVX2
kernels, AVX-512 and AMX off), so a fresh machine answers within minutes and every
x86-64 machine with AVX2 runs the same kernels. It is not the default yet: its answers
scored lower on the seed eval than the compiled llama-cpp-python (`local.LocalChat`);
measurements in benchmarks/engines.md.

The selector's label scores are the next-token probabilities of the label tokens,
a softmax over the whole vocabulary as `LocalChat` reads from the logits: the server
reports them for its first reply token (`n_probs`), with the labels lifted into its
top list by one equal logit bias (`_probs_of`). `slots.Slots`
fixes where each prompt starts reading, so scores do not depend on what was asked
before. Requests are served one at a time (a lock), and `serial` tells the pipeline
to hold the engine for a whole question (`session`), so concurrent questions get the
answers each would get alone.
"""

from __future__ import annotations

import json
import math
import os
import queue
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import LLMUnavailable, MissingExtra
from assistant.llm import Scores
from assistant.llm.chat_template import ChatTemplate
from assistant.llm.slots import CLEAR, Slots
from assistant.schema import Message, Usage
from assistant.settings import Settings

SLOTS = 2  # one per prompt head the default prompts have (selection, condensing)
LIFT = 50.0  # added to every label token's logit (see `_probs_of`)
_DONE = object()


class ServerChat:
    backend = "local"
    serial = True  # one question at a time: see the module docstring

    def __init__(self, model_path: Path, settings: Settings) -> None:
        try:
            import xllamacpp
        except ImportError:
            raise MissingExtra("The xllamacpp engine", "xllamacpp") from None
        self.model = model_path.name
        self.where = str(model_path)
        self.engine = f"xllamacpp {xllamacpp.__version__}"
        self.temperature = settings.temperature
        self.lock = threading.RLock()  # held for a request, or by the pipeline for a question
        self._template = ChatTemplate.from_gguf(model_path)
        self._slots = Slots(SLOTS, self._template.render)
        self._labels: dict[str, list[int]] = {}
        self._key = os.urandom(16).hex()  # its loopback HTTP port answers no one else
        self._server = xllamacpp.Server(_params(xllamacpp, model_path, settings, self._key))

    @contextmanager
    def session(self) -> Iterator[None]:
        """Hold the engine for one question, whose first prompts start at their heads."""
        with self.lock:
            self._slots.forget()
            yield

    def _request(self, body: dict[str, Any], callback: Any = None) -> dict[str, Any]:
        body = {"cache_prompt": True, "temperature": self.temperature, "seed": 0, **body}
        result = (
            self._server.handle_completions(body, callback)
            if callback
            else self._server.handle_completions(body)
        )
        if isinstance(result, dict) and "error" in result:
            error = result["error"]
            message = error.get("message", error) if isinstance(error, dict) else error
            raise LLMUnavailable(f"The local model refused the prompt: {message}")
        return result if isinstance(result, dict) else {}

    def _prepare(self, messages: list[Message], prefill: str = "") -> tuple[str, int, Read]:
        """The prompt text and its slot, with the slot's KV cache cut to where it starts."""
        prompt = self._template.render(messages) + prefill
        plan = self._slots.plan(messages, prompt)
        read = Read()
        for text in plan.before:
            done = self._request({"prompt": text, "max_tokens": 0, "id_slot": plan.slot})
            timings = done.get("timings", {})
            read.tokens += int(timings.get("prompt_n", 0))
            if text != CLEAR and read.kept is None:
                read.kept = int(timings.get("cache_n", 0))  # what the slot held before
        return prompt, plan.slot, read

    def label_scores(
        self, messages: list[Message], labels: list[str], usage: Usage, prefill: str = ""
    ) -> Scores:
        """Read the prompt in its slot and take the first reply token's probabilities."""
        with self.lock:
            spelled = {label: self._label_tokens(label) for label in labels}
            ids = sorted({token for tokens in spelled.values() for token in tokens})
            prompt, slot, read = self._prepare(messages, prefill)
            body = {"prompt": prompt, "max_tokens": 1, "id_slot": slot, **_probs_of(ids)}
            result = self._request(body)
            _count(usage, result, read)
            content = result["choices"][0].get("logprobs", {}).get("content") or [{}]
            logprob = {e["id"]: _log(e["prob"]) for e in content[0].get("top_probs", [])}
            found: dict[str, float] = {}
            for label, tokens in spelled.items():
                for token in tokens:
                    value = logprob.get(token, -math.inf)
                    found[label] = _logaddexp(found.get(label, -math.inf), value)
            return Scores.from_logprobs(found, labels, "logits")

    def _label_tokens(self, label: str) -> list[int]:
        """The single tokens that spell a label ("yes", "Yes", " yes", " Yes"), found once."""
        if label not in self._labels:
            variants = {label, label.capitalize(), f" {label}", f" {label.capitalize()}"}
            spelled = [self._tokenize(v) for v in sorted(variants)]
            self._labels[label] = sorted({ids[0] for ids in spelled if len(ids) == 1})
        return self._labels[label]

    def _tokenize(self, text: str) -> list[int]:
        """The model's tokens for `text`, from the server's own tokenizer (its loopback port)."""
        body = json.dumps({"content": text, "add_special": False, "parse_special": False})
        request = urllib.request.Request(
            f"http://{self._server.listening_address.removeprefix('http://')}/tokenize",
            data=body.encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self._key}"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
            return [int(t) for t in json.load(response)["tokens"]]

    def stream(self, messages: list[Message], max_tokens: int, usage: Usage) -> Iterator[str]:
        with self.lock:
            prompt, slot, read = self._prepare(messages)
            pieces: queue.Queue[Any] = queue.Queue()
            body = {"prompt": prompt, "max_tokens": max_tokens, "id_slot": slot, "stream": True}

            def run() -> None:
                try:
                    pieces.put(self._request(body, pieces.put))
                except Exception as exc:  # handed to the reader below
                    pieces.put(exc)
                pieces.put(_DONE)

            worker = threading.Thread(target=run, daemon=True)
            worker.start()
            last: dict[str, Any] = {}
            while (part := pieces.get()) is not _DONE:
                if isinstance(part, Exception):
                    raise part
                if isinstance(part, dict) and part.get("choices"):
                    last = part if "timings" in part else last
                    text = part["choices"][0].get("text")
                    if isinstance(text, str) and text:
                        yield text
            worker.join()
            _count(usage, last, read)


def _probs_of(ids: list[int]) -> dict[str, Any]:
    """Request fields that return the probabilities of `ids` over the whole vocabulary.

    The server reports the top `n_probs` tokens only, and a label can lie below many
    other tokens. So every label token's logit is raised by the same `LIFT` (which
    leaves their ratios, all the selector reads, as they were) and the probabilities
    are read after that bias, with every other sampler neutral."""
    return {
        "logit_bias": [[token, LIFT] for token in ids],
        "n_probs": len(ids),
        "post_sampling_probs": True,
        "temperature": 1.0, "top_k": 0, "top_p": 1.0, "min_p": 0.0, "typical_p": 1.0,
        "repeat_penalty": 1.0, "presence_penalty": 0.0, "frequency_penalty": 0.0,
        "dry_multiplier": 0.0, "xtc_probability": 0.0,
    }  # fmt: skip


def _log(p: float) -> float:
    return math.log(p) if p > 0 else -math.inf


def _logaddexp(a: float, b: float) -> float:
    top = max(a, b)
    return top if top == -math.inf else top + math.log(math.exp(a - top) + math.exp(b - top))


@dataclass
class Read:
    """Tokens read before the prompt itself, and how much of the head the slot held."""

    tokens: int = 0
    kept: int | None = None  # None: the slot was not cut, its cache is all from before


def _count(usage: Usage, result: dict[str, Any], read: Read) -> None:
    """Every token read counts as prompt; cached are those held from before this call."""
    timings = result.get("timings", {})
    reused = int(timings.get("cache_n", 0))
    usage.add(
        prompt=int(timings.get("prompt_n", 0)) + read.tokens,
        completion=int(timings.get("predicted_n", 0)),
        cached=reused if read.kept is None else min(reused, read.kept),
    )


def _params(xllamacpp: Any, model_path: Path, settings: Settings, key: str) -> Any:
    """Server parameters: the slots' prompt cache only, nothing kept or reused behind it."""
    params = xllamacpp.CommonParams()
    params.model.path = str(model_path)
    params.n_parallel = SLOTS
    params.n_ctx = settings.n_ctx * SLOTS  # each slot gets n_ctx
    threads = settings.n_threads or os.cpu_count() or 2
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.warmup = False
    params.flash_attn_type = 0  # off, as llama-cpp-python runs it
    params.n_batch = 512
    params.cache_ram_mib = 0  # no host-memory prompt cache: it would restore other splits
    params.cache_idle_slots = False
    params.n_ctx_checkpoints = 0
    params.n_cache_reuse = 0
    params.verbosity = -1
    params.api_keys = [key]
    return params
