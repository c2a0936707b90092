"""A Nostr stream made directly (``net.stream()``) ends at its ``stop()`` or ``close()`` while a relay has
not answered the websocket handshake, and the socket it was opening is closed.

``stream()`` subscribed on every relay before it returned: a relay that
accepts the TCP connection and never answers the upgrade held the call for
the relays' timeout, and nothing the caller had could end it (only a
monitor's or an async stream's interrupt, in force on the calling thread).
The subscribing now runs on the connection's loop and ``stream()`` returns
at once: its ``stop()`` (from any thread) and ``close()`` cancel it, and the
notes of the relays that did answer come through meanwhile.

The relay that never answers is a loopback listener reading the upgrade and
sending nothing. The bound is a third of the configured timeout.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from decentsocial import errors
from decentsocial.backends.nostr import NostrNetwork

from .spec_relay import SpecRelay
from .test_stream_closed_unread import _open_subscriptions

#: The relays' timeout: what a stop used to wait for (and ``stream()`` itself).
TIMEOUT = 60.0
BOUND = TIMEOUT / 3
SLOW: dict[str, Any] = {"timeout": TIMEOUT, "limits": {"deadline": 2 * TIMEOUT}}
#: A guard against a hang, not a timing.
GUARD = 15.0
#: Seconds given the stream to be waiting for the handshake's answer before it is stopped.
SETTLE = 0.3


class MuteRelay:
    """Accepts connections on 127.0.0.1, reads what comes (the websocket upgrade), never answers."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.url = f"ws://127.0.0.1:{self._listener.getsockname()[1]}"
        self.asked = threading.Event()
        self.hung_up = threading.Event()
        self._stop = threading.Event()
        self._accepting = threading.Thread(target=self._accept, name="mute-relay", daemon=True)
        self._accepting.start()

    def _accept(self) -> None:
        with self._listener:
            while not self._stop.is_set():
                with contextlib.suppress(OSError):
                    conn, _ = self._listener.accept()
                    threading.Thread(target=self._hold, args=(conn,), daemon=True).start()

    def _hold(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            conn.settimeout(0.1)
            while not self._stop.is_set():
                try:
                    if not conn.recv(65536):
                        self.hung_up.set()  # the client closed its socket
                        return
                except TimeoutError:
                    continue
                self.asked.set()

    def close(self) -> None:
        self._stop.set()
        self._accepting.join(5)


@pytest.fixture
def mute() -> Iterator[MuteRelay]:
    relay = MuteRelay()
    yield relay
    relay.close()


def within(seconds: float, call: Callable[[], Any]) -> Any:
    """``call()``'s value, failing the test if it takes ``seconds`` (the call is left on its thread)."""
    outcome: list[Any] = []
    thread = threading.Thread(target=lambda: outcome.append(call()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"the call took more than {seconds:.0f} s"
    assert outcome, "the call raised"
    return outcome[0]


def read_on_a_thread(stream: Iterator[Any]) -> tuple[threading.Thread, list[Any]]:
    read: list[Any] = []

    def run() -> None:
        try:
            for post in stream:
                read.append(post.text)
        except Exception as exc:
            read.append(exc)

    reader = threading.Thread(target=run, daemon=True)
    reader.start()
    return reader, read


def test_stop_ends_a_stream_whose_relay_never_answers_the_handshake(
    mute: MuteRelay, make_net: Callable[..., NostrNetwork]
) -> None:
    net = make_net(relays=[mute.url], **SLOW)
    stream = within(BOUND, net.stream)  # it returns while the relay is still connecting
    reader, read = read_on_a_thread(stream)
    assert mute.asked.wait(GUARD), "the stream never asked the relay"
    time.sleep(SETTLE)
    started = time.monotonic()
    stream.stop()
    reader.join(BOUND)
    assert not reader.is_alive(), "the stream kept connecting after stop()"
    assert read == []  # a quiet end: it was told to end
    assert mute.hung_up.wait(BOUND), "the socket being opened was left open"
    assert time.monotonic() - started < BOUND


def test_close_ends_a_stream_unread_whose_relay_never_answers_the_handshake(
    mute: MuteRelay, make_net: Callable[..., NostrNetwork]
) -> None:
    net = make_net(relays=[mute.url], **SLOW)
    stream = within(BOUND, net.stream)
    assert mute.asked.wait(GUARD), "the stream never asked the relay"
    time.sleep(SETTLE)
    started = time.monotonic()
    within(BOUND, stream.close)
    assert mute.hung_up.wait(BOUND), "the socket being opened was left open"
    assert time.monotonic() - started < BOUND
    assert list(stream) == []


def test_a_relay_still_connecting_does_not_hold_the_notes_of_one_that_answered(
    mute: MuteRelay, spec_relay: Callable[..., SpecRelay], make_net: Callable[..., NostrNetwork]
) -> None:
    relay = spec_relay()
    net = make_net(relays=[relay.url, mute.url], **SLOW)  # subscribed in that order
    writer = make_net(relays=[relay.url])
    stream = within(BOUND, lambda: net.stream(tag="handshake"))
    reader, read = read_on_a_thread(stream)
    assert _open_subscriptions(relay, 1) == 1
    assert mute.asked.wait(GUARD), "the stream never asked the second relay"
    writer.publish("while the second relay connects #handshake")
    deadline = time.monotonic() + GUARD
    while not read and time.monotonic() < deadline:
        time.sleep(0.02)
    assert read == ["while the second relay connects #handshake"]
    stream.stop()
    reader.join(BOUND)
    assert not reader.is_alive()
    assert mute.hung_up.wait(BOUND), "the socket being opened was left open"
    assert _open_subscriptions(relay, 0) == 0  # and the subscription made is closed again


def test_a_stream_no_relay_answers_raises_when_read(
    closed_relay_url: str, make_net: Callable[..., NostrNetwork]
) -> None:
    net = make_net(relays=[closed_relay_url])
    with pytest.raises(errors.NetworkUnavailable, match="no relay answered"):
        next(net.stream())
