"""Relative dates in the answer step: the model reads "on Thursday [May 18, 2023]",
the quote stays the file's exact text, and a claim that states the resolved date
is carried by the quote that holds the expression.

Unit tests of parsing and formatting over the real seed files (no model): the
phrased answers are written by hand.
"""

from __future__ import annotations

from assistant.answering.citations import CheckedAnswer, citation, cite, claims_of, dates_added
from assistant.answering.decision import answer_type_found, typed_choice
from assistant.answering.evidence import numbered, sentences_of, with_dates
from assistant.answering.question import Question
from assistant.ingest.corpus import load_corpus
from assistant.schema import Evidence, RetrievedChunk, dates_said
from evals.metrics import cited_text, supported_facts
from tests.conftest import SEEDS

ARTICLES = {a.source: a for a in load_corpus(SEEDS)[0]}
HIROSHIMA = "002_eb2b49479483de60.txt"  # dated May 19, 2023, a Friday
NISHIMURA = "001_b74b093e62153c20.txt"  # dated 6 Jan, 2023, a Friday
TOKYO = "003_cfbc3517925c6292.txt"  # no date at all: "on the 22nd", "on the 23rd"
NORTH_KOREA = "004_ff1a511bfc4cd547.txt"  # dated 2024. 4. 8.


def read(source: str) -> str | None:
    return ARTICLES[source].text if source in ARTICLES else None


def chunk(source: str) -> RetrievedChunk:
    """The whole article as one retrieved chunk, its date notes as ingest stores them."""
    article = ARTICLES[source]
    return RetrievedChunk(
        id=source, source=source, start=0, end=len(article.text), text=article.text,
        date=article.date, dates=list(article.dates), score=1.0,
    )  # fmt: skip


def sentence(source: str, phrase: str) -> Evidence:
    found = sentences_of([chunk(source)], read)
    return next(e for e in found if phrase in " ".join(e.text.split()))


def cite_from(evidence: Evidence, phrased: str, question: str) -> CheckedAnswer:
    """`cite` with one sentence shown and chosen."""
    return cite(phrased, Question.parse(question), [evidence], [evidence])


def test_every_date_note_is_the_files_text_at_its_offsets() -> None:
    notes = [(a, n) for a in ARTICLES.values() for n in a.dates]
    assert len(notes) >= 30
    for article, note in notes:
        assert article.text[note.start : note.end] == note.expression
    readings = {(a.source[:3], n.expression, n.reading) for a, n in notes}
    assert ("002", "on Thursday", "Thursday, May 18, 2023") in readings
    # "will co-host ... on Wednesday": the Wednesday ahead
    assert ("001", "on Wednesday", "Wednesday, January 11, 2023") in readings
    assert ("003", "on the 22nd", "22nd, the article gives no month") in readings
    assert ("000", "last December", "December 2022") in readings


def test_the_model_reads_the_date_and_the_quote_stays_verbatim() -> None:
    agreed = sentence(HIROSHIMA, "on Thursday agreed")
    assert agreed.text == read(HIROSHIMA)[agreed.start : agreed.end]  # type: ignore[index]
    assert "[" not in agreed.text
    assert [n.reading for n in agreed.dates] == ["Thursday, May 18, 2023"]
    assert "Joe Biden on Thursday [Thursday, May 18, 2023] agreed" in with_dates(agreed)
    assert "on Thursday [Thursday, May 18, 2023] agreed" in numbered([agreed])
    plain = sentence(HIROSHIMA, "a day before the Group of Seven")
    assert plain.dates == [] and with_dates(plain) == plain.text


def test_notes_follow_a_chunk_whose_file_moved() -> None:
    """A file edited above the chunk since ingest: the chunk is found again and its
    notes move with it, so the bracket still lands after "on Thursday"."""
    article = ARTICLES[HIROSHIMA]
    moved = "Correction appended at the top.\n" + article.text
    stale = chunk(HIROSHIMA)
    found = sentences_of([stale], lambda _: moved)
    agreed = next(e for e in found if "on Thursday agreed" in e.text)
    assert moved[agreed.dates[0].start : agreed.dates[0].end] == "on Thursday"
    assert "on Thursday [Thursday, May 18, 2023] agreed" in with_dates(agreed)


