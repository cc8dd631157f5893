"""Prompt templates, kept as files in `prompts/` and loaded by name.

Each file is TOML with a `version`, a `system` message and a `user` template;
answers record `name@version` so a result can always be traced to its prompt.
They are read through `importlib.resources`, so an installed wheel finds the
copies it ships (`assistant/bundled/prompts`) wherever it runs from.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources.abc import Traversable

from assistant.settings import bundled

PROMPTS_DIR: Traversable = bundled("prompts")


@dataclass(frozen=True)
class Prompt:
    name: str
    version: int
    system: str
    user: str
    prefill: str = ""  # the start of the reply, where a backend can put it (selection)
    reply: str = ""  # an assistant turn a follow-up prompt puts before its `user` (phrasing)

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"

    def messages(self, **values: str) -> list[dict[str, str]]:
        return [
            {"role": "system", "content": self.system.format(**values)},
            {"role": "user", "content": self.user.format(**values)},
        ]

    def follow_up(self, conversation: list[dict[str, str]], **values: str) -> list[dict[str, str]]:
        """The conversation, then this prompt's `reply` (as the assistant) and `user` turn."""
        return [
            *conversation,
            {"role": "assistant", "content": self.reply.format(**values)},
            {"role": "user", "content": self.user.format(**values)},
        ]


@lru_cache(maxsize=16)
def load_prompt(name: str, folder: Traversable = PROMPTS_DIR) -> Prompt:
    """The prompt `name` from `folder` (default: the prompts that ship with the code)."""
    path = folder.joinpath(f"{name}.toml")
    if not path.is_file():
        raise FileNotFoundError(f"no prompt named {name!r} in {folder}")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return Prompt(
        name=name,
        version=int(data["version"]),
        system=data["system"],
        user=data["user"],
        prefill=data.get("prefill", ""),
        reply=data.get("reply", ""),
    )
