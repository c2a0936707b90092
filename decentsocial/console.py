"""The ``decentsocial`` entry point: output that takes any text, a clear word if the ``cli`` extra is missing.

The command line's libraries (typer, rich) are an extra, so a library user
does not install them; this launcher imports them only when the command runs.
"""

from __future__ import annotations

import codecs
import io
import sys

__all__ = ["main"]

_CLI_LIBRARIES = {"typer", "rich", "click"}


def main() -> None:
    """Run the ``decentsocial`` command, or say how to install it."""
    _writable_output()
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


def _writable_output() -> None:
    """Standard output and error that can take any text (Arabic, emoji) whatever the locale.

    A file or pipe in a legacy encoding (Windows' cp1252 when output is
    redirected) gets UTF-8, as a script reading it expects; a legacy
    terminal shows what it cannot as ``?``. Otherwise the first such post
    ended the command with an encoding error, half its output printed.
    """
    for stream in (sys.stdout, sys.stderr):
        if not isinstance(stream, io.TextIOWrapper) or codecs.lookup(stream.encoding).name == "utf-8":
            continue
        try:
            if stream.isatty():
                stream.reconfigure(errors="replace")
            else:
                stream.reconfigure(encoding="utf-8")
        except (OSError, ValueError):  # a closed or unusual stream: left as it is
            continue
