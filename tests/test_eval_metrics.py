"""The eval harness without a model: scoring, normalization, summaries, baseline and gate."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

from assistant.errors import AssistantError
from assistant.ingest.corpus import text_reader
from assistant.schema import ABSTAIN_TEXT, Answer, Citation, RetrievedChunk, Timings, Usage
from evals import report
from evals.metrics import (
    ItemResult,
    Question,
    first_hit_rank,
    found_facts,
    normalize,
    percentile,
    rejects_premise,
    score_item,
    summarize,
)
from evals.runner import load_questions, run, select

SRC = "002_eb2b49479483de60.txt"
OTHER = "000_e1d0b48b7dc6eb12.txt"


def question(id: str = "q1", kind: str = "single", split: str = "dev", **extra: Any) -> Question:
    answerable = kind not in ("unanswerable", "false_premise")
    values: dict[str, Any] = {
        "id": id,
        "question": f"question {id}?",
        "answerable": answerable,
        "kind": kind,
        "split": split,
        "sources": [SRC] if answerable else [],
        "facts": [["Hiroshima"], ["semiconductor", "chip"]] if answerable else [],
        "follows": "q0" if kind == "follow_up" else None,
    }
    return Question(**(values | extra))


def citation(source: str = SRC, number: int = 1) -> Citation:
    return Citation(number=number, source=source, quote="x", start=0, end=1)


def answer(
    text: str,
    citations: list[Citation] | None = None,
    abstained: bool = False,
    total_s: float = 1.0,
) -> Answer:
    return Answer(
        question="q",
        standalone_question="q standalone",
        text=text,
        citations=citations or [],
        abstained=abstained,
        backend="local",
        model="test.gguf",
        prompt="answer@1",
        timings=Timings(total_s=total_s, first_token_s=total_s / 2),
        usage=Usage(prompt_tokens=100, completion_tokens=10),
    )


def abstention() -> Answer:
    return answer(ABSTAIN_TEXT, abstained=True)


def scored(q: Question, a: Answer, invalid: int = 0, retrieved: list[str] | None = None):
    return score_item(q, a, a.citations[:invalid], retrieved or [])


# --- normalization and fact matching ------------------------------------------


def test_normalize_quotes_dashes_case_and_spaces() -> None:
    text = "The \u201cThree\u2013Day\u201d\u00a0talks \u2014 Japan\u2019s\n\tG7"
    assert normalize(text) == 'the "three-day" talks - japan\'s g7'


def test_fact_found_if_any_phrasing_matches() -> None:
    text = "They met in HIROSHIMA [1] and agreed on chips [2]."
    assert found_facts(text, [["Hiroshima"], ["semiconductor", "chip"], ["Tokyo"]]) == [
        True,
        True,
        False,
    ]


def test_leading_space_phrasing_is_a_word_start() -> None:
    assert found_facts("AI and chips.", [[" AI"]]) == [True]  # at the start of the answer
    assert found_facts("They said so.", [[" AI"]]) == [False]  # not inside a word


def test_markers_and_typography_do_not_hide_a_fact() -> None:
    text = "It costs $2\u00a0billion [1]; the \u201cthree\u2011day\u201d G7 [2]."
    assert found_facts(text, [["$2 billion"], ["three-day"], ['"three-day" g7']]) == [True] * 3


# --- scoring one answer ---------------------------------------------------------


def test_answerable_item_scores() -> None:
    a = answer("In Hiroshima [1]. Elsewhere [2].", [citation(SRC, 1), citation(OTHER, 2)])
    item = scored(question(), a, invalid=1, retrieved=[OTHER, SRC, SRC])
    assert (item.facts_found, item.facts_expected, item.missing_facts) == (1, 2, ["semiconductor"])
    assert (item.sources_cited, item.sources_expected) == (1, 1)
    assert (item.citations, item.citations_on_expected, item.invalid_quotes) == (2, 1, 1)
    assert item.retrieval_rank == 2 and item.abstention_correct is None and not item.ok


def test_unanswerable_needs_abstention_without_citations() -> None:
    q = question("u1", "unanswerable")
    assert scored(q, abstention()).abstention_correct is True
    assert scored(q, answer("It was $1 billion [1].", [citation()])).abstention_correct is False
    assert scored(q, answer("No, it was not [1].", [citation()])).abstention_correct is False


def test_false_premise_abstention_or_cited_correction() -> None:
    q = question("p1", "false_premise")
    assert scored(q, abstention()).abstention_correct
    corrected = scored(q, answer("It was not called off; they met on Thursday [1].", [citation()]))
    assert corrected.abstention_correct and corrected.premise_rejected and corrected.ok
    uncited = answer("It was not called off.", [citation()])
    assert not scored(q, uncited, invalid=1).abstention_correct  # its only quote is invalid
    agreeing = answer("It was called off because of rain [1].", [citation()])
    assert not scored(q, agreeing).abstention_correct


@pytest.mark.parametrize(
    ("text", "rejects"),
    [
        ("Biden did not skip it.", True),
        ("No, he went.", True),
        ("He never said that.", True),
        ("Contrary to the question, he went.", True),
        ("However, he attended.", True),
        ("Biden didn\u2019t skip it.", True),
        ("He would meet Kim without preconditions.", True),
        ("He went to North Korea and Norway.", False),
        ("He attended the summit.", False),
    ],
)
def test_premise_rejection_needs_a_negation(text: str, rejects: bool) -> None:
    assert rejects_premise(text, valid_citations=1) is rejects
    assert rejects_premise(text, valid_citations=0) is False


def test_first_hit_rank_and_percentile() -> None:
    assert first_hit_rank([OTHER, OTHER, SRC], [SRC]) == 3
    assert first_hit_rank([OTHER], [SRC]) is None
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([1.0] * 19 + [21.0], 95) == pytest.approx(2.0)
    assert percentile([], 50) is None


# --- summaries -----------------------------------------------------------------------


def sample_items() -> list[ItemResult]:
    good = answer("Hiroshima, chips [1].", [citation()], total_s=2.0)
    return [
        scored(question("a"), good, retrieved=[SRC]),
        scored(question("b"), abstention(), retrieved=[OTHER, OTHER, SRC]),
        scored(question("c", split="heldout"), good, retrieved=[OTHER] * 10),
        scored(question("u", "unanswerable"), abstention()),
        scored(question("p", "false_premise", split="heldout"), answer("Yes [1].", [citation()])),
    ]


def test_summary_metrics() -> None:
    s = summarize(sample_items())
    assert (s["n_items"], s["n_answerable"], s["n_not_answerable"]) == (5, 3, 2)
    assert s["fact_recall"] == pytest.approx(2 / 3)
    assert s["false_refusal_rate"] == pytest.approx(1 / 3)
    assert s["abstention_rate"] == 0.5
    assert (s["unanswerable_abstained"], s["false_premise_handled"]) == (1.0, 0.0)
    assert s["citation_precision"] == 1.0 and s["quote_validity"] == 1.0
    assert (s["hit@1"], s["hit@3"], s["hit@5"]) == pytest.approx((1 / 3, 2 / 3, 2 / 3))
    assert s["mrr"] == pytest.approx((1 + 1 / 3 + 0) / 3)
    assert s["latency_median_s"] == 1.0 and s["prompt_tokens_mean"] == 100


def test_split_summaries_show_dev_and_heldout() -> None:
    splits = report.split_summaries(sample_items())
    assert [splits[s]["n_items"] for s in report.SPLITS] == [5, 3, 2]
    assert splits["heldout"]["fact_recall"] == 1.0 and splits["dev"]["fact_recall"] == 0.5
    assert summarize([])["fact_recall"] is None


# --- baseline comparison and gate ------------------------------------------------------


def baseline_of(items: list[ItemResult], tmp_path: Path, **meta: str) -> report.Baseline:
    path = tmp_path / "baseline-local.json"
    report.write_baseline(path, {"model": "m", "prompt": "answer@1", **meta}, items, subset=False)
    loaded = report.load_baseline(path)
    assert loaded is not None
    return loaded


def test_no_floors_checks_only_quote_validity(tmp_path: Path) -> None:
    assert report.load_floors(tmp_path / "missing.toml", "local") == {}
    result = report.gate(summarize(sample_items()), {}, full_run=True)
    assert result.passed and [c.metric for c in result.checks] == ["quote_validity"]
    assert "no floors" in result.note


def test_invalid_quote_fails_the_gate() -> None:
    items = sample_items()
    items[0] = items[0].model_copy(update={"invalid_quotes": 1})
    assert not report.gate(summarize(items), {}, full_run=True).passed


def test_floors_pass_at_the_floor_and_fail_below_it(tmp_path: Path) -> None:
    floors_file = tmp_path / "floors.toml"
    floors_file.write_text("[local]\nfact_recall = 0.6\nfalse_refusal_rate = 0.34\n")
    floors = report.load_floors(floors_file, "local")
    assert floors == {"fact_recall": 0.6, "false_refusal_rate": 0.34}
    assert report.load_floors(floors_file, "openai") == {}
    items = sample_items()
    assert report.gate(summarize(items), floors, full_run=True).passed
    items[0] = items[0].model_copy(update={"facts_found": 0})  # recall 2/3 -> 1/3
    result = report.gate(summarize(items), floors, full_run=True)
    assert [c.metric for c in result.checks if not c.passed] == ["fact_recall"]
    # a subset run is not held to the full set's floors
    assert report.gate(summarize(items), floors, full_run=False).passed


def test_more_false_refusals_fail_the_ceiling() -> None:
    items = sample_items()
    for n in (0, 2):
        items[n] = items[n].model_copy(update={"abstained": True})
    result = report.gate(summarize(items), {"false_refusal_rate": 0.34}, full_run=True)
    failed = [c.metric for c in result.checks if not c.passed]
    assert failed == ["false_refusal_rate"]


def test_unknown_metric_in_floors_is_an_error(tmp_path: Path) -> None:
    floors_file = tmp_path / "floors.toml"
    floors_file.write_text("[local]\nfact_recal = 0.6\n")
    with pytest.raises(AssistantError, match="no floor possible for fact_recal"):
        report.load_floors(floors_file, "local")
    floors_file.write_text("[local]\nprompt_tokens_mean = 600\n")  # neither better nor worse
    with pytest.raises(AssistantError, match="no floor possible for prompt_tokens_mean"):
        report.load_floors(floors_file, "local")


def test_subset_is_compared_with_the_same_items_of_the_baseline(tmp_path: Path) -> None:
    full = sample_items()
    base = baseline_of(full, tmp_path)
    subset = [full[0], full[3]]  # a and u: both perfect
    comparison = report.compare(subset, base)
    before, after = comparison.summaries["all"]
    assert comparison.compared == ["a", "u"] and before == after
    assert before["fact_recall"] == 1.0  # not the full baseline's 2/3
    assert report.gate(summarize(subset), {"fact_recall": 1.0}, full_run=True).passed
    assert "change" in report.comparison_table(comparison)


def test_edited_question_is_left_out_of_the_comparison(tmp_path: Path) -> None:
    base = baseline_of(sample_items(), tmp_path)
    items = sample_items()
    items[1] = items[1].model_copy(update={"question_hash": "edited"})
    comparison = report.compare(items, base)
    assert comparison.not_in_baseline == ["b"] and "b" not in comparison.compared


def test_baseline_round_trip_and_subset_merge(tmp_path: Path) -> None:
    items = sample_items()
    base = baseline_of(items, tmp_path)
    assert base.items == items and base.meta["model"] == "m"
    data = json.loads(base.path.read_text())
    assert set(data["summary"]) == {"all", "dev", "heldout"}
    fresh = items[0].model_copy(update={"answer": "new"})
    message = report.write_baseline(
        base.path, {"model": "m", "prompt": "answer@1"}, [fresh], subset=True
    )
    merged = report.load_baseline(base.path)
    assert merged is not None and "updated 1 of 5" in message
    assert [i.id for i in merged.items] == ["a", "b", "c", "u", "p"]
    assert merged.items[0].answer == "new"


def test_bad_baseline_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    path.write_text("{not json")
    with pytest.raises(AssistantError, match="cannot read the baseline"):
        report.load_baseline(path)


def test_reports_are_written(tmp_path: Path) -> None:
    items = sample_items()
    meta = {"backend": "local", "model": "m", "prompt": "answer@1", "created": "now"}
    result = report.gate(summarize(items), {}, full_run=True)
    data = report.report_data(meta, items) | report.as_json(None, result)
    text = report.markdown(meta, items, None, result)
    paths = report.write_reports(tmp_path, "local-now", data, text)
    assert sorted(p.name for p in paths) == [
        "latest-local.json",
        "latest-local.md",
        "local-now.json",
        "local-now.md",
    ]
    assert json.loads((tmp_path / "latest-local.json").read_text())["gate"]["passed"]
    assert "## Failures" in text and "| b " in report.item_table(items)


# --- questions and runner ----------------------------------------------------------------


def test_question_file_is_valid() -> None:
    questions = load_questions()
    assert len({q.id for q in questions}) == len(questions) >= 80
    heldout = select(questions, [], "heldout")
    assert 0 < len(heldout) < len(questions) / 3
    assert [q.id for q in select(questions, ["a02", "u01"], "all")] == ["a02", "u01"]
    with pytest.raises(AssistantError, match="unknown question ids: zz"):
        select(questions, ["zz"], "all")


def test_inconsistent_question_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "q.yaml"
    path.write_text("- {id: x, question: q, answerable: true, kind: unanswerable, split: dev}\n")
    with pytest.raises(AssistantError, match="item 1"):
        load_questions(path)


class FakeAssistant:
    """Records what it is asked; answers with the question's text."""

    def __init__(self, source_dir: Path) -> None:
        self.settings = SimpleNamespace(source_dir=source_dir)
        self.read_text = text_reader(source_dir)
        self.asked: list[tuple[str, list[dict[str, str]] | None]] = []
        chunk = RetrievedChunk(id="c", source=SRC, start=0, end=1, text="x", score=1.0)
        self.retriever = SimpleNamespace(retrieve=lambda question, top_k: [chunk])

    def ask(self, question: str, history: list[dict[str, str]] | None = None) -> Answer:
        self.asked.append((question, history))
        return answer(f"answer to {question}")


