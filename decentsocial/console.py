"""The ``decentsocial`` command's entry point: a clear message when the ``cli`` extra is missing.

The command line's libraries (typer, rich) are an extra, so a library user
does not install them; this launcher imports them only when the command runs.
"""

from __future__ import annotations

import sys

__all__ = ["main"]

_CLI_LIBRARIES = {"typer", "rich", "click"}


def main() -> None:
    """Run the ``decentsocial`` command, or say how to install it."""
    try:
        from .cli import main as run
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in _CLI_LIBRARIES:
            raise
        print(
            "the decentsocial command needs the 'cli' extra: pip install 'decentsocial[cli]'",
            file=sys.stderr,
        )
        raise SystemExit(2) from None
    run()
