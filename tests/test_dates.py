"""assistant.dates: the article's date, relative expressions, annotation, formats.

Pure functions, so every test is a string in and values out; the seed tests read
the five articles from the checkout and assert what reading them supports.
"""

from __future__ import annotations

import datetime

import pytest

from assistant.dates import (
    ArticleDate,
    Resolved,
    annotate,
    article_date,
    formats,
    resolve,
    unannotate,
)
from tests.conftest import SEEDS

D = datetime.date


def dated(y: int, m: int, d: int) -> ArticleDate:
    return ArticleDate(D(y, m, d), "day", "stated", None, 0.95)


UNDATED = ArticleDate(None, None, "unknown", None, 0.0)
JANUARY_2023 = ArticleDate(D(2023, 1, 1), "month", "inferred", None, 0.7)


def one(text: str, published: ArticleDate) -> Resolved:
    results = resolve(text, published)
    assert len(results) == 1, results
    return results[0]


def on(text: str, published: ArticleDate) -> D | None:
    return one(text, published).date


# --- formats -----------------------------------------------------------------


def test_formats_are_the_three_forms_a_reader_writes() -> None:
    assert formats(D(2023, 5, 18)) == ["May 18, 2023", "18 May 2023", "2023-05-18"]
    assert formats(D(2024, 4, 8)) == ["April 8, 2024", "8 April 2024", "2024-04-08"]


# --- article_date --------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected", "evidence"),
    [
        ("6 Jan, 2023\nJapan will reinforce", D(2023, 1, 6), "6 Jan, 2023"),
        ("Title here\n\nby May 19, 2023Featured Article, News\n\nBody.", D(2023, 5, 19), None),
        ("안보\n\n김종찬안보 2024. 4. 8. 14:13\n728x90\n", D(2024, 4, 8), "2024. 4. 8"),
        ("Posted 2023-05-18\nBody", D(2023, 5, 18), "2023-05-18"),
        ("기사입력 2022년 5월 23일\n본문", D(2022, 5, 23), "2022년 5월 23일"),
    ],
)
def test_a_date_in_the_header_is_stated(header: str, expected: D, evidence: str | None) -> None:
    result = article_date(header, "a.txt")
    assert (result.date, result.precision, result.basis) == (expected, "day", "stated")
    assert result.confidence == 0.95 and result.source == "a.txt"
    assert result.evidence is not None
    span = result.evidence
    assert header[span.start : span.end] == span.text
    assert evidence is None or span.text == evidence


def test_a_date_in_a_sentence_is_news_not_the_dateline() -> None:
    long = (
        "The two leaders met at the White House on January 13, 2023, and agreed to work "
        "together on chip export controls for years to come.\nMore text."
    )
    short = "Title\n\nThe leaders met at the White House on May 18, 2023.\nMore."
    assert article_date(long).basis != "stated"
    assert article_date(short).basis != "stated"


def test_no_date_at_all_is_unknown_and_says_what_the_text_gives() -> None:
    result = article_date("Biden arrived on the 22nd. The summit is on the 23rd.")
    assert (result.date, result.precision, result.basis, result.confidence) == (
        None,
        None,
        "unknown",
        0.0,
    )
    assert "22nd, 23rd" in result.note and "no month or year" in result.note


def test_a_cited_date_alone_is_only_a_lower_bound() -> None:
    body = "x " * 50 + "\nThe report, see September 21, 2022, said so on the 13th."
    result = article_date(body)
    assert result.basis == "unknown" and result.date is None
    assert result.evidence is not None and result.evidence.text == "September 21, 2022"
    assert "no earlier than 2022-09-21" in result.note


def test_a_cited_date_and_its_month_named_again_infer_the_month() -> None:
    body = (
        "x " * 50 + "\nOn January 11, the ministers met; the summit followed on the 13th.\n"
        "<Refer to the report on the ministers' meeting in Washington, dated January 12, 2023>"
    )
    result = article_date(body)
    assert (result.date, result.precision, result.basis) == (D(2023, 1, 1), "month", "inferred")
    assert result.evidence is not None and result.evidence.text == "January 12, 2023"
    assert [s.text for s in result.support] == ["January"]
    assert 0.5 <= result.confidence <= 0.8


