"""The settings' flags: one per setting a command reads, and the settings they make.

`--top-k` for `top_k`, grouped as `settings.GROUPS` sorts them, each with its
description, range and default in `--help`. The values are converted and checked by
the settings, so a bad one gets their message; each flag remembers how it was typed
(`--port` or `--ui-port`), so that message names the flag the user typed.
"""

from __future__ import annotations

import argparse
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.settings import GROUPS, Origin, Settings, allowed, build_settings

# flags that people who know Gradio, Jupyter or Datasette type for `assistant ui`
UI_ALIASES = {"ui_host": ["--host"], "ui_port": ["--port"]}
ANSWERING = tuple(g for g in GROUPS if g != "web UI")  # what answering a question reads
COMMAND_GROUPS = {
    "ask": ANSWERING,
    "chat": ANSWERING,
    "eval": ANSWERING,
    "ingest": ("articles and store", "embedding", "OpenAI-compatible server (the openai backends)"),
    "show": ("articles and store",),
    "ui": tuple(GROUPS),
}
# the web commands: those that save pages ingest them
COMMAND_GROUPS |= {"add": COMMAND_GROUPS["ingest"], "refresh": COMMAND_GROUPS["ingest"]}
COMMAND_GROUPS |= {name: ("articles and store",) for name in ("follow", "feeds", "unfollow")}


def _typed(namespace: argparse.Namespace) -> dict[str, str]:
    """The setting flags typed on this command line: setting -> the flag as typed."""
    return vars(namespace).setdefault("typed_flags", {})


class _Setting(argparse.Action):
    """Stores a setting's value and which of its flags was typed (an error names it)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        setattr(namespace, self.dest, values)
        _typed(namespace)[self.dest] = option_string or self.dest


class _Switch(argparse.BooleanOptionalAction):
    """`--chroma-ssl` / `--no-chroma-ssl`, remembering which was typed."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        super().__call__(parser, namespace, values, option_string)
        _typed(namespace)[self.dest] = option_string or self.dest


def _help(name: str) -> str:
    """A setting's description, with its range if it is a number, and its default."""
    field = Settings.model_fields[name]
    kinds = [a for a in typing.get_args(field.annotation) if a is not type(None)]
    numeric = field.annotation in (int, float) or kinds in ([int], [float])
    default = "" if field.default is None else f"default: {field.default}"
    shown = "; ".join(x for x in (allowed(name) if numeric else "", default) if x)
    return f"{field.description}{f' ({shown})' if shown else ''}".replace("%", "%%")


def add_settings_flags(
    parser: argparse.ArgumentParser,
    groups: Sequence[str],
    aliases: dict[str, list[str]] | None = None,
) -> None:
    """A flag per setting of these groups, `--top-k` for `top_k`, after any `aliases`.
    Values are converted by the settings, so a bad one gets their message."""
    for title in groups:
        group = parser.add_argument_group(f"{title} settings (also ASSISTANT_<NAME>, .env)")
        for name in GROUPS[title]:
            field = Settings.model_fields[name]
            flags = [*(aliases or {}).get(name, []), "--" + name.replace("_", "-")]
            if field.annotation is bool:
                group.add_argument(*flags, dest=name, action=_Switch, help=_help(name))
                continue
            choices = typing.get_args(field.annotation)
            literal = typing.get_origin(field.annotation) is typing.Literal
            group.add_argument(
                *flags,
                dest=name,
                action=_Setting,
                type=Path if Path in (field.annotation, *choices) else str,
                metavar="{" + ",".join(choices) + "}" if literal else name.upper(),
                help=_help(name),
            )


def settings_from(args: argparse.Namespace) -> Settings:
    """The flags given over the environment and the defaults; `SettingsRefused` names
    each bad one as given (the flag typed, else its variable)."""
    given = {
        name: getattr(args, name)
        for name in Settings.model_fields
        if getattr(args, name, None) is not None
    }
    return build_settings(given, Origin(getattr(args, "typed_flags", {}), cli=True))
