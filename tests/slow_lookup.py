"""A slow name look-up, for the tests of a stop while a host name is looked up.

``getaddrinfo`` takes no timeout and cannot be interrupted: a name server that never answers holds it
for the resolver's own retries (tens of seconds). The slow resolver here is the system's own function,
held for ``localhost`` until the test lets it go: no DNS server is asked (``localhost`` is in the
hosts file).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

__all__ = ["HELD", "SlowResolver", "slow_lookups"]

#: What the slow look-up would take: far past what a stop may take.
HELD = 60.0


class SlowResolver:
    """``socket.getaddrinfo``, held for ``localhost`` until :meth:`release` (or ``HELD`` seconds)."""

    def __init__(self) -> None:
        self.real = socket.getaddrinfo
        self.asked = threading.Event()
        self.released = threading.Event()
        self.answered = threading.Event()

    def __call__(self, host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "localhost" and not kwargs.get("flags") and not (len(args) > 4 and args[4]):
            self.asked.set()
            self.released.wait(HELD)
            try:
                return self.real(host, *args, **kwargs)
            finally:
                self.answered.set()
        return self.real(host, *args, **kwargs)

    def release(self) -> None:
        self.released.set()


@contextmanager
def slow_lookups(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlowResolver]:
    """``socket.getaddrinfo`` slow for ``localhost`` while inside; released at the end, so a look-up
    given up ends on its thread."""
    resolver = SlowResolver()
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    try:
        yield resolver
    finally:
        resolver.release()
