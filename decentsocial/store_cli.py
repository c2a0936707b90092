"""The ``--store`` option of the campaign and crisis commands, and how they open the store it names;
and the checks of an option's value made as the command line is read (:func:`checked_while_read`).

Its own module so that each command module imports it without importing
the other (the campaign commands' module can be imported first, alone).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from .errors import ConfigurationError
from .paths import home_path
from .terminal import printable, typed_text
from .text import nul_at

if TYPE_CHECKING:
    from .scheduler import Scheduler

__all__ = [
    "StoreOpt",
    "checked_while_read",
    "each_once",
    "expanded",
    "is_missing_file",
    "json_setting",
    "key_text",
    "known_network",
    "open_scheduler",
    "settings_fit",
    "typed_value",
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
    ``option``); a blank one is refused too (``--store " "`` made a store file named by a space), and
    a folder (``--store ~/metrics/``: the file's name left out).

    Each is a wrong argument (exit status 2): refused before anything is read or written.
    """
    from .cli import UsageProblem  # here: cli imports the command modules, which import this one

    if not path.strip():
        raise UsageProblem(f"{option} is empty: give a file path")
    found = home_path(path, option, UsageProblem)
    if found.is_dir():
        raise UsageProblem(f"{option} {printable(str(found))} is a folder: give a file path (a file in it)")
    return found


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


def typed_value(*, blank: bool = False) -> Callable[[Any, Any, V], V]:
    """The ``callback`` of a free-text option or argument (``--cw``, ``--tag``, a profile, a post id…):
    each value given is checked as the command line is read, before anything is made or sent.

    A byte the command line could not decode (a lone surrogate, :func:`typed_text`) can be neither
    sent nor stored: it was the draft's or the network's error (status 1), and ``track``, ``schedule``
    and ``crisis start`` had made their store by then. A blank value is refused too unless ``blank``:
    ``--cw "$CW"`` with ``$CW`` unset posted with no warning at all, ``--search ""`` showed the home
    timeline as if it were the results. Either is a ``UsageProblem`` naming the option: status 2.
    So is a NUL (U+0000), which no shell types but a program running the CLI may pass: a job id
    holding one was the scheduler's ``InvalidInput`` (status 1), a post id the network's.
    """

    def callback(ctx: Any, param: Any, value: V) -> V:
        name = _param_name(param)

        def check(given: Any) -> None:
            from .cli import UsageProblem

            values = [given] if isinstance(given, str) else list(given)
            for i, text in enumerate(values):
                label = name if len(values) == 1 else f"{name} (the {_ordinal(i + 1)} given)"
                typed_text(text, label)
                if not blank and not text.strip():
                    optional = param.param_type_name == "option" and not param.required
                    leave = f", or leave {name} out" if optional else ""
                    raise UsageProblem(f"{label} is empty: give it a value{leave}")
                if (at := nul_at(text)) is not None:
                    raise UsageProblem(
                        f"{label} holds a NUL character (U+0000) at character {at}: give it as plain text"
                    )

        return checked_while_read(check)(ctx, param, value)

    return callback


def _param_name(param: Any) -> str:
    """How the user names ``param``: an option by its first long name (``--cw``), an argument by its
    metavar (``POST_ID``)."""
    opts = [o for o in getattr(param, "opts", ()) if o.startswith("--")]
    if getattr(param, "param_type_name", "") == "option" and opts:
        return str(opts[0])
    return str(getattr(param, "metavar", None) or param.name).upper()


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


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
    stored or sent, so no write could ever be found again by it: a wrong argument, said before any.

    A blank one too: ``post --key "$KEY"`` with ``$KEY`` unset posted under a new key (run again, it
    posted again), and one of spaces was the draft's error (status 1). And one holding a NUL (U+0000),
    which no shell passes but a program running the CLI may: ``schedule`` stored it as the job's key.
    """
    from .cli import UsageProblem

    typed_text(key, "--key")
    if not key.strip():
        raise UsageProblem(f"--key must be non-empty text, got {key!r}: give one, or leave --key out")
    if (at := nul_at(key)) is not None:
        raise UsageProblem(f"--key holds a NUL character (U+0000) at character {at}: give it as plain text")


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


def settings_fit(profiles: Sequence[str], network: str | None, settings: dict[str, Any]) -> None:
    """``--setting`` values given with profiles, checked on their own against each profile's network (no
    I/O, no secret read): what that refuses was typed (``-s account=$'\\xff'``, a setting the network
    does not have), a wrong argument (``UsageProblem``, status 2). Merged into the profile's settings
    first, it was said as the profile's failure (status 1). What needs the profile's own settings too
    (a password for its handle) is left to ``connect``.
    """
    from .cli import UsageProblem
    from .config import profile_network
    from .registry import backend_class, check_some_settings

    for name in dict.fromkeys(network or profile_network(profile) for profile in profiles):
        if name is None:  # no such profile, or one naming no network: connect says so (status 1)
            continue
        try:
            backend_class(name)
        except ConfigurationError:  # no such network, or one not loadable here: connect says so too
            continue
        try:
            check_some_settings(name, settings)
        except ConfigurationError as exc:
            raise UsageProblem(f"--setting: {exc}") from None


def each_once(profiles: Sequence[str]) -> None:
    """Each profile given once: one given twice is a wrong argument (``UsageProblem``, status 2), said
    before anything is made. ``crisis start --to brand --to brand`` made its store, then failed (1)."""
    from .cli import UsageProblem

    seen: set[str] = set()
    for name in profiles:
        if name in seen:
            raise UsageProblem(f"profile {name!r} is given twice; give each profile once")
        seen.add(name)
