"""``open_socket``'s name look-up: a stop (or the timeout) ends it, not the system resolver.

``getaddrinfo`` takes no timeout and cannot be interrupted: a connect stopped
while its name was being looked up waited for the resolver (its retries can
take tens of seconds). The resolver here is the system's own function, made
slow for ``localhost`` until the test lets it go (tests/slow_lookup.py).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from decentsocial.interrupt import Interrupt, open_socket
from tests.slow_lookup import HELD, SlowResolver, slow_lookups

BOUND = 2.0


@pytest.fixture
def slow(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlowResolver]:
    with slow_lookups(monkeypatch) as resolver:
        yield resolver


def test_a_stop_during_the_name_look_up_ends_the_connect(slow: SlowResolver) -> None:
    interrupt = Interrupt()
    watched: list[socket.socket] = []

    def stop_once_asked() -> None:
        if slow.asked.wait(HELD):
            interrupt.set()

    threading.Thread(target=stop_once_asked, daemon=True).start()
    started = time.monotonic()
    with pytest.raises(ConnectionAbortedError):
        open_socket(("localhost", 9), HELD, stopped=interrupt.is_set, watch=watched.append)
    assert time.monotonic() - started < BOUND
    assert watched == []  # no socket was made
    assert not slow.answered.is_set()  # it did not wait for the resolver


def test_the_timeout_bounds_the_name_look_up(slow: SlowResolver) -> None:
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        open_socket(("localhost", 9), 0.5, stopped=lambda: False, watch=lambda sock: None)
    assert time.monotonic() - started < BOUND
    assert slow.asked.is_set()


def test_a_name_looked_up_in_time_is_connected_to(slow: SlowResolver) -> None:
    slow.release()
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        sock = open_socket(("localhost", port), 5.0, stopped=lambda: False, watch=lambda sock: None)
        with sock:
            accepted, _ = server.accept()
            accepted.close()
    assert slow.answered.is_set()


def test_a_literal_address_asks_no_resolver(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[Any] = []
    real = socket.getaddrinfo

    def recording(host: Any, *args: Any, **kwargs: Any) -> Any:
        asked.append((host, args, kwargs))
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", recording)
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        open_socket(("127.0.0.1", port), 5.0, stopped=lambda: False, watch=lambda sock: None).close()
    assert asked
    assert all(a[1][-1] & socket.AI_NUMERICHOST for a in asked)  # read as an address, not looked up
