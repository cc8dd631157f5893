"""Every article's date travels with its chunks, saying where it came from."""

from __future__ import annotations

import datetime
import json

import pytest

from assistant.dates import ArticleDate, Span, described


def test_a_date_is_described_with_its_basis() -> None:
    stated = ArticleDate(
        datetime.date(2023, 1, 6), "day", "stated", Span("6 Jan, 2023", 0, 11), 0.95
    )
    inferred = ArticleDate(
        datetime.date(2023, 1, 1), "month", "inferred", Span("January 12, 2023", 9, 25), 0.7
    )
    unknown = ArticleDate(None, None, "unknown", None, 0.0, note="no month or year")
    assert described(stated) == "2023-01-06, stated in the article (“6 Jan, 2023”)"
    assert described(inferred) == (
        "2023-01 (month only), inferred from “January 12, 2023” (confidence 0.7)"
    )
    assert described(unknown) == "unknown: no month or year"


def test_ingest_shows_each_articles_date_and_citations_carry_it(
    make_settings, capsys: pytest.CaptureFixture[str]
) -> None:
    from assistant.cli import main
    from assistant.ingest.embeddings import fingerprint
    from assistant.ingest.store import ArticleStore

    s = make_settings()
    assert (
        main(["ingest", "--source-dir", str(s.source_dir), "--persist-dir", str(s.persist_dir)])
        == 0
    )
    out = capsys.readouterr().out
    assert "001_b74b093e62153c20.txt: 2023-01-06, stated in the article (“6 Jan, 2023”)" in out
    assert "004_ff1a511bfc4cd547.txt: 2024-04-08, stated in the article (“2024. 4. 8”)" in out
    assert "000_e1d0b48b7dc6eb12.txt: 2023-01 (month only), inferred from" in out
    assert "003_cfbc3517925c6292.txt: unknown: " in out
    stored = ArticleStore(s, fingerprint(s)).all_nodes()
    bases = {n.metadata["source"]: n.metadata["date_basis"] for n in stored}
    assert bases["002_eb2b49479483de60.txt"].startswith("2023-05-19, stated")
    assert len(bases) == 5 and all(bases.values())
    # the resolved expressions are stored with the chunk that holds them
    notes = [json.loads(n.metadata["dates"]) for n in stored if n.metadata.get("dates")]
    flat = {(d["expression"], d["reading"]) for group in notes for d in group}
    assert ("on Thursday", "Thursday, May 18, 2023") in flat
    assert ("on the 23rd", "23rd, the article gives no month") in flat
