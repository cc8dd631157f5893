"""`python -m evals`: the same command as `assistant eval`, without installing the script.

It goes through the `assistant` CLI so that the options, the settings flags and
the one-line error messages are defined once.
"""

from __future__ import annotations

import sys

from assistant.cli import main

if __name__ == "__main__":
    sys.exit(main(["eval", *sys.argv[1:]]))
