"""`python -m assistant.cli`: the `assistant` command, for when it is not on the PATH."""

from __future__ import annotations

import sys

from assistant.cli import main

sys.exit(main())
