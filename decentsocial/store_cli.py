"""The ``--store`` option of the campaign and crisis commands, and how they open the store it names;
and the checks of an option's value made as the command line is read (:func:`checked_while_read`).

Its own module so that each command module imports it without importing
the other (the campaign commands' module can be imported first, alone).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from .errors import ConfigurationError
from .paths import home_path
from .terminal import printable, typed_text

if TYPE_CHECKING:
    from .scheduler import Scheduler

__all__ = [
    "StoreOpt",
    "checked_while_read",
    "expanded",
    "is_missing_file",
    "json_setting",
    "key_text",
    "known_network",
    "open_scheduler",
]

V = TypeVar("V")

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


def checked_while_read(check: Callable[[Any], object]) -> Callable[[Any, Any, V], V]:
    """An option's ``callback``: ``check`` its value while the command line is read, before the command runs.

    A ``UsageProblem`` it raises is said as :func:`~decentsocial.cli.handles_errors` says one (one
    line, exit status 2), but before the command makes anything: ``track`` makes its metrics store,
    ``schedule`` its job store, before they connect. Shell completion (a line half typed) is not checked.
    """

    def callback(ctx: Any, param: Any, value: V) -> V:
        from .cli import UsageProblem, err

        if value in (None, [], ()) or getattr(ctx, "resilient_parsing", False):
            return value
        try:
            check(value)
        except UsageProblem as exc:
            err().print(f"error: {printable(str(exc))}", markup=False)
            raise typer.Exit(2) from None
        except Exception:  # anything else: the command says it itself (handles_errors, no traceback)
            return value
        return value

    return callback


def known_network(name: str) -> None:
    """``--network``: a name no installed backend registers is a wrong argument (a typo), said with the
    known names. One that is known but cannot load here (its extra missing) is not: status 1, later."""
    from .cli import UsageProblem
    from .registry import backend_class, known_networks

    if name not in known_networks():
        try:
            backend_class(name)  # its error names the one probably meant and every known network
        except ConfigurationError as exc:
            raise UsageProblem(f"--network: {exc}") from None


def key_text(key: str) -> None:
    """``--key``: text with a lone surrogate (a byte the command line could not decode) cannot be
    stored or sent, so no write could ever be found again by it: a wrong argument, said before any."""
    typed_text(key, "--key")


#: The deepest a ``--setting`` JSON value may nest: the depth the SDK reads a server's JSON to
#: (``Limits.max_json_depth``), far past any setting (``relays``, ``limits``: one or two levels).
MAX_SETTING_DEPTH = 64


def json_setting(key: str, value: str) -> Any:
    """``--setting KEY=VALUE`` with a JSON list or object for VALUE, decoded; one that is not JSON, or
    nests deeper than :data:`MAX_SETTING_DEPTH`, is a wrong argument.

    Measured before it is parsed: ``[`` a hundred thousand times over ran the parser out of stack
    (an unexpected ``RecursionError``, status 1), and how deep it gets first depends on the Python.
    """
    from .cli import UsageProblem
    from .errors import NetworkUnavailable
    from .limits import check_json_depth

    try:
        check_json_depth(value, max_depth=MAX_SETTING_DEPTH, network="cli")
        return json.loads(value)
    except NetworkUnavailable:
        raise UsageProblem(
            f"--setting {key}: not valid JSON (nested deeper than {MAX_SETTING_DEPTH} levels)"
        ) from None
    except json.JSONDecodeError as exc:
        raise UsageProblem(f"--setting {key}: not valid JSON ({exc.msg})") from None
