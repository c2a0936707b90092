"""``decentsocial.interrupt``: a connect another thread stops ends then, not at its timeout.

Against loopback listeners: one that accepts, one whose backlog is full (a
connect there hangs in the TCP handshake), and a port nobody listens on.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from decentsocial.interrupt import Interrupt, current, open_socket
from tests.servers._black_hole import black_hole

#: A connect timeout far past what a stop may take (a third of it, for a noisy machine).
TIMEOUT = 60.0
BOUND = TIMEOUT / 3


@pytest.fixture
def hole() -> Iterator[int]:
    with black_hole() as port:
        yield port


def test_a_stop_from_another_thread_ends_a_connect_the_server_never_completes(hole: int) -> None:
    interrupt = Interrupt()
    watched: list[socket.socket] = []

    def watch(sock: socket.socket) -> None:
        watched.append(sock)

    timer = threading.Timer(0.3, interrupt.set)
    timer.start()
    started = time.monotonic()
    with pytest.raises(ConnectionAbortedError):
        open_socket(("127.0.0.1", hole), TIMEOUT, stopped=interrupt.is_set, watch=watch)
    assert time.monotonic() - started < BOUND
    timer.join()
    assert len(watched) == 1
    assert watched[0].fileno() == -1


def test_a_connect_stopped_before_it_starts_opens_no_socket(hole: int) -> None:
    interrupt = Interrupt()
    interrupt.set()
    watched: list[socket.socket] = []
    with pytest.raises(ConnectionAbortedError):
        open_socket(("127.0.0.1", hole), TIMEOUT, stopped=interrupt.is_set, watch=watched.append)
    assert watched == []


def test_the_timeout_still_ends_a_connect_nobody_stops(hole: int) -> None:
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        open_socket(("127.0.0.1", hole), 0.6, stopped=lambda: False, watch=lambda sock: None)
    assert time.monotonic() - started < BOUND


def test_a_listening_server_is_connected_to_in_timeout_mode() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        sock = open_socket(
            ("127.0.0.1", port),
            5.0,
            stopped=lambda: False,
            watch=lambda sock: None,
            socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
        )
        with sock:
            accepted, _ = server.accept()
            with accepted:
                sock.sendall(b"hi")
                assert accepted.recv(2) == b"hi"
            assert sock.gettimeout() == 5.0
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0


def test_a_refused_connect_is_the_system_error() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
    with pytest.raises(ConnectionRefusedError):
        open_socket(("127.0.0.1", port), 5.0, stopped=lambda: False, watch=lambda sock: None)


def test_a_hook_added_after_the_interrupt_is_set_runs_at_once_and_a_hook_left_never_runs() -> None:
    interrupt = Interrupt()
    ran: list[str] = []
    with interrupt.hooked(lambda: ran.append("left")):
        pass
    interrupt.set()
    assert ran == []
    with interrupt.hooked(lambda: ran.append("late")):
        assert ran == ["late"]


def test_an_interrupt_is_in_force_on_its_own_thread_only_while_inside() -> None:
    interrupt = Interrupt()
    seen: list[object] = []
    with interrupt.in_force():
        assert current() is interrupt
        other = threading.Thread(target=lambda: seen.append(current()))
        other.start()
        other.join()
    assert current() is None
    assert seen == [None]
