"""Key terms: the names, numbers and dates a claim or a question stands on.

The answer step checks facts in code rather than trusting the small model:
a question whose names the evidence lacks is not answered, and an answer
sentence whose names or numbers its quote does not carry is not cited. Both
checks compare *key terms*, extracted here with plain rules: capitalized
words that are not sentence openers or question words, and numbers. A few
spellings of the same thing ("U.S." / "US" / "United States", "G7" / "Group
of Seven") are folded together so that a paraphrase is not a miss.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9.'’&-]*[A-Za-z0-9]|[A-Za-z]|\d[\d,.]*\d%?|\d%?")
_COMMON = frozenset(
    [
        "a", "an", "the", "this", "that", "these", "those", "it", "its", "he", "she",
        "they", "them", "their", "his", "her", "we", "our", "you", "i", "in", "on", "at",
        "of", "for", "to", "from", "by", "with", "about", "after", "before", "during",
        "since", "under", "over", "into", "as", "and", "or", "but", "if", "so", "not", "no",
        "yes", "also", "then", "there", "here", "what", "when", "where", "who", "whom",
        "whose", "which", "why", "how", "whether", "is", "are", "was", "were", "be", "been",
        "being", "do", "does", "did", "has", "have", "had", "will", "would", "can", "could",
        "should", "may", "might", "must", "shall", "according", "meanwhile", "however",
        "although", "while", "both", "all", "some", "any", "each", "either", "neither",
        "mr", "mrs", "ms", "dr", "prime", "minister", "president", "secretary", "monday",
        "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"
    ]
)  # fmt: skip
# spellings folded to one key (compared after lowercasing and dropping dots)
_ALIASES = {
    "united states": "us", "america": "us", "american": "us", "americans": "us",
    "u.s": "us", "usa": "us",
    "group of seven": "g7", "group of 7": "g7",
    "britain": "uk", "british": "uk", "united kingdom": "uk", "u.k": "uk",
    "japanese": "japan", "chinese": "china",
    "korean": "korea", "dutch": "netherlands", "the netherlands": "netherlands",
    "european union": "eu", "e.u": "eu", "artificial intelligence": "ai",
}  # fmt: skip
_MULTIWORD = sorted((a for a in _ALIASES if " " in a), key=len, reverse=True)
_ONE_WORD = re.compile(
    r"\b(?:" + "|".join(a for a in _ALIASES if " " not in a and "." not in a) + r")\b"
)
_NUMBER_WORDS = frozenset(
    [
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "hundred",
        "thousand",
        "million",
        "billion",
        "trillion",
        "dozen",
        "half",
        "percent",
    ]
)
_MONTHS = "january february march april may june july august september october november december"
_MONTH_ALT = _MONTHS.replace(" ", "|")
MONTH_NAMES = frozenset(_MONTHS.split(" "))
DATE_LIKE = re.compile(
    rf"\b(?:{_MONTH_ALT})\b|\b(?:1[89]|20)\d\d\b|"
    r"\bon the \d{1,2}(?:st|nd|rd|th)\b|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|"
    r"\b\d{4}\.\s*\d{1,2}\.\s*\d{1,2}\b|\b(?:last|next|this) (?:year|month|week)\b",
    re.I,
)
# a date to the day: "May 18, 2023", "18 May", "on the 22nd", "Thursday", "2023-05-18"
DAY_LIKE = re.compile(
    rf"\b(?:{_MONTH_ALT})\s+\d{{1,2}}\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+"
    rf"(?:of\s+)?(?:{_MONTH_ALT})\b|\bthe \d{{1,2}}(?:st|nd|rd|th)\b|"
    r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|\b\d{4}-\d{2}-\d{2}\b|"
    r"\b\d{4}\.\s*\d{1,2}\.\s*\d{1,2}\b|\b\d{1,2}(?:st|nd|rd|th)\b",
    re.I,
)
NUMBER_LIKE = re.compile(rf"\d|\b(?:{'|'.join(sorted(_NUMBER_WORDS))})\b", re.I)


def fold(text: str) -> str:
    """Lowercase, straight apostrophes, no dots in abbreviations, aliases folded."""
    text = text.replace("’", "'").lower()
    text = re.sub(r"'s\b", "", text)
    text = re.sub(r"(?<=\b[a-z])\.(?=[a-z]\b)", "", text)  # u.s -> us
    text = re.sub(r"\b([a-z]{1,3})\.(?=\s|$|,)", r"\1", text)  # "u.s." -> "us"
    for alias in _MULTIWORD:
        text = re.sub(rf"\b{re.escape(alias)}\b", _ALIASES[alias], text)
    text = _ONE_WORD.sub(lambda m: _ALIASES[m.group()], text)
    return " ".join(text.split())


def _key(token: str) -> str:
    key = fold(token).strip(".'-,")
    key = _ALIASES.get(key, key)
    return key.replace(",", "")


def key_terms(text: str) -> list[str]:
    """The names and numbers of a text, folded, in order, without repeats."""
    folded_multi = text
    for alias in _MULTIWORD:  # keep multiword names as one term
        folded_multi = re.sub(
            rf"\b{re.escape(alias)}\b", _ALIASES[alias].upper(), folded_multi, flags=re.I
        )
    terms: list[str] = []
    tokens = []
    may_is_month = re.search(r"\bMay\s+\d|\d(?:st|nd|rd|th)?\s+May\b", text) is not None
    for match in _TOKEN.finditer(folded_multi):  # "Biden-Kishida" is two names
        parts = match.group().split("-")
        whole = len(parts) > 1 and all(p[:1].isupper() for p in parts)
        tokens.extend(parts if whole else [match.group()])
    for token in tokens:
        is_number = token[0].isdigit()
        if not is_number and not token[0].isupper():
            continue
        key = _key(token)
        month = token == "May" and may_is_month  # the month, not the verb: "May 23"
        common = (key in _COMMON and not month) or (len(key) < 2 and key != "x")
        if not key or (common and not is_number):
            continue
        if key not in terms:
            terms.append(key)
    return terms


def contains_term(haystack_folded: str, term: str) -> bool:
    """Is `term` (from `key_terms`) in a text already passed through `fold`?
    A number matches its ordinal too: "22" (from "the 22nd") is in "on the 22nd"."""
    ordinal = "(?:st|nd|rd|th)?" if term[-1:].isdigit() else ""
    pattern = rf"(?<![a-z0-9]){re.escape(term)}{ordinal}(?![a-z0-9])"
    return re.search(pattern, haystack_folded) is not None


def missing_terms(terms: list[str], text: str) -> list[str]:
    """The terms that `text` does not contain."""
    folded = fold(text)
    return [t for t in terms if not contains_term(folded, t)]
