"""How long-running loops (a monitor, a scheduler's worker, a backend's stream) are told to end.

A loop takes a :data:`StopSignal`: a :class:`threading.Event` another
thread sets, a callable asked while it waits (a flag, a deadline), or
``None`` to run for ever, and waits with :func:`wait`.

A backend's stream waiting for its next post is a running generator, so
another thread cannot close it (``ValueError: generator already
executing``): an async stream's ``aclose()`` could not end it until a post
came. A :class:`StoppableStream`'s ``stop()`` wakes the wait instead (the
stream's own end: a queue's sentinel, an event), the generator returns in
the thread reading it, and its clean-up runs there.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator
from typing import Any

from .models import Post

__all__ = ["StopSignal", "StoppableStream", "stopped", "wait"]

StopSignal = threading.Event | Callable[[], bool] | None

#: Seconds between two questions to a callable stop signal while waiting.
_ASK_EVERY = 0.25


def stopped(stop: StopSignal) -> bool:
    """Whether ``stop`` (an event, a callable, or ``None``) says to end."""
    if stop is None:
        return False
    if isinstance(stop, threading.Event):
        return stop.is_set()
    return bool(stop())


def wait(seconds: float, stop: StopSignal) -> None:
    """Sleep ``seconds``, waking early when ``stop`` is set (a callable is asked every 0.25 s)."""
    if seconds <= 0 or stopped(stop):
        return
    if isinstance(stop, threading.Event):
        # A lock cannot be told to wait past TIMEOUT_MAX (an OverflowError): longer waits go in turns.
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if stop.wait(min(left, threading.TIMEOUT_MAX)):
                return
        return
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        time.sleep(min(left, _ASK_EVERY))
        if stopped(stop):
            return


class StoppableStream(Generator[Post, None, None]):
    """``posts`` as it was (a generator: ``close()``, ``send()``, ``throw()``), plus ``stop()``."""

    def __init__(self, posts: Generator[Post, None, None], stop: Callable[[], None]) -> None:
        self._posts = posts
        self._stop = stop

    def send(self, value: None) -> Post:
        return self._posts.send(value)

    def throw(self, *args: Any) -> Post:
        return self._posts.throw(*args)

    def close(self) -> None:
        self._posts.close()

    def stop(self) -> None:
        """End the stream from any thread: its reader's wait returns and the iteration ends."""
        self._stop()
