"""How a refused setting is told: one line per problem, naming the flag or variable
as the user gave it (`--top-k 50`, `ASSISTANT_TOP_K=50 (in .env)`), with what it takes.

`build_settings` makes the settings or raises `SettingsRefused` with those lines, before
anything is touched; a secret's value is never shown, nor pydantic's internal names.
"""

from __future__ import annotations

import os
import re
import shlex
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import annotated_types
from pydantic import AliasChoices, ValidationError

from assistant.settings.model import Settings
from assistant.settings.unknown import warn_unknown_variables

SECRET = ("openai_api_key", "ui_auth")  # their values are never shown


def env_names(setting: str) -> list[str]:
    """The environment variables a setting is read from (the API key has two)."""
    alias = Settings.model_fields[setting].validation_alias
    if isinstance(alias, AliasChoices):
        return [str(choice) for choice in alias.choices]
    return [f"ASSISTANT_{setting.upper()}"]


@dataclass(frozen=True)
class Origin:
    """Where the values came from, to name each setting as the user gave it: the flag
    typed (`flags`: setting -> flag), else the variable set, else (`cli`) its flag."""

    flags: Mapping[str, str] = field(default_factory=dict)
    cli: bool = False

    def name(self, setting: str, value: object = None) -> str:
        """`--top-k 50`, `ASSISTANT_TOP_K=50`, `ASSISTANT_TOP_K=50 (in .env)`; no value for
        a secret, and without the value if `value` is None."""
        shown = "" if value is None or setting in SECRET else shlex.quote(_masked(value))
        if setting in self.flags:
            return f"{self.flags[setting]} {shown}".rstrip()
        names = env_names(setting)
        environ = {k.upper() for k in os.environ}
        set_as = next((n for n in names if n in environ), None)
        in_file = None if set_as else next((n for n in names if n in _dotenv()), None)
        if self.cli and not (set_as or in_file):
            return f"--{setting.replace('_', '-')} {shown}".rstrip()
        name = set_as or in_file or names[0]
        return (f"{name}={shown}" if shown else name) + (" (in .env)" if in_file else "")


def _masked(value: object) -> str:
    """A value as shown in a message: a password inside a URL is not shown."""
    return re.sub(r"(//)[^/@\s]*@", r"\1…@", str(value))


def _dotenv() -> set[str]:
    """The variables a .env file in the working directory sets (upper case)."""
    from dotenv import dotenv_values

    return {k.upper() for k in dotenv_values(".env")} if Path(".env").is_file() else set()


def allowed(setting: str) -> str:
    """What a setting takes, in words: "a whole number from 1 to 20", "one of: a, b"."""
    annotation = Settings.model_fields[setting].annotation
    if typing.get_origin(annotation) is Literal:
        return "one of: " + ", ".join(map(str, typing.get_args(annotation)))
    kind = next((a for a in typing.get_args(annotation) if a is not type(None)), annotation)
    if kind is bool:
        return "true or false (or 1/0, yes/no, on/off)"
    if kind not in (int, float):
        return "a path" if kind is Path else "text"
    bounds: dict[str, float] = {}
    for rule in Settings.model_fields[setting].metadata:
        for op in ("ge", "gt", "le", "lt"):
            if isinstance(rule, getattr(annotated_types, op.capitalize())):
                bounds[op] = getattr(rule, op)
    noun = "a whole number" if kind is int else "a number"
    noun = "a port number" if setting.endswith("_port") else noun
    if "ge" in bounds and "le" in bounds:
        return f"{noun} from {bounds['ge']:g} to {bounds['le']:g}"
    low = f" of at least {bounds['ge']:g}" if "ge" in bounds else ""
    low = f" above {bounds['gt']:g}" if "gt" in bounds else low
    high = f" at most {bounds['le']:g}" if "le" in bounds else ""
    return noun + low + (" and" if low and high else "") + high


def describe_errors(exc: ValidationError, origin: Origin = Origin()) -> list[str]:
    """One line per problem, naming the flag or variable as the user gave it, with what it
    takes; never a secret's value, nor internal names or patterns."""
    lines = []
    for error in exc.errors():
        ctx = error.get("ctx") or {}
        if error["type"] == "setting":  # refused(): a model-level check
            setting, value, message = ctx["setting"], ctx["value"], ctx["message"]
        elif error["loc"] and str(error["loc"][0]) in Settings.model_fields:
            setting, value = str(error["loc"][0]), error.get("input")
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] != "value_error":
                message = f"must be {allowed(setting)}"
        else:  # pragma: no cover - every field error has its field, every check refused()
            lines.append(error["msg"])
            continue
        # other settings named as this one was given: flags for a flag, else variables
        named = _naming(message, Origin(origin.flags, cli=setting in origin.flags))
        lines.append(f"{origin.name(setting, value)}: {named}")
    return lines


def _naming(message: str, origin: Origin) -> str:
    """The message with each {setting} in it named as `origin` names it."""
    return re.sub(
        r"\{(\w+)\}",
        lambda m: origin.name(m[1]) if m[1] in Settings.model_fields else m[0],
        message,
    )


def check_folders(settings: Settings, origin: Origin = Origin()) -> list[str]:
    """The article folder must exist when the user names one (checked here, not in the
    model, so a program may name a folder before it writes it)."""
    folder = settings.source_dir
    if folder is None or folder.is_dir():
        return []
    what = "is a file" if folder.exists() else "does not exist"
    return [
        f"{origin.name('source_dir', folder)}: {what}: name a folder of articles "
        "(.txt, .md, .html, .htm, .pdf)"
    ]


def build_settings(values: Mapping[str, Any], origin: Origin = Origin()) -> Settings:
    """Settings from `values` (the flags given) over the environment and the defaults, or
    a `SettingsRefused` error with one line per problem (before anything is touched).
    An `ASSISTANT_*` variable that names no setting is warned about (`unknown`)."""
    from assistant.errors import SettingsRefused

    warn_unknown_variables(n for setting in Settings.model_fields for n in env_names(setting))
    try:
        settings = Settings(**values)
    except ValidationError as exc:
        raise SettingsRefused(describe_errors(exc, origin)) from None
    problems = check_folders(settings, origin)
    if problems:
        raise SettingsRefused(problems)
    return settings


def load_settings() -> Settings:
    """Settings from the environment, or a `SettingsRefused` error naming each variable."""
    return build_settings({})
