"""The retry policy's wait between attempts ends at the stop of the thread's Interrupt, and only then.

A stream's stop (an ``aclose()``, a monitor's end) from another thread sets
the :class:`~decentsocial.interrupt.Interrupt` in force on the reading
thread. A retry's wait used ``time.sleep`` and held that thread for up to
``max_wait``; it now ends at once and no attempt follows (the last error is
raised). With no Interrupt in force, or one never set, it waits as before.
"""

from __future__ import annotations

import threading
import time

import pytest

from decentsocial.errors import NetworkUnavailable
from decentsocial.interrupt import Interrupt
from decentsocial.retry import RetryPolicy

LONG = 60.0


def _policy(backoff: float) -> RetryPolicy:
    return RetryPolicy(
        attempts=3,
        total_seconds=10 * LONG,
        max_wait=2 * LONG,
        backoff=backoff,
        backoff_cap=backoff,
        jitter=0.0,
    )


class Flaky:
    """A call that fails (retryable) ``failures`` times, then answers."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise NetworkUnavailable(f"down ({self.calls})", network="test", retryable=True)
        return "ok"


def test_a_stop_ends_the_wait_between_attempts_and_no_attempt_follows() -> None:
    interrupt = Interrupt()
    call = Flaky(failures=1)
    outcome: list[object] = []

    def run() -> None:
        with interrupt.in_force():
            try:
                outcome.append(_policy(LONG).call(call))
            except NetworkUnavailable as exc:
                outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    deadline = time.monotonic() + 5
    while call.calls < 1:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    time.sleep(0.2)  # in the wait now
    started = time.monotonic()
    interrupt.set()
    worker.join(LONG / 6)
    assert not worker.is_alive(), "the retry's wait outlived the stop"
    assert time.monotonic() - started < LONG / 6
    assert call.calls == 1  # nothing asked again after the stop
    [error] = outcome
    assert isinstance(error, NetworkUnavailable)
    assert error.message == "down (1)"


def test_a_stop_set_before_the_failure_ends_it_without_a_wait() -> None:
    interrupt = Interrupt()
    interrupt.set()
    call = Flaky(failures=1)
    started = time.monotonic()
    with interrupt.in_force(), pytest.raises(NetworkUnavailable):
        _policy(LONG).call(call)
    assert time.monotonic() - started < 5
    assert call.calls == 1


@pytest.mark.parametrize("under_interrupt", [False, True])
def test_without_a_stop_the_policy_waits_and_tries_again(under_interrupt: bool) -> None:
    call = Flaky(failures=1)
    started = time.monotonic()
    if under_interrupt:
        with Interrupt().in_force():
            assert _policy(0.3).call(call) == "ok"
    else:
        assert _policy(0.3).call(call) == "ok"
    assert time.monotonic() - started >= 0.3  # the backoff was waited
    assert call.calls == 2


def test_a_policy_given_its_own_sleep_still_stops_trying_after_a_stop() -> None:
    interrupt = Interrupt()
    slept: list[float] = []
    call = Flaky(failures=2)

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        interrupt.set()  # the stop lands while this (a caller's own) sleep waits

    policy = RetryPolicy(
        attempts=3,
        total_seconds=10 * LONG,
        max_wait=2 * LONG,
        backoff=LONG,
        backoff_cap=LONG,
        jitter=0.0,
        sleep=sleep,
    )
    with interrupt.in_force(), pytest.raises(NetworkUnavailable):
        policy.call(call)
    assert slept == [LONG]
    assert call.calls == 1