# --- weekday -------------------------------------------------------------------

FRIDAY = dated(2023, 1, 6)  # Friday 6 January 2023


def test_weekday_is_the_latest_one_before_the_article() -> None:
    assert on("an official said on Thursday", FRIDAY) == D(2023, 1, 5)
    assert on("they met on Monday", FRIDAY) == D(2023, 1, 2)
    assert on("they met on Saturday", FRIDAY) == D(2022, 12, 31)  # across the year


def test_the_articles_own_weekday_is_the_article_day_in_either_tense() -> None:
    assert on("talks with Tai on Friday", FRIDAY) == D(2023, 1, 6)
    assert on("He will hold talks with Tai on Friday", FRIDAY) == D(2023, 1, 6)
    assert on("The three-day G7 talks from Friday come", dated(2023, 5, 19)) == D(2023, 5, 19)


def test_weekday_in_a_future_clause_is_the_next_one() -> None:
    text = "Blinken will co-host the meeting with Hamada on Wednesday in Washington."
    assert on(text, FRIDAY) == D(2023, 1, 11)


def test_a_past_verb_next_to_the_weekday_overrides_an_earlier_will() -> None:
    text = "Japan will reinforce its coordination, a senior official said on Thursday amid talks."
    assert on(text, FRIDAY) == D(2023, 1, 5)
    assert on("Kishida and Biden on Thursday agreed to cooperate", dated(2023, 5, 19)) == D(
        2023, 5, 18
    )


def test_words_ending_in_ed_that_are_not_verbs_keep_the_future() -> None:
    assert on("Japan will join the United States on Monday", FRIDAY) == D(2023, 1, 9)


def test_a_will_in_the_sentence_before_does_not_reach_the_weekday() -> None:
    """The tense window ends where chunking ends a sentence (`lexicon.SENTENCE_END`)."""
    text = "Leaders will meet again… The summit of G7 nations on Thursday drew protests."
    assert on(text, FRIDAY) == D(2023, 1, 5)
    assert on(text.replace("…", "."), FRIDAY) == D(2023, 1, 5)


def test_a_sentence_that_opens_with_the_weekday_is_not_the_one_before() -> None:
    """The stop right before the expression ends the earlier sentence and its "will"."""
    text = "Biden will travel to Asia. On Thursday, he spoke to reporters."
    assert on(text, FRIDAY) == D(2023, 1, 5)
    assert on("Biden will travel to Asia. On Thursday, he will speak.", FRIDAY) == D(2023, 1, 12)


def test_last_and_next_weekday_are_strict() -> None:
    assert on("they met last Friday", FRIDAY) == D(2022, 12, 30)
    assert on("they meet next Friday", FRIDAY) == D(2023, 1, 13)
    assert on("they meet next Monday", FRIDAY) == D(2023, 1, 9)


def test_weekday_keeps_morning_in_its_span_across_a_line_break() -> None:
    result = one("his meeting with Raimondo on\nThursday morning.", FRIDAY)
    assert result.text == "on\nThursday morning" and result.date == D(2023, 1, 5)


def test_weekday_without_a_day_to_count_from_stays_unresolved() -> None:
    for published in (UNDATED, JANUARY_2023):
        result = one("said on Thursday", published)
        assert result.date is None and result.rule == "weekday" and result.note


# --- day of month ----------------------------------------------------------------


def test_day_of_month_is_the_latest_such_day_on_or_before_the_article() -> None:
    assert on("told the Times on the 7th that", dated(2024, 4, 8)) == D(2024, 4, 7)
    assert on("said on the 8th", dated(2024, 4, 8)) == D(2024, 4, 8)  # the day itself


def test_day_of_month_skips_a_month_without_that_day() -> None:
    assert on("signed on the 30th", dated(2023, 3, 2)) == D(2023, 1, 30)  # no 30 February
    assert on("signed on the 31st", dated(2023, 3, 2)) == D(2023, 1, 31)


