"""SQLite failures turned into decentsocial errors, in one place.

The sandbox's "wire" is its SQLite file, so its failures are ``sqlite3``
(and, when the file is opened, ``OSError``) exceptions. The transport wraps
each step of its work in :func:`sqlite_failures` with the step's name, and
this table decides the error class, the message and whether a retry may
help. The original exception stays as ``__cause__``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from ... import errors
from .settings import NETWORK

__all__ = ["Step", "failure", "sqlite_failures"]

#: What the transport was doing when SQLite failed.
Step = Literal["open", "configure", "begin", "work", "commit"]

#: step -> (error class, message, retryable)
_STEPS: dict[str, tuple[type[errors.DecentSocialError], str, bool]] = {
    "open": (errors.ConfigurationError, "cannot open the sandbox database {target}", False),
    "configure": (errors.ConfigurationError, "cannot use the sandbox database {target}", False),
    "begin": (errors.NetworkUnavailable, "the sandbox database is busy", True),
    "work": (errors.NetworkUnavailable, "sandbox database error, nothing was written", True),
    "commit": (errors.NetworkUnavailable, "sandbox commit failed, nothing was written", True),
}


#: SQLite results no retry mends (the file is damaged, no database, or read-only), by name (3.11+)
#: or, before, by message.
_UNUSABLE = ("SQLITE_CORRUPT", "SQLITE_NOTADB", "SQLITE_READONLY")
_UNUSABLE_TEXT = ("malformed", "not a database", "readonly database")


def _unusable(exc: BaseException) -> bool:
    name = getattr(exc, "sqlite_errorname", None)
    if isinstance(name, str):
        return name.startswith(_UNUSABLE)
    return isinstance(exc, sqlite3.DatabaseError) and any(text in str(exc) for text in _UNUSABLE_TEXT)


def _busy(exc: BaseException) -> bool:
    name = getattr(exc, "sqlite_errorname", None)
    if isinstance(name, str):
        return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED"))
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)


def failure(exc: BaseException, step: Step, target: str = "") -> errors.DecentSocialError:
    """The decentsocial error for ``exc`` raised during ``step`` (on the database file ``target``)."""
    if _unusable(exc):  # a damaged or read-only file at any step: no busy database to retry
        step = "configure"
    elif step == "configure" and _busy(exc):  # another connection's lock while opening: it passes
        step = "begin"
    cls, message, retryable = _STEPS[step]
    return cls(f"{message.format(target=target)}: {exc}", network=NETWORK, retryable=retryable)


@contextmanager
def sqlite_failures(step: Step, target: str = "") -> Iterator[None]:
    """Raise :func:`failure` for any SQLite error in the block (and file system error when opening)."""
    caught = (sqlite3.Error, OSError) if step == "open" else (sqlite3.Error,)
    try:
        yield
    except caught as exc:
        raise failure(exc, step, target) from exc
    except UnicodeEncodeError:
        # A caller's text with a lone surrogate (half an emoji) cannot be stored or looked up.
        raise errors.InvalidInput(
            "text is not valid Unicode (a lone surrogate); nothing was written", network=NETWORK
        ) from None
