"""How long-running loops (a monitor, a scheduler's worker) are told to end, and wait until then.

A loop takes a :data:`StopSignal`: a :class:`threading.Event` another
thread sets, a callable asked while it waits (a flag, a deadline), or
``None`` to run for ever.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["StopSignal", "stopped", "wait"]

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
