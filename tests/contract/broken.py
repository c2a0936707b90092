"""A harness for a deliberately broken sandbox: the contract tests that check the suite's cases can fail."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from decentsocial.backends.sandbox import SandboxNetwork
from decentsocial.testing import Harness

__all__ = ["harness_of"]


@contextmanager
def harness_of(backend: type[SandboxNetwork], folder: Path) -> Iterator[Harness]:
    """``me`` and ``other`` on one sandbox file, both of the broken class (``fresh_me`` builds one too)."""
    path = str(folder / "broken.db")
    me = backend(backend.Settings(path=path, account="alice"))
    other = backend(backend.Settings(path=path, account="bob"))
    try:
        me.me()
        other.me()
        yield Harness(name="sandbox", me=me, other=other, samples={"tip": "0.001 SAND"})
    finally:
        other.close()
        me.close()
