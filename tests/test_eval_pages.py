"""The real-page corpus's runner and question file (evals/pages/).

The pages themselves are the publishers' HTML and are not in the repository, so these
tests make a stand-in benchmark folder (gzipped pages under the listed hashes) to check
that the runner copies them under the listed names, and check the question file against
the page list: every source a listed page, every item in its page's split.
"""

from __future__ import annotations

import argparse
import gzip
from pathlib import Path

import pytest

from assistant.errors import AssistantError
from evals.pages import materialize, pages
from evals.runner import PAGES_QUESTIONS, corpora, load_questions


def test_the_question_file_matches_the_page_list() -> None:
    listed = {p.name: p for p in pages()}
    questions = load_questions(PAGES_QUESTIONS)
    assert len(listed) == 50 and len(questions) >= 200
    assert len({p.url.split("/")[2] for p in listed.values()}) >= 25  # sites
    unanswerable = [q for q in questions if not q.answerable]
    assert len(unanswerable) >= 50
    for q in questions:
        assert set(q.sources) <= set(listed), q.id
        assert all(listed[s].split == q.split for s in q.sources), q.id
    for split in ("dev", "heldout"):  # both halves hold each kind of item
        kinds = {q.kind for q in questions if q.split == split}
        assert {"single", "unanswerable"} <= kinds


def test_pages_are_copied_out_of_the_benchmark_under_their_names(tmp_path: Path) -> None:
    bench = tmp_path / "aeb" / "html"
    bench.mkdir(parents=True)
    for page in pages():
        html = f"<html><head><title>{page.name}</title></head><body><p>x</p></body></html>"
        (bench / f"{page.sha256}.html.gz").write_bytes(gzip.compress(html.encode()))
    into = materialize(tmp_path / "aeb", tmp_path / "folder")
    assert sorted(p.name for p in into.iterdir()) == sorted(p.name for p in pages())
    first = pages()[0]
    assert first.name in (into / first.name).read_text(encoding="utf-8")
    before = (into / first.name).stat().st_mtime_ns
    materialize(tmp_path / "aeb", tmp_path / "folder")  # unchanged pages are left alone
    assert (into / first.name).stat().st_mtime_ns == before


def test_a_folder_that_is_not_the_benchmark_is_named_in_the_error(tmp_path: Path) -> None:
    with pytest.raises(AssistantError, match=rf"--pages {tmp_path}: not the extraction"):
        materialize(tmp_path, tmp_path / "folder")


def test_the_pages_corpus_needs_its_folder() -> None:
    args = argparse.Namespace(questions=None, corpus="pages", pages=None, only=[])
    with pytest.raises(AssistantError, match="--corpus pages needs --pages DIR"):
        corpora(args)
    args.corpus = "all"  # without the folder, "all" is the two corpora in the repository
    assert [c.name for c in corpora(args)] == ["seeds", "corpus2"]
