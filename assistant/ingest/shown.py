"""Article text, titles and file names made safe to print on a terminal.

Why: a folder's files come from anywhere, and what they hold reaches the user's
terminal through `ingest`'s summary, `ask`'s sources and `show`. A title holding
`ESC ]0;...BEL` retitles the terminal, `ESC [2J` clears it; a file name whose bytes
are not UTF-8 cannot even be written to stdout (its `str` holds lone surrogates).
So every piece of such text is passed through `printable` (article text, titles,
quotes) or `shown_name` (file names) before it is printed.

`printable` replaces each control character (Unicode category Cc: C0, DEL, C1) by
one visible character, so that the offsets of `assistant show`'s text still index
it: C0 and DEL by their Unicode "control pictures" (ESC -> "␛"), C1 by "�".
"""

from __future__ import annotations

import unicodedata

LINE_BREAKS = "\n\t"  # kept by `printable` where the text is shown as lines


def _picture(char: str) -> str:
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)
    return "\u2421" if code == 0x7F else "\ufffd"


def printable(text: str, keep: str = "") -> str:
    """`text` with each control character other than those in `keep` replaced by one
    visible character (same length: offsets into it still hold)."""
    if text.isprintable() or all(c in keep or c.isprintable() for c in text):
        return text
    return "".join(
        _picture(c) if c not in keep and unicodedata.category(c) == "Cc" else c for c in text
    )


def shown_name(name: str) -> str:
    """A file name as it can be printed: bytes that are not UTF-8 as `\\xe9`, control
    characters as visible ones."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # os.fsdecode kept the bytes as lone surrogates
        name = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return printable(name)


def utf8_name(name: str) -> bool:
    """Whether a file name (as `os.fsdecode` gives it) is valid UTF-8."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