def test_day_of_month_crosses_the_year() -> None:
    assert on("signed on the 31st", dated(2023, 1, 3)) == D(2022, 12, 31)


def test_day_of_month_and_the_leap_day() -> None:
    assert on("signed on the 29th", dated(2024, 3, 2)) == D(2024, 2, 29)
    assert on("signed on the 29th", dated(2023, 3, 2)) == D(2023, 1, 29)


def test_day_of_month_in_a_future_clause_is_the_next_one() -> None:
    assert on("They will meet on the 10th.", dated(2024, 4, 8)) == D(2024, 4, 10)
    assert on("On the 5th, Biden plans to visit.", dated(2024, 4, 8)) == D(2024, 5, 5)
    # "will" after the expression, in a reported clause, does not make it future
    text = "An official told the Times on the 7th that the leaders will discuss it."
    assert on(text, dated(2024, 4, 8)) == D(2024, 4, 7)


def test_day_of_last_month_names_its_month() -> None:
    assert on("On the 29th of last month, a spokesman", dated(2024, 4, 8)) == D(2024, 3, 29)
    assert on("on the 3rd of next month", dated(2023, 12, 20)) == D(2024, 1, 3)
    result = one("on the 31st of last month", dated(2023, 3, 8))  # 31 February
    assert result.date is None and result.note == "no such day"


def test_day_of_month_in_an_article_dated_to_the_month_takes_that_month() -> None:
    result = one("In a joint statement on the 13th, the leaders", JANUARY_2023)
    assert result.date == D(2023, 1, 13) and "inferred" in result.note


def test_day_of_month_in_an_undated_article_is_partial() -> None:
    result = one("Biden arrived in Tokyo on the 23rd.", UNDATED)
    assert (result.date, result.year, result.month, result.day) == (None, None, None, 23)
    assert result.note == "the article gives no month"
    assert result.label == "23rd, the article gives no month"


def test_ordinals_that_are_not_days_are_left_alone() -> None:
    assert resolve("in the 20th century and the 3rd largest", dated(2023, 1, 6)) == []


# --- month names -------------------------------------------------------------------


def test_month_and_day_without_year_is_the_nearest_one() -> None:
    assert on("is scheduled to meet on January 13.", FRIDAY) == D(2023, 1, 13)
    assert on("met on December 20 in Tokyo", FRIDAY) == D(2022, 12, 20)
    assert resolve("met on January 12, 2023 in Tokyo", FRIDAY) == []  # absolute, not relative


def test_last_month_name_is_the_latest_such_month_before_the_articles() -> None:
    assert one("announced a fighter last December", FRIDAY).label == "2022-12"
    assert one("announced a fighter last December", dated(2023, 12, 15)).label == "2022-12"
    assert one("announced it last March", dated(2023, 5, 19)).label == "2023-03"
    partial = one("an initiative last December", UNDATED)
    assert (partial.month, partial.year, partial.note) == (12, None, "the article gives no year")


def test_month_of_last_year_wins_over_last_year() -> None:
    result = one("the controls in October of last year were flawed", FRIDAY)
    assert (result.rule, result.label) == ("month_relative_year", "2022-10")
    assert one("who took office in October last year", UNDATED).label == (
        "October, the article gives no year"
    )


def test_bare_month_is_the_nearest_one() -> None:
    assert one("Bloomberg reported in December, citing", FRIDAY).label == "2022-12"
    assert one("announced in March a proposal", dated(2023, 5, 19)).label == "2023-03"
    assert one("will visit in March", FRIDAY).label == "2023-03"
    assert resolve("who took office in May 2022", FRIDAY) == []
    assert resolve("it may be that they march", FRIDAY) == []


