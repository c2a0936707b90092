"""``stop()`` ends a stream waiting for its next note from another thread (an async stream's ``aclose()``).

A generator waiting for a note is running, so another thread cannot close
it; ``stop()`` wakes it instead: the reader's ``next()`` ends the iteration
and the subscriptions end in the reader's thread. The sync stream is still
a generator (``close()``, ``send()``, ``throw()`` as before).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator

from decentsocial.backends.nostr import NostrNetwork

from .spec_relay import SpecRelay
from .test_stream_closed_unread import _open_subscriptions


def test_stop_from_another_thread_ends_a_waiting_stream(
    spec_relay: Callable[..., SpecRelay], make_net: Callable[..., NostrNetwork]
) -> None:
    relay = spec_relay()
    net = make_net(relays=[relay.url])
    stream = net.stream(tag="stopped")
    assert isinstance(stream, Generator)
    assert _open_subscriptions(relay, 1) == 1
    read: list[object] = []
    reader = threading.Thread(target=lambda: read.append(list(stream)), daemon=True)
    reader.start()
    stream.stop()  # type: ignore[attr-defined]
    reader.join(30)  # a guard against a hang: it ends at once
    assert not reader.is_alive()
    assert read == [[]]
    assert _open_subscriptions(relay, 0) == 0
    assert net.publish("still usable #stopped").text == "still usable #stopped"
