"""One validated settings object for the whole assistant.

Values come from the defaults, then `ASSISTANT_*` environment variables (or a `.env`
file in the working directory), then CLI flags. Every field has a description: the
CLI's `--help` and the README table are made from them. Every value is checked
(numbers within bounds, URLs, host names, prompts and folders that exist), and a
refused one is named as the user gave it, flag or variable, with what it takes
(`describe_errors`), so nothing is touched with settings that make no sense.

- `places`: where things are (the checkout, the bundled prompts and demo articles,
  the per-user data and cache folders) and the defaults made from them.
- `model`: the `Settings` fields, defaults, descriptions and checks; `GROUPS`.
- `errors`: a refusal told as the user gave each setting; `build_settings`.
- `unknown`: a warning for an `ASSISTANT_*` variable that names no setting.

Import from here: `from assistant.settings import Settings, load_settings`.
"""

from __future__ import annotations

from assistant.settings.errors import (
    SECRET,
    Origin,
    allowed,
    build_settings,
    check_folders,
    describe_errors,
    env_names,
    load_settings,
)
from assistant.settings.model import (
    GROUPS,
    PROMPT_SETTINGS,
    Settings,
    is_host,
    prompt_names,
    refused,
    url_problem,
)
from assistant.settings.places import (
    APP_NAME,
    DEFAULT_PERSIST_DIR,
    DEFAULT_SOURCE_DIR,
    PROJECT_ROOT,
    bundled,
    installed,
    user_cache_dir,
    user_data_dir,
)
from assistant.settings.unknown import OTHER_VARIABLES, unknown_variables

__all__ = [
    "APP_NAME",
    "DEFAULT_PERSIST_DIR",
    "DEFAULT_SOURCE_DIR",
    "GROUPS",
    "OTHER_VARIABLES",
    "PROJECT_ROOT",
    "PROMPT_SETTINGS",
    "SECRET",
    "Origin",
    "Settings",
    "allowed",
    "build_settings",
    "bundled",
    "check_folders",
    "describe_errors",
    "env_names",
    "installed",
    "is_host",
    "load_settings",
    "prompt_names",
    "refused",
    "unknown_variables",
    "url_problem",
    "user_cache_dir",
    "user_data_dir",
]
