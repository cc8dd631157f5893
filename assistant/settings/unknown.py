"""Unknown `ASSISTANT_*` variables: a warning that names the setting meant.

Why: the settings ignore a variable that names no setting, so a typo such as
`ASSISTANT_TOPK=1` would leave the default in place without a word. Each
`ASSISTANT_*` variable of the environment or of the working directory's `.env` that
is neither a setting's variable nor one the project reads itself (`OTHER_VARIABLES`)
gets one warning line, with the closest setting's variable when one is close
(difflib): `ASSISTANT_TOPK=1: unknown setting; did you mean ASSISTANT_TOP_K?`.
A value is not shown when the name looks like a secret's.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
import shlex
from collections.abc import Iterable, Mapping
from pathlib import Path

log = logging.getLogger(__name__)

PREFIX = "ASSISTANT_"
# read by the project outside `Settings`: the eval harness's real-page corpus
# (evals/pages) and the browser test's screenshot (tests/test_ui_browser.py)
OTHER_VARIABLES = frozenset({"ASSISTANT_EVAL_PAGES", "ASSISTANT_SCREENSHOT"})
_SECRET_NAME = re.compile(r"KEY|AUTH|PASSW|SECRET|CREDENTIAL", re.I)
_CLOSE = 0.6  # difflib's ratio between the names without the prefix


def unknown_variables(
    settings_variables: Iterable[str],
    environ: Mapping[str, str],
    dotenv: Mapping[str, str | None],
) -> list[str]:
    """One line per `ASSISTANT_*` variable (environment, then `.env`) that names no
    setting and is not read elsewhere: what was set and the setting it likely meant."""
    known = {name.upper() for name in settings_variables}
    lines = []
    sources = [(environ, ""), (dotenv, " (in .env)")]
    seen: set[str] = set()
    for variables, where in sources:
        for name, value in variables.items():
            upper = name.upper()
            if not upper.startswith(PREFIX) or upper in known | OTHER_VARIABLES | seen:
                continue
            seen.add(upper)
            shown = "" if _SECRET_NAME.search(upper) else f"={shlex.quote(value or '')}"
            lines.append(f"{name}{shown}{where}: unknown setting; {_hint(upper, known)}")
    return lines


def _hint(name: str, known: set[str]) -> str:
    """ "did you mean ASSISTANT_TOP_K?", or where the settings are listed."""
    bare = {k.removeprefix(PREFIX).lower(): k for k in known if k.startswith(PREFIX)}
    close = difflib.get_close_matches(name.removeprefix(PREFIX).lower(), bare, 1, _CLOSE)
    if close:
        return f"did you mean {bare[close[0]]}?"
    return "`assistant COMMAND --help` lists the settings (ASSISTANT_<NAME>)"


def warn_unknown_variables(settings_variables: Iterable[str]) -> list[str]:
    """Log a warning for each unknown `ASSISTANT_*` variable; returns the lines."""
    lines = unknown_variables(settings_variables, os.environ, _dotenv_values())
    for line in lines:
        log.warning("%s", line)
    return lines


def _dotenv_values() -> dict[str, str | None]:
    """The variables of the working directory's `.env` (the file the settings read)."""
    if not Path(".env").is_file():
        return {}
    from dotenv import dotenv_values

    return dict(dotenv_values(".env"))
