"""One thread that runs every deadline alarm of the process: no thread started per request.

A per-request ``threading.Timer`` starts (and tears down) a thread for every
call, and ``Thread.start`` waits until the new thread holds the GIL: with
several requests in flight (a crosspost), each start queues behind the
others' Python work. :func:`schedule` instead puts the alarm in a heap that
one daemon thread watches, started on first use (and again in a forked
child, which inherits no threads).
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import threading
import time
from collections.abc import Callable

__all__ = ["Alarm", "schedule"]

log = logging.getLogger("decentsocial.alarm")


class Alarm:
    """One scheduled call; :meth:`cancel` before it is due and it never runs."""

    __slots__ = ("_fn", "cancelled", "when")

    def __init__(self, when: float, fn: Callable[[], None]) -> None:
        self.when = when
        self._fn = fn
        self.cancelled = False

    def cancel(self) -> None:
        if not self.cancelled:
            self.cancelled = True
            _clock.cancelled()

    def _run(self) -> None:
        if not self.cancelled:
            self.cancelled = True  # at most once
            self._fn()


class _Clock:
    """The heap of alarms and the thread that fires them when due (``time.monotonic``)."""

    def __init__(self) -> None:
        self._ready = threading.Condition(threading.Lock())
        self._heap: list[tuple[float, int, Alarm]] = []
        self._order = itertools.count()
        self._dead = 0  # cancelled alarms still in the heap
        self._thread: threading.Thread | None = None

    def add(self, alarm: Alarm) -> None:
        with self._ready:
            if self._thread is None or not self._thread.is_alive():
                thread = threading.Thread(target=self._loop, name="decentsocial-alarm", daemon=True)
                # Kept only once started: a start that fails (no memory or threads left for now) raises
                # here, and the next alarm tries again; a thread kept unstarted would fire none ever.
                thread.start()
                self._thread = thread
            heapq.heappush(self._heap, (alarm.when, next(self._order), alarm))
            if self._heap[0][2] is alarm:
                self._ready.notify()  # due before the one the thread waits for

    def cancelled(self) -> None:
        with self._ready:
            self._dead += 1
            if self._dead > 256 and self._dead * 2 > len(self._heap):  # keep the heap to live alarms
                self._heap = [entry for entry in self._heap if not entry[2].cancelled]
                heapq.heapify(self._heap)
                self._dead = 0

    def _loop(self) -> None:
        while True:
            with self._ready:
                while self._heap and self._heap[0][2].cancelled:
                    heapq.heappop(self._heap)
                    self._dead = max(0, self._dead - 1)
                if not self._heap:
                    self._ready.wait()
                    continue
                wait = self._heap[0][0] - time.monotonic()
                if wait > 0:
                    # Capped: an alarm further off than a wait can be told would kill this thread.
                    self._ready.wait(min(wait, threading.TIMEOUT_MAX))
                    continue
                alarm = heapq.heappop(self._heap)[2]
            try:
                alarm._run()
            except Exception:  # an alarm's failure must not stop the others
                log.exception("a deadline alarm failed")

    def reset(self) -> None:
        """In a forked child: no thread yet, no alarms of the parent's calls."""
        self._ready = threading.Condition(threading.Lock())
        self._heap = []
        self._dead = 0
        self._thread = None


_clock = _Clock()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_clock.reset)


def schedule(seconds: float, fn: Callable[[], None]) -> Alarm:
    """Run ``fn()`` in the alarm thread ``seconds`` from now unless cancelled first; keep it short."""
    alarm = Alarm(time.monotonic() + max(0.0, seconds), fn)
    _clock.add(alarm)
    return alarm
