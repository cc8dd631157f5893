"""The prebuilt engine (assistant/llm/embedded.py, slots.py) with a real model, and which
engine runs the local model (`local_engine`).

SmolLM2-135M in llama.cpp's server (xllamacpp): a prompt's scores are the same
whatever was read before it, the fixed heads are not read again, and questions
asked at once get the answers each gets alone (on both engines).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from assistant.core import Assistant
from assistant.llm import DEFAULT_ENGINE, ENGINES, local_engine
from assistant.llm.embedded import ServerChat
from assistant.llm.prompt_cache import common_prefix
from assistant.llm.slots import Slots
from assistant.schema import Answer, Usage
from tests.conftest import settings_for
from tests.test_prompt_cache import ASKED, BEFORE, LABELS, REWRITE

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def server_chat(small_gguf: Path) -> ServerChat:
    return ServerChat(small_gguf, settings_for(llm_backend="local", local_engine="xllamacpp"))


@pytest.fixture(scope="module")
def alone(small_gguf: Path) -> dict[str, float]:
    """The scores of ASKED read by an engine that read nothing before."""
    return server_chat(small_gguf).label_scores(ASKED, LABELS, Usage()).probs


def test_scores_are_probabilities_of_the_labels(alone: dict[str, float]) -> None:
    assert set(alone) == set(LABELS)
    assert abs(sum(alone.values()) - 1) < 1e-9
    assert max(alone.values()) > 0.2  # the labels are among the likely first tokens


def test_scores_do_not_depend_on_what_was_read_before(
    small_gguf: Path, alone: dict[str, float]
) -> None:
    """Each read is a question of its own (`session`), as the pipeline asks them."""
    chat = server_chat(small_gguf)
    for before in (BEFORE, REWRITE, BEFORE, ASKED):
        with chat.session():
            chat.label_scores(before, LABELS, Usage())
        with chat.session():
            assert chat.label_scores(ASKED, LABELS, Usage()).probs == alone


def test_a_new_exchange_is_read_from_the_end_of_its_head(small_gguf: Path) -> None:
    chat = server_chat(small_gguf)
    first, second = Usage(), Usage()
    chat.label_scores(BEFORE, LABELS, first)
    chat.label_scores(ASKED, LABELS, second)
    assert first.cached_tokens == 0
    # the head alone: all but its last token from the cache; then the rest after it
    assert 10 < second.cached_tokens < first.prompt_tokens
    assert second.prompt_tokens < first.prompt_tokens


def test_a_continued_exchange_reuses_all_of_it(small_gguf: Path) -> None:
    chat = server_chat(small_gguf)
    chat.label_scores(ASKED, LABELS, Usage())
    follow = [*ASKED, {"role": "assistant", "content": "3"}, {"role": "user", "content": "Sure?"}]
    usage = Usage()
    chat.label_scores(follow, ["yes", "no"], usage)
    assert usage.prompt_tokens < 20 < usage.cached_tokens


def test_each_head_keeps_a_slot_and_a_new_head_clears_one() -> None:
    def render(messages: list) -> str:
        return "".join(f"<{m['role']}>{m['content']}</>" for m in messages) + "<assistant>"

    slots = Slots(2, render)
    prompt = render(ASKED)
    first = slots.plan(ASKED, prompt)
    head = prompt[: common_prefix(prompt, render(BEFORE))]
    assert first.before[0] == "\n" and first.before[1:] == [first.before[1]] * 2
    assert head.startswith(first.before[1]) and first.before[1].endswith("Sentences:\n")
    assert slots.plan(ASKED, prompt).before == []  # the same exchange, read further
    assert slots.plan(BEFORE, render(BEFORE)).before == [first.before[1]]
    other = slots.plan(REWRITE, render(REWRITE))
    assert other.slot != first.slot and other.before[0] == "\n"


def same_answer(a: Answer) -> tuple[object, ...]:
    quotes = [(c.source, c.start, c.end) for c in a.citations]
    return a.text, a.abstained, quotes, a.decision.reason, a.decision.signals


@pytest.mark.timeout(900)
@pytest.mark.parametrize("engine", ["xllamacpp", "llama-cpp-python"])
def test_ten_questions_at_once_get_their_single_user_answers(
    engine: str, tmp_path: Path, small_gguf: Path, model_cache: Path
) -> None:
    assistant = Assistant(
        settings_for(
            source_dir=SEEDS, persist_dir=tmp_path / "store", model_cache_dir=model_cache,
            local_model=small_gguf, llm_backend="local", local_engine=engine,
        )
    )  # fmt: skip
    questions = [
        "Where did Biden and Kishida meet a day before the G7 summit?",
        "What did the US and Japan agree on chips?",
        "Which countries joined the chip export controls?",
        "When did Kishida visit Washington?",
        "Who is Japan's prime minister?",
        "What defense spending did Japan announce?",
        "What did the Security Consultative Committee decide?",
        "Which company makes the chips?",
        "Where is the G7 summit held?",
        "What did Biden say about China?",
    ]
    alone = {q: same_answer(assistant.ask(q)) for q in questions}
    with ThreadPoolExecutor(max_workers=len(questions)) as pool:
        together = dict(zip(questions, pool.map(assistant.ask, questions), strict=True))
    assert {q: same_answer(a) for q, a in together.items()} == alone


@pytest.mark.parametrize(
    ("installed", "expected"),
    [
        ({"llama_cpp", "xllamacpp"}, DEFAULT_ENGINE),  # both: the default
        ({"llama_cpp"}, "llama-cpp-python"),  # `make setup ENGINE=llama-cpp`
        ({"xllamacpp"}, "xllamacpp"),  # `make setup ENGINE=xllamacpp`
        (set(), DEFAULT_ENGINE),  # neither: the default, whose loading says what to install
    ],
)
def test_auto_runs_the_engine_that_is_installed(
    monkeypatch: pytest.MonkeyPatch, installed: set[str], expected: str
) -> None:
    import assistant.llm as llm

    monkeypatch.setattr(llm, "find_spec", lambda name: object() if name in installed else None)
    assert local_engine(settings_for(local_engine="auto")) == expected
    for named in ENGINES:  # a named engine is taken as named, installed or not
        assert local_engine(settings_for(local_engine=named)) == named