def test_a_month_in_a_past_clause_is_the_one_before_the_article() -> None:
    # the nearest April to a November article is the next one; "was evicted" says the last
    november = dated(2019, 11, 19)
    assert one("The 48-year-old was evicted in April, court papers show.", november).label == (
        "2019-04"
    )
    assert one("In April, the family moved out.", november).label == "2019-04"
    assert one("She was hired in November.", november).label == "2019-11"
    # the tense of the clause the month is in, not of the verb of saying before it
    assert one("He said the hearing begins in April.", november).label == "2020-04"
    assert one("The hearing is expected in April.", november).label == "2020-04"
    assert one("The show will return in April.", november).label == "2020-04"


def test_a_weekday_followed_by_its_date_is_that_date() -> None:
    november = dated(2019, 11, 19)
    sale = one("Tickets go on sale Friday, Dec. 6 at 10 a.m.", november)
    assert (sale.text, sale.label) == ("Friday, Dec. 6", "2019-12-06")
    assert one("on Monday, November 18, 2019, it said", november).label == "2019-11-18"
    # a weekday and date of the year before: the year in which that day is that weekday
    assert one("It opened Tuesday, Dec. 18.", dated(2019, 1, 10)).label == "2018-12-18"
    assert one("Tickets go on sale Friday at noon.", november).label == "2019-11-15"


# --- relative periods and days ----------------------------------------------------------


def test_last_this_next_year() -> None:
    assert one("since the beginning of last year", dated(2023, 5, 19)).label == "2022"
    assert one("this year's presidential election", dated(2024, 4, 8)).label == "2024"
    assert one("next year", dated(2024, 4, 8)).date == D(2025, 1, 1)


def test_this_and_last_month() -> None:
    assert one("Earlier this month, media reported", dated(2022, 5, 23)).label == "2022-05"
    assert one("last month", dated(2023, 1, 6)).label == "2022-12"
    partial = one("Earlier this month, media reported", UNDATED)
    assert partial.date is None and partial.label == "the article gives no month"


def test_next_week_is_a_week() -> None:
    result = one("they meet next week", FRIDAY)
    assert (result.precision, result.date, result.label) == (
        "week",
        D(2023, 1, 9),
        "week of 2023-01-09",
    )
    assert one("next week", UNDATED).date is None


def test_yesterday_today_tomorrow() -> None:
    assert on("said yesterday", dated(2024, 3, 1)) == D(2024, 2, 29)
    assert on("Today, the leaders", dated(2023, 12, 31)) == D(2023, 12, 31)
    assert on("meet tomorrow", dated(2023, 12, 31)) == D(2024, 1, 1)


def test_the_following_day_counts_from_the_previous_date() -> None:
    text = "Biden met Kishida on Thursday. The next day, the G7 opened. The following day, more."
    results = resolve(text, dated(2023, 5, 19))
    assert [r.date for r in results] == [D(2023, 5, 18), D(2023, 5, 19), D(2023, 5, 20)]
    assert on("The following day, he left.", dated(2023, 12, 31)) == D(2024, 1, 1)
    assert on("the previous day", dated(2024, 3, 1)) == D(2024, 2, 29)


def test_the_following_day_of_a_partial_day_is_partial() -> None:
    text = "The summit is on the 23rd. At the Quad summit the following day, more."
    assert [(r.day, r.month) for r in resolve(text, UNDATED)] == [(23, None), (24, None)]
    late = resolve("on the 31st. The following day", UNDATED)[1]
    assert late.day is None and late.note == "the month's length is unknown"


# --- annotate -------------------------------------------------------------------------


def test_annotate_writes_the_date_after_the_expression() -> None:
    text = "Kishida and Biden on Thursday agreed to cooperate."
    resolved = resolve(text, dated(2023, 5, 19))
    assert annotate(text, resolved) == (
        "Kishida and Biden on Thursday [2023-05-18] agreed to cooperate."
    )


def test_annotate_changes_nothing_else_and_is_undone() -> None:
    text = "On the 23rd [US] said; on the 24th, more. [2023-05-18] stays."
    resolved = resolve(text, UNDATED)
    annotated = annotate(text, resolved)
    assert annotated == (
        "On the 23rd [23rd, the article gives no month] [US] said; "
        "on the 24th [24th, the article gives no month], more. [2023-05-18] stays."
    )
    assert unannotate(annotated, resolved) == text
    assert annotate(text, []) == text
    with pytest.raises(ValueError):
        unannotate(text, resolved)


