"""Reading articles: offsets-compatible decoding, metadata, and bad files skipped."""

from __future__ import annotations

from pathlib import Path

from assistant.ingest.corpus import Article, extract_title, load_corpus, text_reader
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


def one_article(folder: Path, name: str, text: str) -> Article:
    (folder / name).write_text(text, encoding="utf-8")
    [article], _ = load_corpus(folder)
    return article


def test_markdown_front_matter_and_heading(tmp_path: Path) -> None:
    text = "---\ntitle: Chips\ndate: 2024-02-03\n---\nBody.\n"
    assert extract_title(text, markdown=True) == "Chips"
    assert extract_title("# A headline\n\nBody text.", markdown=True) == "A headline"
    # the front matter's `date:` line is a short dateline among the first eight lines
    article = one_article(tmp_path, "chips.md", text)
    assert (article.title, article.date) == ("Chips", "2024-02-03")
    assert article.date_basis == "2024-02-03, stated in the article (“2024-02-03”)"


def test_the_date_is_worked_out_only_when_asked_for(tmp_path: Path) -> None:
    article = one_article(tmp_path, "a.txt", "6 Jan, 2023\nJapan will reinforce its ties.\n")
    assert "published" not in vars(article)
    assert article.date == "2023-01-06"
    assert "published" in vars(article)


def test_a_korean_dateline_gives_the_date_and_its_basis(tmp_path: Path) -> None:
    article = one_article(tmp_path, "ko.txt", "한미 정상회담\n\n2024년 4월 8일\n\n본문.\n")
    assert article.date == "2024-04-08"
    assert article.date_basis == "2024-04-08, stated in the article (“2024년 4월 8일”)"


def test_a_date_that_is_not_in_the_calendar_is_never_shown(tmp_path: Path) -> None:
    article = one_article(tmp_path, "feb.txt", "31 Feb 2023\nThe summit opened.\n")
    assert article.date is None
    assert article.date_basis.startswith("unknown") and "02-31" not in article.date_basis


def test_a_date_in_a_long_header_sentence_is_news_not_the_articles(tmp_path: Path) -> None:
    text = (
        "The two leaders met at the White House on January 13, 2023, and agreed to work "
        "together on chip export controls.\n\nMore text.\n"
    )
    article = one_article(tmp_path, "met.txt", text)
    assert article.date is None
    assert article.published.basis != "stated"


def test_bad_files_are_skipped_with_a_reason(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("A fine article about chips.\n")
    (tmp_path / "latin1.txt").write_bytes("Caf\xe9 au lait".encode("latin-1"))
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\x00\x00\x01")
    (tmp_path / "empty.md").write_text("  \n\n")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")  # a PDF cut short
    (tmp_path / "slides.pptx").write_bytes(b"PK\x03\x04")  # not an article type
    articles, skipped = load_corpus(tmp_path)
    assert [a.source for a in articles] == ["good.txt"]
    reasons = {s.source: s.reason for s in skipped}
    assert set(reasons) == {"latin1.txt", "binary.txt", "empty.md", "notes.pdf", "slides.pptx"}
    assert "PDF" in reasons["notes.pdf"]
    assert reasons["slides.pptx"].startswith("not a kind of file read as an article (.pptx)")
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
