"""One story once: copies of an agency story on several sites are grouped at ingest, kept,
and answered from once, the others named as "also published by".

The copies are made here from a seed article: the same agency text on two other sites,
each with its own headline, navigation, cookie banner, related links and footer, one of
them with a dateline added and its last paragraph cut. The other seeds are different
stories on the same topic (US-Japan summits, chips): they must not be grouped.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from assistant.ingest.corpus import load_corpus
from assistant.ingest.dedup import MIN_SHINGLES, THRESHOLD, Entry, group, resemblance, sketch
from assistant.ingest.formats import extract
from assistant.web.origin import Origin, write_origin
from tests.conftest import ROOT, SEEDS, off_machine, settings_for
from tests.local_web import news_page

TALKS = "002_eb2b49479483de60.txt"
QUESTION = "Where did Biden and Kishida meet a day before the G7 summit?"
COPIES = {  # file -> (address, site, headline)
    "japantoday-kishida-biden.html": (
        "https://www.japantoday.example/news/kishida-biden", "Japan Today",
        "Kishida and Biden vow closer chip and AI cooperation",
    ),
    "asiawire-tech-pact.html": (
        "https://asiawire.example/2023/05/19/tech-pact", "Asia Wire",
        "Japan, US to step up tech ties ahead of G7",
    ),
}  # fmt: skip


def agency_paragraphs() -> list[str]:
    text = (SEEDS / TALKS).read_text(encoding="utf-8")
    return [p for p in text.split("\n\n")[2:] if p.strip()]  # no headline, no byline


def write_copies(folder: Path) -> None:
    """The seed story as two other sites ran it, each saved with its address."""
    paragraphs = agency_paragraphs()
    for n, (name, (url, site, headline)) in enumerate(COPIES.items()):
        body = (
            paragraphs if n == 0 else [f"HIROSHIMA (Kyodo) -- {paragraphs[0]}", *paragraphs[1:-1]]
        )
        data = news_page(headline, body, site=site, published="2023-05-19").encode()
        (folder / name).write_bytes(data)
        write_origin(folder / name, Origin(url, "2024-05-01T08:00:00+00:00", _sha(data)))


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_copies_resemble_and_other_stories_on_the_topic_do_not(tmp_path: Path) -> None:
    write_copies(tmp_path)
    original = sketch((SEEDS / TALKS).read_text(encoding="utf-8"))[0]
    for name in COPIES:
        text = extract(tmp_path / name, (tmp_path / name).read_bytes()).text
        assert resemblance(original, sketch(text)[0]) >= THRESHOLD, name
    others = [sketch(p.read_text(encoding="utf-8"))[0] for p in sorted(SEEDS.glob("*.txt"))]
    for i, a in enumerate(others):
        for b in others[i + 1 :]:
            assert resemblance(a, b) < 0.1


def test_short_texts_are_never_grouped() -> None:
    brief = "The first tram line of Riverton opened on Tuesday with 14 stops and 9 trams."
    a, b = sketch(brief), sketch(brief.replace("14 stops", "15 stops"))
    assert a[1] < MIN_SHINGLES and resemblance(a[0], b[0]) > 0.3
    entries = {name: Entry("x", s, n, 20) for name, (s, n) in (("a.txt", a), ("b.txt", b))}
    assert group(entries) == {}


@pytest.mark.parametrize("folder", [SEEDS, ROOT / "evals" / "corpus2"])
def test_the_seed_and_second_corpus_have_no_copies(folder: Path) -> None:
    """So their answers do not change: nothing in them is left out of retrieval."""
    articles, _ = load_corpus(folder)
    entries = {}
    for a in articles:
        shown, count = sketch(a.text)
        entries[a.source] = Entry(a.sha256, shown, count, len(a.text.split()))
    assert len(entries) >= 5 and group(entries) == {}


@pytest.fixture
def copies_settings(tmp_path: Path, model_cache: Path):  # noqa: ANN201
    folder = tmp_path / "news"
    shutil.copytree(SEEDS, folder)
    write_copies(folder)
    return settings_for(
        source_dir=folder,
        persist_dir=tmp_path / "store",
        model_cache_dir=model_cache,
        check_role_prompt="",
    )


def test_copies_are_kept_but_answered_from_once(copies_settings, capsys) -> None:  # noqa: ANN001
    from assistant.answering.selection import RankSelector
    from assistant.cli.printing import print_answer
    from assistant.core import Assistant
    from assistant.ui.render import source_html
    from tests.test_stages import Replying

    chat = Replying("Biden and Kishida met in Hiroshima.")
    with off_machine() as attempts:  # pages with addresses: ingest and answering stay here
        assistant = Assistant(copies_settings, chat_model=chat, selector=RankSelector())
        answer = assistant.ask(QUESTION)
    assert attempts == []
    report = assistant.last_ingest
    assert report is not None and report.copies == {name: TALKS for name in sorted(COPIES)}
    assert "Copies of one story (kept; answered from the first named):" in report.summary()
    assert set(assistant.store.files()) >= set(COPIES)  # their chunks are in the store
    for found in (assistant.retriever.retrieve(QUESTION, top_k=20), answer.chunks):
        assert found and not {c.source for c in found} & set(COPIES)

    cited = answer.citations[0]
    assert not answer.abstained and {c.source for c in answer.citations} == {TALKS}
    assert cited.also_published_by == ["asiawire.example", "japantoday.example"]
    assert cited.url is None  # the seed was saved by hand
    print_answer(answer, copies_settings.folder)
    assert "    also published by asiawire.example, japantoday.example" in capsys.readouterr().out
    assert "Also published by asiawire.example, japantoday.example" in source_html(cited, None)
    from assistant.ui.api import answer_json
    from assistant.ui.transcript import citation_markdown

    assert "; also published by asiawire.example, japantoday.example\n" in citation_markdown(cited)
    said = answer_json(answer)["citations"][0]
    assert said["also_published_by"] == cited.also_published_by and said["url"] is None


def test_taking_the_answering_copy_out_lets_another_answer(copies_settings) -> None:  # noqa: ANN001
    from assistant.core import Assistant
    from assistant.ingest.folder import remove_file

    assistant = Assistant(copies_settings)
    remove_file(copies_settings.folder, TALKS)
    report = assistant.ingest(progress=False)
    head = "japantoday-kishida-biden.html"  # the fuller of the two left
    assert report.copies == {"asiawire-tech-pact.html": head} and report.changed
    sources = {c.source for c in assistant.retriever.retrieve(QUESTION, top_k=20)}
    assert head in sources and "asiawire-tech-pact.html" not in sources

    gr = pytest.importorskip("gradio")
    assert gr is not None
    from assistant.ui.articles import article_rows

    rows = {row[0]: row[3] for row in article_rows(assistant)}
    assert rows[head] == COPIES[head][0]
    assert rows["asiawire-tech-pact.html"] == (
        f"{COPIES['asiawire-tech-pact.html'][0]} (same story as {head}, which answers)"
    )