def test_follow_up_gets_the_actual_previous_answer(tmp_path: Path) -> None:
    base = question("q0")
    follow = question("q1", "follow_up")
    fake = FakeAssistant(tmp_path)
    items, model = run(fake, [base, follow], [follow])  # type: ignore[arg-type]
    assert [i.id for i in items] == ["q1"] and model == "test.gguf"
    assert fake.asked[0] == (base.question, None)  # asked first, for the history only
    assert fake.asked[1][1] == [
        {"role": "user", "content": base.question},
        {"role": "assistant", "content": f"answer to {base.question}"},
    ]
    assert items[0].retrieval_rank == 1


def test_eval_subcommand_has_the_options_and_settings_flags(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from assistant.cli import build_parser, main

    with pytest.raises(SystemExit):
        main(["eval", "--help"])
    out = capsys.readouterr().out
    for flag in ("--backend", "--only", "--split", "--out", "--baseline", "--no-gate", "--top-k"):
        assert flag in out
    args = build_parser().parse_args(["eval", "--only", "a01", "u01", "--split", "dev"])
    assert isinstance(args, argparse.Namespace) and args.only == ["a01", "u01"]


def test_run_eval_writes_reports_and_fails_the_gate_on_a_drop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from assistant.cli import build_parser, settings_from
    from evals.runner import run_eval

    reply = {"text": "Hiroshima; it is essential."}

    class Scripted(FakeAssistant):
        def __init__(self, settings: Any, progress: bool = False) -> None:
            super().__init__(tmp_path)
            self.condense_prompt = SimpleNamespace(label="condense@1")
            self.prompt_label = "select@1+phrase@1"
            self.settings = settings

        def ask(self, question: str, history: list[dict[str, str]] | None = None) -> Answer:
            return answer(reply["text"])

    monkeypatch.setitem(sys.modules, "assistant.core", SimpleNamespace(Assistant=Scripted))
    baseline = tmp_path / "baseline-local.json"
    floors = tmp_path / "floors.toml"
    floors.write_text("[local]\nfact_recall = 0.75\n")
    questions = tmp_path / "questions.yaml"
    chosen = [q for q in load_questions() if q.id in ("a01", "s002b")]
    questions.write_text(yaml.safe_dump([q.model_dump() for q in chosen]))
    argv = ["eval", "--questions", str(questions), "--out", str(tmp_path)]
    argv += ["--baseline", str(baseline), "--floors", str(floors)]

    assert run_eval(build_parser().parse_args([*argv, "--write-baseline"]), settings_from) == 0
    assert "No baseline found" in capsys.readouterr().out
    assert (tmp_path / "latest-local.md").is_file() and baseline.is_file()

    reply["text"] = "Somewhere."  # both facts lost: recall under its floor
    assert run_eval(build_parser().parse_args(argv), settings_from) == 1
    assert "gate: FAILED" in capsys.readouterr().out
    assert run_eval(build_parser().parse_args([*argv, "--no-gate"]), settings_from) == 0


def test_flips_sees_a_moved_citation_and_a_changed_decision() -> None:
    from evals.flips import differences, flips

    q = question(facts=[["Hiroshima"]])
    base = scored(q, answer("They met in Hiroshima [1].", [citation()]))
    assert differences(base, base) == [] and base.quotes == [f"[1] {SRC}:0-1"]
    moved = base.model_copy(update={"quotes": [f"[1] {SRC}:10-20"]})
    assert differences(base, moved) == ["citations"] and flips({"q": base}, {"q": moved}) == []
    unsure = base.model_copy(update={"decision": {"answer": True, "margin": 0.01}})
    assert differences(base, unsure) == ["decision"]
    refused = scored(q, abstention())
    assert flips({"q": base}, {"q": refused}) == ["q"]
    assert differences(base, refused) == ["text", "decision", "citations"]
