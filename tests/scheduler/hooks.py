"""Making a race's moment instead of waiting for it: another party's step run from inside a store call.

``after(worker.store, "record", then, monkeypatch, call=3)`` runs ``then`` right after the worker's
third ``record`` did its work; ``before`` runs a step just before a call's own work. Both run their
step once, in the calling thread, so the interleaving is the same on every run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


def after(
    obj: object, name: str, then: Callable[[], Any], monkeypatch: pytest.MonkeyPatch, call: int = 1
) -> None:
    """Make ``obj.name`` run ``then`` once, right after its ``call``-th call did its own work."""
    original = getattr(obj, name)
    calls: list[int] = []

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        calls.append(1)
        if len(calls) == call:
            then()
        return result

    monkeypatch.setattr(obj, name, wrapped)


def before(obj: object, name: str, first: Callable[[], Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``obj.name`` run ``first`` once, just before its first call does its own work."""
    original = getattr(obj, name)
    done: list[bool] = []

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not done:
            done.append(True)
            first()
        return original(*args, **kwargs)

    monkeypatch.setattr(obj, name, wrapped)
