"""The `assistant` command: ask, chat, ingest, and the other entry points.

Each command has a flag for each setting it reads (`--top-k 6`; `assistant COMMAND
--help` lists them); a flag overrides the `ASSISTANT_*` environment variable, which
every command reads for every setting, which overrides the default. A bad setting
is refused before anything is touched, one line per problem naming the flag or
variable given. User-facing errors exit 2; anything else is a bug and keeps its
traceback. The eval harness (`evals/`, part of the source checkout, not of the
wheel) is imported only when `assistant eval` runs, so no other command pays for it.

- `parser`: the commands, their help and exit codes; `main`.
- `flags`: a flag per setting, and the settings they make (`settings_from`).
- `commands`: each command's handler (ask, chat, ingest, show, ui, eval).
- `chat`: the multi-turn loop of `assistant chat`.
- `printing`: an answer as ask and chat print it, with its progress line.
"""

from __future__ import annotations

from assistant.cli.flags import COMMAND_GROUPS, settings_from
from assistant.cli.parser import build_parser, main, version
from assistant.cli.printing import passage_date, progress_line
from assistant.settings import PROJECT_ROOT  # `cli.PROJECT_ROOT`, as tests read it

__all__ = [
    "COMMAND_GROUPS",
    "PROJECT_ROOT",
    "build_parser",
    "main",
    "passage_date",
    "progress_line",
    "settings_from",
    "version",
]
