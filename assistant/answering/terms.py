"""Key terms: the names, numbers and dates a claim or a question stands on.

The answer step checks facts in code rather than trusting the small model:
a question whose names the evidence lacks is not answered, and an answer
sentence whose names or numbers its quote does not carry is not cited. Both
checks compare *key terms*, extracted here with plain rules: capitalized
words that are not sentence openers or question words, and numbers. A few
spellings of the same thing ("U.S." / "US" / "United States", "G7" / "Group
of Seven") are folded together so that a paraphrase is not a miss. The word
lists (aliases, words that are never names, number words) are `assistant.lexicon`'s.
"""

from __future__ import annotations

import re

from assistant.lexicon import ALIASES, MONTH_ALT, MONTHS, NOT_NAMES, NUMBER_WORDS

_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9.'’&-]*[A-Za-z0-9]|[A-Za-z]|\d[\d,.]*\d%?|\d%?")
_MULTIWORD = sorted((a for a in ALIASES if " " in a), key=len, reverse=True)
_ONE_WORD = re.compile(
    r"\b(?:" + "|".join(a for a in ALIASES if " " not in a and "." not in a) + r")\b"
)
MONTH_NAMES = frozenset(MONTHS)  # lowercase: "january" ... "december"
DATE_LIKE = re.compile(
    rf"\b(?:{MONTH_ALT})\b|\b(?:1[89]|20)\d\d\b|"
    r"\bon the \d{1,2}(?:st|nd|rd|th)\b|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|"
    r"\b\d{4}\.\s*\d{1,2}\.\s*\d{1,2}\b|\b(?:last|next|this) (?:year|month|week)\b",
    re.I,
)
# a date to the day: "May 18, 2023", "18 May", "on the 22nd", "Thursday", "2023-05-18"
DAY_LIKE = re.compile(
    rf"\b(?:{MONTH_ALT})\s+\d{{1,2}}\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+"
    rf"(?:of\s+)?(?:{MONTH_ALT})\b|\bthe \d{{1,2}}(?:st|nd|rd|th)\b|"
    r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|\b\d{4}-\d{2}-\d{2}\b|"
    r"\b\d{4}\.\s*\d{1,2}\.\s*\d{1,2}\b|\b\d{1,2}(?:st|nd|rd|th)\b",
    re.I,
)
# an amount of money: "$5 billion", "£58 million", "1.2 trillion yen", "a million"
MONEY = re.compile(
    r"[$€£¥]\s?\d[\d,.]*(?:\s*(?:million|billion|trillion|bn|m)\b)?|"
    r"\b\d[\d,.]*\s*(?:million|billion|trillion)?\s*(?:yen|dollars?|euros?|won|pounds?)\b|"
    r"\b\d[\d,.]*\s*(?:million|billion|trillion)\b|\b(?:million|billion|trillion)\b",
    re.I,
)
NUMBER_LIKE = re.compile(rf"\d|\b(?:{'|'.join(sorted(NUMBER_WORDS))})\b", re.I)


def fold(text: str) -> str:
    """Lowercase, straight apostrophes, no dots in abbreviations, aliases folded."""
    text = text.replace("’", "'").lower()
    text = re.sub(r"'s\b", "", text)
    text = re.sub(r"(?<=\b[a-z])\.(?=[a-z]\b)", "", text)  # u.s -> us
    text = re.sub(r"\b([a-z]{1,3})\.(?=\s|$|,)", r"\1", text)  # "u.s." -> "us"
    for alias in _MULTIWORD:
        text = re.sub(rf"\b{re.escape(alias)}\b", ALIASES[alias], text)
    text = _ONE_WORD.sub(lambda m: ALIASES[m.group()], text)
    return " ".join(text.split())


def _key(token: str) -> str:
    key = fold(token).strip(".'-,")
    key = ALIASES.get(key, key)
    return key.replace(",", "")


def _tokens(text: str) -> list[str]:
    """The words and numbers of a text, a multiword name kept as one ("United States"
    -> "US") and a hyphenated pair of names split ("Biden-Kishida" is two names)."""
    folded_multi = text
    for alias in _MULTIWORD:
        folded_multi = re.sub(
            rf"\b{re.escape(alias)}\b", ALIASES[alias].upper(), folded_multi, flags=re.I
        )
    tokens: list[str] = []
    for match in _TOKEN.finditer(folded_multi):
        parts = match.group().split("-")
        whole = len(parts) > 1 and all(p[:1].isupper() for p in parts)
        tokens.extend(parts if whole else [match.group()])
    return tokens


def key_terms(text: str) -> list[str]:
    """The names and numbers of a text, folded, in order, without repeats."""
    terms: list[str] = []
    may_is_month = re.search(r"\bMay\s+\d|\d(?:st|nd|rd|th)?\s+May\b", text) is not None
    for token in _tokens(text):
        is_number = token[0].isdigit()
        if not is_number and not token[0].isupper():
            continue
        key = _key(token)
        month = token == "May" and may_is_month  # the month, not the verb: "May 23"
        common = (key in NOT_NAMES and not month) or (len(key) < 2 and key != "x")
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