def test_a_claim_with_the_resolved_date_is_carried_by_the_quote() -> None:
    agreed = sentence(HIROSHIMA, "on Thursday agreed")
    question = "When did Kishida and Biden agree to cooperate on semiconductors?"
    checked = cite(
        "On May 18, 2023, Kishida and Biden agreed to step up cooperation on semiconductors.",
        Question.parse(question), [agreed], [agreed],
    )  # fmt: skip
    assert checked.text.startswith("On May 18, 2023, Kishida and Biden agreed")
    assert checked.citations[0].quote == agreed.text
    assert [n.reading for n in checked.citations[0].dates] == ["Thursday, May 18, 2023"]
    wrong = cite_from(agreed, "They agreed on May 25, 2023.", question)
    assert "May 25" not in wrong.text  # a date no quote resolves to is still cut


def test_a_date_copied_with_its_bracket_reads_as_parentheses() -> None:
    assert claims_of("They met on Thursday [May 18, 2023] [1].") == [
        "They met on Thursday (May 18, 2023)."
    ]


def test_an_ordinal_in_the_claim_matches_the_quote() -> None:
    arrived = sentence(TOKYO, "arrived in Tokyo")
    checked = cite_from(
        arrived, "Biden arrived in Tokyo on the 22nd.", "On what day did Biden arrive in Tokyo?"
    )
    assert not checked.extractive and "22nd" in checked.text


def test_two_quotes_can_carry_one_claim_together() -> None:
    arrived = sentence(TOKYO, "arrived in Tokyo")
    summit = sentence(TOKYO, "during a summit with Japanese Prime Minister Fumio Kishida")
    question = "On what day did Biden arrive in Tokyo ahead of his summit?"
    checked = cite(
        "On the 22nd, Biden arrived in Tokyo ahead of his summit with Fumio Kishida.",
        Question.parse(question), [arrived], [arrived, summit],
    )  # fmt: skip
    assert [c.quote for c in checked.citations] == [arrived.text, summit.text]
    assert "[1][2]" in checked.text


def test_a_when_answer_says_what_the_article_leaves_open() -> None:
    arrived = sentence(TOKYO, "arrived in Tokyo")
    question = "On what day did Biden arrive in Tokyo?"
    checked = cite_from(arrived, "Biden arrived in Tokyo on the 22nd.", question)
    assert checked.text.endswith("(“on the 22nd” is 22nd, the article gives no month.)")
    assert dates_said(arrived.dates) == "“on the 22nd” is 22nd, the article gives no month"
    # not for a question that asks no date, nor when the answer already gives it
    assert dates_added(Question.parse("Who arrived in Tokyo?"), "Biden.", [arrived]) == ""
    agreed = sentence(HIROSHIMA, "on Thursday agreed")
    assert dates_added(Question.parse("When did they agree?"), "On May 18, 2023.", [agreed]) == ""
    weekday = "On what day of the week did they agree?"
    assert (
        dates_added(Question.parse(weekday), "On May 18, 2023.", [agreed])
        == " (“on Thursday” is May 18, 2023.)"
    )


def test_a_quoted_answer_to_a_when_question_gives_the_date() -> None:
    agreed = sentence(HIROSHIMA, "on Thursday agreed")
    checked = cite_from(agreed, "The articles don't say.", "When did they agree?")
    assert checked.extractive
    assert checked.text.endswith("[1] (“on Thursday” is May 18, 2023.)")


def test_the_sentence_that_dates_an_event_joins_the_one_that_names_it() -> None:
    meeting = sentence(NISHIMURA, "who met with Nishimura in Washington")  # no date
    dated = sentence(NISHIMURA, "on Thursday morning").model_copy(update={"probability": 0.12})
    unlikely = sentence(NISHIMURA, "on Friday").model_copy(update={"probability": 0.02})
    question = "On what date did Nishimura meet Gina Raimondo?"
    assert not answer_type_found(Question.parse(question), [meeting])
    assert answer_type_found(
        Question.parse(question), [dated]
    )  # "Thursday morning [January 5, 2023]"
    assert typed_choice(Question.parse(question), [meeting], [meeting, unlikely, dated]) == [
        dated,
        meeting,
    ]
    assert typed_choice(Question.parse(question), [meeting], [meeting, unlikely]) == [
        meeting
    ]  # 0.02 < 0.04
    assert typed_choice(Question.parse(question), [meeting], [meeting, dated], least=0.2) == [
        meeting
    ]
    who = "Who met Nishimura in Washington?"
    assert typed_choice(Question.parse(who), [meeting], [meeting, dated]) == [
        meeting
    ]  # the type is there


