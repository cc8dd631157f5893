"""Groups 2 (warm overhead) and 5 (the local LLM), from repeated `ask()` in one process.

Overhead is everything an answer costs besides the LLM: total time minus the
wall time spent inside the LLM call (prompt processing and generation). The
LLM figures come from llama.cpp's own counters: prompt tokens evaluated (those
not reused from the previous prompt's KV cache), prompt and generation speed.
The prefix-cache check asks the same questions again after `reset()` and with
no saved prompt heads (assistant/prompt_cache.py), which makes llama.cpp
evaluate the whole prompt, and compares the time to first token.
"""

from __future__ import annotations

from typing import Any

from assistant.core import Assistant
from benchmarks.measure import Figure, median

QUESTIONS = 6  # the first single-article, answerable dev questions of the eval set


def questions() -> list[str]:
    from evals.runner import load_questions

    picked = [q for q in load_questions() if q.kind == "single" and q.answerable]
    return [q.question for q in picked if q.split == "dev"][:QUESTIONS]


def llm_counters(llama: Any) -> dict[str, float]:
    import llama_cpp

    data = llama_cpp.llama_perf_context(llama._ctx.ctx)
    return {
        "prompt_ms": data.t_p_eval_ms,
        "prompt_evaluated": data.n_p_eval,
        "gen_ms": data.t_eval_ms,
        "generated": data.n_eval,
    }


def reset_counters(llama: Any) -> None:
    import llama_cpp

    llama_cpp.llama_perf_context_reset(llama._ctx.ctx)


def ask_measured(assistant: Assistant, question: str, fresh_cache: bool) -> dict[str, float]:
    llama = assistant.chat._llama  # type: ignore[attr-defined]
    if fresh_cache:
        llama.reset()
        assistant.chat._prefixes.saved.clear()  # type: ignore[attr-defined]
    reset_counters(llama)
    answer = assistant.ask(question)
    timings, usage = answer.timings, answer.usage
    row = llm_counters(llama)
    # the LLM's time: rewriting, choosing evidence (from prompt-ready to evidence), phrasing
    choosing = (timings.evidence_s or 0) - (timings.prompt_ready_s or timings.evidence_s or 0)
    # and the answer check, whose role read is an LLM call (its spaCy tagging, some ms, too)
    llm = timings.generation_s + timings.rewrite_s + choosing + timings.check_s
    row.update(
        total=timings.total_s,
        llm=llm,
        overhead=timings.total_s - llm,
        retrieval=timings.retrieval_s,
        citations=timings.citations_s,
        ttft=(timings.first_token_s or 0) - (timings.prompt_ready_s or 0),
        prompt_tokens=usage.prompt_tokens or 0,
        prompt_cached=usage.cached_tokens,
        completion_tokens=usage.completion_tokens or 0,
        answered=0.0 if answer.abstained else 1.0,
    )
    return row


def warm_and_llm(assistant: Assistant) -> list[Figure]:
    asked = questions()
    assistant.ask(asked[-1])  # loads the LLM: the rest are warm
    warm = [ask_measured(assistant, q, fresh_cache=False) for q in asked]
    cold_cache = [ask_measured(assistant, q, fresh_cache=True) for q in asked]
    share = sum(r["overhead"] for r in warm) / sum(r["total"] for r in warm)
    reused = [r["prompt_cached"] for r in warm]
    prompt_speed = sum(r["prompt_evaluated"] for r in warm) / sum(r["prompt_ms"] for r in warm)
    gen_speed = sum(r["generated"] for r in warm) / max(sum(r["gen_ms"] for r in warm), 1e-9)
    return [
        Figure(
            "2 warm overhead",
            "answer time outside the LLM, share of the total",
            100 * share,
            "%",
            target="< 5%",
            met=share < 0.05,
            note=f"median answer {median([r['total'] for r in warm]):.1f} s, of which "
            f"retrieval {1000 * median([r['retrieval'] for r in warm]):.0f} ms, citation check "
            f"{1000 * median([r['citations'] for r in warm]):.0f} ms",
        ),
        Figure(
            "2 warm overhead",
            "answer time, whole `ask()`",
            median([r["total"] for r in warm]),
            "s",
            floor=median([r["llm"] for r in warm]),
            floor_name="time inside the LLM call: prompt processing and generation",
            note=f"outside the LLM: {1000 * median([r['overhead'] for r in warm]):.0f} ms",
        ),
        Figure(
            "5 local LLM",
            "prompt tokens per answer",
            median([r["prompt_tokens"] for r in warm]),
            "tokens",
        ),
        Figure(
            "5 local LLM",
            "prompt tokens reused from the previous prompt (KV prefix cache)",
            median(reused),
            "tokens",
            note="a new question reuses its prompt's fixed head (prompt_cache.py); its second "
            "read and the phrasing turn reuse the whole selection prompt",
        ),
        Figure(
            "5 local LLM",
            "time to first token, prompt handed over → first token",
            median([r["ttft"] for r in warm]),
            "s",
            floor=median([r["prompt_ms"] / 1000 for r in warm]),
            floor_name="llama.cpp's own prompt evaluation time",
        ),
        Figure(
            "5 local LLM",
            "time to first token with the KV cache reset before each question",
            median([r["ttft"] for r in cold_cache]),
            "s",
            note="the whole prompt evaluated: what the prefix cache saves",
        ),
        Figure("5 local LLM", "prompt processing speed", 1000 * prompt_speed, "tokens/s"),
        Figure("5 local LLM", "generation speed", 1000 * gen_speed, "tokens/s"),
        Figure(
            "5 local LLM",
            "generated tokens per answer",
            median([r["completion_tokens"] for r in warm]),
            "tokens",
        ),
    ]
