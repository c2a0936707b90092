"""Paths a user writes: ``~`` is the home folder, and a ``~name`` that names no user is a typed error.

``Path.expanduser`` raises a bare ``RuntimeError`` for ``~brnad/x.db`` (a
mistyped ``~brand``): every store, cursor, session file and config path goes
through :func:`home_path`, so the mistake is said as the SDK's own error.
"""

from __future__ import annotations

from pathlib import Path

from .errors import ConfigurationError

__all__ = ["home_path"]


def home_path(path: str | Path, what: str, error: type[Exception] = ConfigurationError) -> Path:
    """``path`` with ``~`` expanded; ``error`` naming ``what`` when its ``~name`` is no user's here
    (``ValueError`` from a settings validator: pydantic makes it the setting's own complaint)."""
    try:
        return Path(path).expanduser()
    except RuntimeError:
        user = str(path).replace("\\", "/").split("/", 1)[0]
        raise error(f"{what} {str(path)!r}: {user} is no user's home here (~ alone is yours)") from None