def test_the_dating_sentence_comes_from_a_chosen_sentences_article() -> None:
    quad = sentence(TOKYO, "IPEF").model_copy(update={"probability": 0.54})  # no day
    next_day = sentence(TOKYO, "Quad summit the following day").model_copy(
        update={"probability": 0.06}
    )
    other = sentence(NORTH_KOREA, "On the 29th of last month").model_copy(
        update={"probability": 0.09}
    )
    question = "On what day was the Quad summit in Tokyo?"
    assert typed_choice(Question.parse(question), [quad], [quad, other, next_day]) == [
        next_day,
        quad,
    ]
    # never another article's day: that is another event
    assert typed_choice(Question.parse(question), [quad], [quad, other]) == [quad]


def test_a_when_answer_takes_its_date_from_the_chosen_sentences() -> None:
    """The model dated the VOA remark with the CNN interview's day (a sentence it did
    not choose): that date is cut, and the chosen sentence that dates it is cited."""
    said = sentence(NORTH_KOREA, "On the 29th of last month")
    told = sentence(NORTH_KOREA, "he told VOA")  # no date
    cnn = sentence(NORTH_KOREA, "CNN interview on the 7th")
    question = "When did a State Department spokesperson tell VOA about dialogue?"
    phrased = "He told VOA they are clear about dialogue with the DPRK. It was on April 7, 2024."
    ap = sentence(NORTH_KOREA, "including AP")  # chosen first, dated "on Friday", far off
    assert ap.dates
    checked = cite(phrased, Question.parse(question), [ap, told, said], [ap, told, cnn, said])
    assert "April 7" not in checked.text
    assert [c.quote for c in checked.citations] == [told.text, said.text]
    assert checked.text.endswith("(“On the 29th of last month” is March 29, 2024 [2].)")
    # a chosen sentence with another day does not date the remark: "on Friday" is AP's
    ap_said = phrased.replace("It was on April 7", "He spoke to AP on April 5")
    assert (
        cite(ap_said, Question.parse(question), [ap, told, said], [ap, told, said]).text
        == checked.text
    )
    # a question that asks no date keeps the re-pointing to any shown sentence
    plain = cite(
        phrased, Question.parse("What did the spokesperson tell VOA?"), [told], [told, cnn]
    )
    assert "It was on April 7, 2024 [2]" in plain.text


def test_a_resolved_date_counts_as_supported_when_the_quote_holds_its_expression() -> None:
    agreed = sentence(HIROSHIMA, "on Thursday agreed")
    cited = citation(1, agreed)
    assert "18 May 2023" in cited_text(cited) and "2023-05-18" in cited_text(cited)
    facts = [["18 May 2023", "May 18, 2023"]]
    assert supported_facts("On May 18, 2023 [1].", facts, [cited_text(cited)]) == [True]
    assert supported_facts("On May 18, 2023 [1].", facts, [agreed.text]) == [False]
    article_date = [["May 19, 2023"]]  # the cited article's own date (its header states it)
    assert supported_facts("Dated May 19, 2023 [1].", article_date, [cited_text(cited)]) == [True]
    assert dates_said(agreed.dates) == "“on Thursday” is May 18, 2023"


def test_the_ui_shows_what_each_quotes_dates_mean() -> None:
    from assistant.ui.render import source_html

    agreed = sentence(HIROSHIMA, "on Thursday agreed")
    cited = citation(1, agreed)
    html = source_html(cited, read(HIROSHIMA))
    assert '<div class="na-dates">Dates: “on Thursday” is May 18, 2023</div>' in html
    assert "na-dates" not in source_html(cited.model_copy(update={"dates": []}), read(HIROSHIMA))


