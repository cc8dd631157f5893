"""Reading articles: offsets-compatible decoding, metadata, and bad files skipped."""

from __future__ import annotations

from pathlib import Path

from assistant.corpus import extract_title_and_date, load_corpus, parse_date, text_reader
from tests.conftest import SEEDS


def test_seed_text_matches_open_read() -> None:
    articles, skipped = load_corpus(SEEDS)
    assert skipped == []
    assert len(articles) == 5
    for article in articles:
        assert article.text == open(article.path, encoding="utf-8").read()


def test_titles_and_dates_where_the_articles_state_them() -> None:
    found = {a.source: (a.title, a.date) for a in load_corpus(SEEDS)[0]}
    assert found["001_b74b093e62153c20.txt"] == (None, "2023-01-06")
    assert found["002_eb2b49479483de60.txt"] == (
        "Kishida, Biden agree to step up advanced technology cooperation",
        "2023-05-19",
    )
    assert found["003_cfbc3517925c6292.txt"][0].startswith("US and Japan Establish New Framework")
    assert found["004_ff1a511bfc4cd547.txt"][1] == "2024-04-08"
    assert found["000_e1d0b48b7dc6eb12.txt"] == (None, None)


def test_date_formats() -> None:
    assert parse_date("6 Jan, 2023") == "2023-01-06"
    assert parse_date("by May 19, 2023Featured") == "2023-05-19"
    assert parse_date("김종찬안보 2024. 4. 8. 14:13") == "2024-04-08"
    assert parse_date("no date here 12345") is None


def test_markdown_front_matter_and_heading() -> None:
    text = "---\ntitle: Chips\ndate: 2024-02-03\n---\nBody.\n"
    assert extract_title_and_date(text, markdown=True) == ("Chips", "2024-02-03")
    assert extract_title_and_date("# A headline\n\nBody text.", markdown=True)[0] == "A headline"


def test_bad_files_are_skipped_with_a_reason(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("A fine article about chips.\n")
    (tmp_path / "latin1.txt").write_bytes("Caf\xe9 au lait".encode("latin-1"))
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\x00\x00\x01")
    (tmp_path / "empty.md").write_text("  \n\n")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")  # not an article type: ignored
    articles, skipped = load_corpus(tmp_path)
    assert [a.source for a in articles] == ["good.txt"]
    reasons = {s.source: s.reason for s in skipped}
    assert set(reasons) == {"latin1.txt", "binary.txt", "empty.md"}
    assert "UTF-8" in reasons["latin1.txt"]
    assert "binary" in reasons["binary.txt"]
    assert "empty" in reasons["empty.md"]


def test_crlf_offsets_match_text_mode(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"Line one.\r\nLine two.\r\n")
    [article], _ = load_corpus(tmp_path)
    assert article.text == open(tmp_path / "a.txt", encoding="utf-8").read()


def test_a_link_out_of_the_folder_is_skipped_and_one_inside_is_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n")
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "real.txt").write_text("A real article about chips.\n")
    (folder / "passwd.txt").symlink_to(secret)
    (folder / "alias.txt").symlink_to(folder / "real.txt")
    articles, skipped = load_corpus(folder)
    assert sorted(a.source for a in articles) == ["alias.txt", "real.txt"]
    assert [(s.source, s.reason) for s in skipped] == [
        ("passwd.txt", "a link to a file outside the article folder")
    ]


def test_answer_time_reads_skip_a_file_grown_past_the_limit(tmp_path: Path) -> None:
    """A file replaced by a huge one after ingest is not read into memory to quote it."""
    (tmp_path / "small.txt").write_text("A short article about chips.\n")
    (tmp_path / "grown.txt").write_text("Chips. " * 300)  # 2,100 bytes
    read = text_reader(tmp_path, max_mb=0.002)  # 2,000 bytes
    assert read("small.txt") == "A short article about chips.\n"
    assert read("grown.txt") is None
    assert text_reader(tmp_path)("grown.txt") == "Chips. " * 300  # under the default 50 MB
    assert read("../small.txt") is None and read("missing.txt") is None
