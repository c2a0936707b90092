"""The shared alarm thread: alarms fire once, in time order, never when cancelled, from one thread."""

from __future__ import annotations

import threading
import time

from decentsocial import alarm


def test_alarms_fire_in_order_of_their_time_from_one_thread() -> None:
    fired: list[tuple[str, int]] = []
    done = threading.Event()

    def note(name: str) -> None:
        fired.append((name, threading.get_ident()))
        if len(fired) == 3:
            done.set()

    alarm.schedule(0.15, lambda: note("late"))
    alarm.schedule(0.05, lambda: note("early"))  # due before the one the thread already waits for
    alarm.schedule(0.10, lambda: note("middle"))
    assert done.wait(5)
    assert [name for name, _ in fired] == ["early", "middle", "late"]
    assert len({thread for _, thread in fired}) == 1
    assert fired[0][1] != threading.get_ident()


def test_a_cancelled_alarm_never_fires_and_many_cancelled_ones_do_not_pile_up() -> None:
    fired = threading.Event()
    first = alarm.schedule(0.05, fired.set)
    first.cancel()
    for _ in range(2000):  # a request each: scheduled, then cancelled when the answer came
        alarm.schedule(60, fired.set).cancel()
    assert not fired.wait(0.3)
    assert len(alarm._clock._heap) < 1000


def test_an_alarm_fires_at_most_once_and_cancel_after_firing_is_harmless() -> None:
    count: list[float] = []
    done = threading.Event()

    def note() -> None:
        count.append(time.monotonic())
        done.set()

    one = alarm.schedule(0.01, note)
    assert done.wait(5)
    one.cancel()
    time.sleep(0.05)
    assert len(count) == 1


def test_a_failing_alarm_does_not_stop_the_thread() -> None:
    done = threading.Event()

    def boom() -> None:
        raise RuntimeError("boom")

    alarm.schedule(0.01, boom)
    alarm.schedule(0.03, done.set)
    assert done.wait(5)


def test_an_alarm_further_off_than_a_wait_can_be_does_not_stop_the_others() -> None:
    far = alarm.schedule(1e12, lambda: None)  # past threading.TIMEOUT_MAX: a wait cannot be told it
    try:
        for _ in range(2):  # the second one is due after the thread went back to waiting for the far one
            fired = threading.Event()
            alarm.schedule(0.05, fired.set)
            assert fired.wait(5)
    finally:
        far.cancel()