# --- the seed articles ------------------------------------------------------------------

SEED_DATES = {
    "000_e1d0b48b7dc6eb12.txt": (D(2023, 1, 1), "month", "inferred", "January 12, 2023"),
    "001_b74b093e62153c20.txt": (D(2023, 1, 6), "day", "stated", "6 Jan, 2023"),
    "002_eb2b49479483de60.txt": (D(2023, 5, 19), "day", "stated", "May 19, 2023"),
    "003_cfbc3517925c6292.txt": (None, None, "unknown", None),
    "004_ff1a511bfc4cd547.txt": (D(2024, 4, 8), "day", "stated", "2024. 4. 8"),
}


def seed(name: str) -> str:
    return (SEEDS / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(SEED_DATES))
def test_seed_article_dates(name: str) -> None:
    text = seed(name)
    result = article_date(text, name)
    day, precision, basis, evidence = SEED_DATES[name]
    assert (result.date, result.precision, result.basis) == (day, precision, basis)
    assert (result.evidence.text if result.evidence else None) == evidence
    if result.evidence:
        assert text[result.evidence.start : result.evidence.end] == result.evidence.text
    for span in result.support:
        assert text[span.start : span.end] == span.text
    assert result.confidence == {"stated": 0.95, "inferred": 0.7, "unknown": 0.0}[basis]


def _resolved(name: str) -> dict[str, list[str | None]]:
    text = seed(name)
    table: dict[str, list[str | None]] = {}
    for r in resolve(text, article_date(text, name)):
        assert text[r.start : r.end] == r.text
        table.setdefault(" ".join(r.text.split()), []).append(r.label)
    return table


def test_seed_002_thursday_is_18_may_2023() -> None:
    table = _resolved("002_eb2b49479483de60.txt")
    assert table["on Thursday"] == ["2023-05-18"]
    assert table["from Friday"] == ["2023-05-19"]
    assert table["in March"] == ["2023-03"]


def test_seed_001_weekdays_and_january_13() -> None:
    table = _resolved("001_b74b093e62153c20.txt")
    assert table["on Thursday"] == ["2023-01-05", "2023-01-05"]
    assert table["on Thursday morning"] == ["2023-01-05"]
    assert table["on Friday"] == ["2023-01-06"]
    assert table["on Wednesday"] == ["2023-01-11"]  # "will co-host ... on Wednesday"
    assert table["on January 13"] == ["2023-01-13"]
    assert table["in December"] == ["2022-12", "2022-12"]


def test_seed_000_days_fall_in_january_2023() -> None:
    table = _resolved("000_e1d0b48b7dc6eb12.txt")
    assert table["on the 13th"] == ["2023-01-13"]
    assert table["On the 17th"] == ["2023-01-17"]
    assert table["last December"] == ["2022-12"]
    assert table["in October of last year"] == ["2022-10", "2022-10"]


def test_seed_003_gives_days_without_a_month() -> None:
    table = _resolved("003_cfbc3517925c6292.txt")
    assert table["on the 23rd"] == ["23rd, the article gives no month"]
    assert table["on the 22nd"] == ["22nd, the article gives no month"]
    assert table["the following day"] == ["24th, the article gives no month"]
    assert table["last December"] == ["December, the article gives no year"]


def test_seed_004_days_and_last_month() -> None:
    table = _resolved("004_ff1a511bfc4cd547.txt")
    assert table["on the 7th"] == ["2024-04-07", "2024-04-07"]
    assert table["on Friday"] == ["2024-04-05"]
    assert table["On the 29th of last month"] == ["2024-03-29"]


@pytest.mark.parametrize("name", sorted(SEED_DATES))
def test_seed_annotation_round_trips(name: str) -> None:
    text = seed(name)
    resolved = resolve(text, article_date(text, name))
    annotated = annotate(text, resolved)
    assert annotated != text
    assert unannotate(annotated, resolved) == text
