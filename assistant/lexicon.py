"""The words the rules read: months, weekdays, stop words, question words, aliases.

Why one module: the date rules, the name-and-number checks, the word overlap and
the question parser all need the same small vocabularies, and four copies of the
month names had begun to disagree. Everything here is data (frozen sets, tuples,
dicts, regex alternations, and the one pattern for where a sentence ends); the
functions that use it live with their rules.
"""

from __future__ import annotations

import re

# English names, spelled out: calendar.month_name follows the process's locale.
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS: dict[str, int] = {name.lower(): i for i, name in enumerate(MONTH_NAMES, start=1)}
# "Jan", "Sept" and the full names, lowercased: a dateline's month
MONTH_ABBR: dict[str, int] = {**MONTHS, **{k[:3]: v for k, v in MONTHS.items()}, "sept": 9}
WEEKDAYS: dict[str, int] = {name.lower(): i for i, name in enumerate(DAY_NAMES)}
# Capitalised full names only in running text: "may" and "march" are also verbs.
MONTH_RE = "|".join(MONTH_NAMES)
WEEKDAY_RE = "|".join(DAY_NAMES)
MONTH_ALT = "|".join(MONTHS)  # lowercase, for case-insensitive patterns
# a month as a dateline abbreviates it: "Jan.", "Sept", "September"
MONTH_ABBR_RE = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)[a-z]*\.?"

# Where a sentence ends: . ! ? … (plus closing quotes and brackets) before
# whitespace and a character that can start a sentence, or a blank line. The
# match of a stop ends at its last closing mark; the whitespace is not in it.
# Chunking also skips abbreviations ("U.S.", "Mr.") when it splits sentences;
# the tense window of `dates.model.sentence_bounds` does not need to.
SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]>]*(?=\s+[^\sa-z0-9,;:])|\n[ \t]*\n")

QUESTION_WORDS = ("what", "where", "when", "who", "whom", "whose", "which", "why", "how")
# the prepositions a question may open with: "In which city ...?"
QUESTION_PREPOSITIONS = ("in", "on", "at", "for", "from", "by", "to", "with")
AUXILIARIES = (
    "did", "does", "do", "is", "are", "was", "were", "can", "could", "will", "would",
    "has", "have", "had",
)  # fmt: skip

# Function words: no meaning of their own for word overlap, and never a name.
_FUNCTION_WORDS = frozenset(
    [
        "a", "an", "the", "of", "to", "in", "on", "at", "for", "and", "or", "but", "is",
        "are", "was", "were", "be", "been", "by", "with", "as", "that", "this", "it", "its",
        "from", "what", "when", "where", "who", "which", "how", "why", "did", "do", "does",
        "their", "they", "he", "she", "his", "her", "has", "have", "had", "will", "would",
        "can", "could", "about", "after", "before", "then", "there",
    ]
)  # fmt: skip
# left out of the words two texts share (`evidence.content_words`)
STOP_WORDS = _FUNCTION_WORDS | {"than"}
# capitalized, still not a name or a fact (`terms.key_terms`): sentence openers,
# titles, weekdays ("Thursday" is resolved to a date, not matched as a word)
NOT_NAMES = _FUNCTION_WORDS | frozenset(
    [
        "these", "those", "them", "we", "our", "you", "i", "into", "during", "since", "under",
        "over", "if", "so", "not", "no", "yes", "also", "here", "whom", "whose", "whether",
        "being", "should", "may", "might", "must", "shall", "according", "meanwhile",
        "however", "although", "while", "both", "all", "some", "any", "each", "either",
        "neither", "mr", "mrs", "ms", "dr", "prime", "minister", "president", "secretary",
        *WEEKDAYS,
    ]
)  # fmt: skip

# spellings folded to one key (compared after lowercasing and dropping dots)
ALIASES = {
    "united states": "us", "america": "us", "american": "us", "americans": "us",
    "u.s": "us", "usa": "us",
    "group of seven": "g7", "group of 7": "g7",
    "britain": "uk", "british": "uk", "united kingdom": "uk", "u.k": "uk",
    "japanese": "japan", "chinese": "china",
    "korean": "korea", "dutch": "netherlands", "the netherlands": "netherlands",
    "european union": "eu", "e.u": "eu", "artificial intelligence": "ai",
}  # fmt: skip
NUMBER_WORDS = frozenset(
    [
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "twenty", "thirty", "forty", "fifty", "hundred", "thousand",
        "million", "billion", "trillion", "dozen", "half", "percent",
    ]
)  # fmt: skip
# countries, regions and groupings: a "who" answer needs a name that is none of these
PLACES_AND_GROUPS = frozenset(
    ["east", "west", "north", "south", "asian", "asia", "europe", "european", "group", "seven",
     "g7", "vice", "white", "house", "us", "uk", "eu", "japan", "china", "korea", "russia",
     "netherlands", "pacific", "indo-pacific", "ocean", "sea", "strait"]
)  # fmt: skip
# The noun after "which"/"what" that says what kind of name answers the question
# (`answering.kinds`): "Which official ...?" a person, "Which company ...?" an
# organization, "Which street ...?" a place. Singular and plural forms.
PERSON_NOUNS = frozenset(
    ["person", "people", "official", "officials", "minister", "ministers", "leader", "leaders",
     "president", "professor", "chair", "chairman", "chairwoman", "chief", "executive",
     "secretary", "spokesperson", "spokesman", "spokeswoman", "driver", "councillor",
     "councilor", "mayor", "engineer", "manager", "director", "governor", "ambassador",
     "representative", "lawmaker", "senator", "analyst", "expert", "researcher", "economist",
     "reporter", "journalist", "astronaut", "astronauts", "commander", "envoy", "premier"]
)  # fmt: skip
ORG_NOUNS = frozenset(
    ["company", "companies", "firm", "firms", "university", "universities", "newspaper",
     "newspapers", "department", "agency", "organisation", "organization", "ministry",
     "shipyard", "chipmaker", "chipmakers", "maker", "makers", "manufacturer", "manufacturers",
     "bank", "banks", "party", "institute", "contractor", "operator", "supplier", "think tank",
     "union", "association", "body", "authority", "council", "court",
     "broadcaster", "outlet"]
)  # fmt: skip
# a group of people may be named as a nationality, religion or community ("the Uyghurs")
GROUP_NOUNS = frozenset(["group", "groups", "minority", "minorities", "community", "communities"])
PLACE_NOUNS = frozenset(
    ["city", "cities", "country", "countries", "prefecture", "state", "street", "road", "town",
     "village", "region", "island", "port", "base", "district", "area", "neighbourhood",
     "neighborhood", "station", "venue", "site"]
)  # fmt: skip