def test_a_date_question_wants_a_day_when_it_asks_for_one() -> None:

    last_year = sentence(HIROSHIMA, "since the beginning of last year")
    assert answer_type_found(
        Question.parse("When did North Korea start its missile tests?"), [last_year]
    )
    assert not answer_type_found(Question.parse("On what date did the tests start?"), [last_year])
    parse = Question.parse
    assert parse("Since when has North Korea test-fired missiles?").asks_date
    assert parse("According to the report, when did North Korea carry out its last test?").asks_date
    assert not parse("What was on the agenda when Nishimura met Katherine Tai?").asks_date
    assert parse("What is the date of the article on the Hiroshima talks?").asks_article_date
    assert not parse("When did Biden and Kishida meet in Hiroshima?").asks_article_date


def test_the_month_may_is_a_key_term_and_the_verb_is_not() -> None:
    from assistant.answering.terms import key_terms

    assert "may" in key_terms("Biden landed in Tokyo on May 23rd, 2023.")
    assert "may" not in key_terms("He May decide later.")
    arrived = sentence(TOKYO, "arrived in Tokyo")
    checked = cite_from(
        arrived, "Biden arrived in Tokyo on May 22nd.", "On what day did Biden arrive in Tokyo?"
    )
    assert "May" not in checked.text  # the article gives no month: the month is cut


def test_the_articles_own_date_supports_only_a_question_about_it() -> None:
    agreed = sentence(HIROSHIMA, "on Thursday agreed")
    about = cite_from(
        agreed,
        "The article is dated May 19, 2023.",
        "What is the date of the article on the Hiroshima talks?",
    )
    assert "May 19, 2023" in about.text
    held = cite_from(agreed, "They agreed on May 19, 2023.", "When did they agree?")
    assert "May 19" not in held.text


def test_the_streamed_pieces_add_up_to_a_dated_answer() -> None:
    from assistant.answering.citations import CheckedStream

    arrived = sentence(TOKYO, "arrived in Tokyo")
    stream = CheckedStream(
        Question.parse("On what day did Biden arrive in Tokyo?"), [arrived], [arrived]
    )
    shown = [stream.feed(piece) for piece in ("Biden arrived in ", "Tokyo on the 22nd.", " He")]
    rest, checked = stream.end()
    assert "".join(shown) + rest == checked.text
    assert checked.text.endswith("the article gives no month.)")


def test_the_typed_join_threshold_is_a_setting(make_settings) -> None:
    assert make_settings().thresholds.typed == 0.04
    assert make_settings(typed_join_threshold=0.2).thresholds.typed == 0.2


def test_a_when_answer_quoted_as_is_quotes_the_chosen_sentence_with_the_day() -> None:
    question = "On what day was the Quad leaders' summit in Tokyo?"
    first_summit = sentence(TOKYO, "will hold their first face-to-face summit")
    quad = sentence(TOKYO, "At the Quad summit on the 24th")
    # the model's date is in no quote, and without it nothing is carried: the quote
    # given as the answer is the chosen sentence with a day, not the likelier one
    checked = cite(
        "It took place on April 8, 2024.", Question.parse(question), [first_summit, quad], [quad]
    )
    assert checked.citations[0].start == quad.start and "24th" in checked.text, checked.text
    who = "Who will hold a summit in Tokyo?"
    checked = cite(
        "It took place on April 8, 2024.", Question.parse(who), [first_summit, quad], [quad]
    )
    assert checked.citations[0].start == first_summit.start


def test_a_when_answer_gives_one_date_the_events_not_the_articles() -> None:
    """ "On January 6, 2023 (the article's date), Japan will reinforce ..." from a sentence
    whose "on Thursday" is January 5: the article's date is taken out, the event's added
    with the expression it was resolved from."""
    said = sentence(NISHIMURA, "reinforce")
    checked = cite_from(
        said,
        "On January 6, 2023, Japan will reinforce export-control cooperation with the US.",
        "When did Nishimura say Japan would reinforce export-control cooperation with the US?",
    )
    assert "January 6" not in checked.text, checked.text
    assert "January 5, 2023" in checked.text and "“on Thursday”" in checked.text
    assert checked.text.count("2023") == 1
