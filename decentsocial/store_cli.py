"""The ``--store`` option of the campaign and crisis commands, and how they open the store it names.

Its own module so that each command module imports it without importing
the other (the campaign commands' module can be imported first, alone).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .errors import ConfigurationError
from .paths import home_path

if TYPE_CHECKING:
    from .scheduler import Scheduler

__all__ = ["StoreOpt", "expanded", "is_missing_file", "open_scheduler"]

StoreOpt = Annotated[
    str,
    typer.Option(
        "--store",
        envvar="DECENTSOCIAL_STORE",
        help="The scheduler store: a SQLite file, or a redis:// URL (the celery extra).",
    ),
]


def open_scheduler(store: str, *, create: bool = False, poll_interval: float = 1.0) -> Scheduler:
    """The scheduler on ``store`` (``--store``): a URL (``redis://``) as ``Scheduler`` takes it, else a file.

    Only the commands that plan or run jobs (``create``) make a file that is
    not there: for the others a missing file is a mistyped path, and a new
    empty store would hide it (``jobs`` would list nothing, ``pause`` pause
    nothing).
    """
    from .scheduler import Scheduler

    if "://" not in store:
        expanded(store, "--store")  # ``~brnad/x.db``: said here, not an unexpected RuntimeError
    if not create and is_missing_file(store):
        raise ConfigurationError(
            f"no scheduler store at {Path(store).expanduser()}: check --store (or $DECENTSOCIAL_STORE);"
            " `decentsocial schedule` makes the store when it plans the first job"
        )
    return Scheduler(store, poll_interval=poll_interval)


def is_missing_file(store: str) -> bool:
    """Whether ``store`` names a store file that is not there (a URL names no file)."""
    return "://" not in store and not expanded(store, "--store").exists()


def expanded(path: str, option: str) -> Path:
    """``path`` with ``~`` expanded (a ``~name`` that is no user here is ``UsageProblem`` naming
    ``option``); a blank one is refused too (``--store " "`` made a store file named by a space).

    Either is a wrong argument (exit status 2): refused before anything is read or written.
    """
    from .cli import UsageProblem  # here: cli imports the command modules, which import this one

    if not path.strip():
        raise UsageProblem(f"{option} is empty: give a file path")
    return home_path(path, option, UsageProblem)
