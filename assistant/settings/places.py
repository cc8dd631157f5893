"""Where the assistant's files are: the checkout, the data that ships with the code, and
the per-user folders an installed assistant writes to.

The settings' defaults are made from these, and code that reads the bundled prompts or
tells a checkout from a wheel install asks here, so each place is worked out once.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Literal

PROJECT_ROOT = Path(__file__).resolve().parents[2]
APP_NAME = "news-assistant"


def bundled(name: Literal["prompts", "seeds"]) -> Path:
    """The prompts or the demo articles that ship with the code.

    In a wheel they are package data, `assistant/bundled/<name>` (in the checkout those
    are links to the top-level folders, which the wheel holds as real ones). In a
    checkout, and in the editable install `make setup` makes, they are the top-level
    `prompts/` and `seeds/` themselves: setuptools' editable import hook cannot serve
    folders without an `__init__.py`.
    """
    if installed():
        return Path(str(resources.files("assistant").joinpath("bundled", name)))
    return PROJECT_ROOT / name


def installed() -> bool:
    """True for a wheel install (the data ships inside it), False in a checkout (where
    `assistant/bundled/prompts` is a link to the top-level folder)."""
    prompts = Path(str(resources.files("assistant").joinpath("bundled", "prompts")))
    return prompts.is_dir() and not prompts.is_symlink()


def _xdg(variable: str, fallback: str) -> Path:
    """$variable/news-assistant, or ~/fallback/news-assistant when it is unset or relative
    (the XDG base directory rule)."""
    base = os.environ.get(variable, "")
    root = Path(base) if os.path.isabs(base) else Path.home() / fallback
    return root / APP_NAME


def user_data_dir() -> Path:
    """Where an installed assistant keeps what it writes: never inside site-packages."""
    return _xdg("XDG_DATA_HOME", ".local/share")


def user_cache_dir() -> Path:
    """Where the bundled models are assembled and exported once (rebuilt if deleted)."""
    return _xdg("XDG_CACHE_HOME", ".cache")


# a checkout answers from ./seeds into ./vectorstore, as the README's commands show; an
# installed package from its bundled demo articles into a per-user data folder
DEFAULT_SOURCE_DIR = bundled("seeds")
DEFAULT_PERSIST_DIR = (
    user_data_dir() / "vectorstore" if installed() else PROJECT_ROOT / "vectorstore"
)
