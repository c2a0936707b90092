"""A stream closed (or dropped) before its first note ends its subscriptions on the relay at once, as one
closed after reading does: a bot that stops early leaves nothing open until the connection closes."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Generator

import pytest

from decentsocial.backends.nostr import NostrNetwork

from .spec_relay import SpecRelay


def _open_subscriptions(relay: SpecRelay, expected: int) -> int:
    """The relay's open subscriptions, once they reach ``expected`` or 10 s have passed (the CLOSE
    travels over the socket)."""
    deadline = time.monotonic() + 10
    while len(relay._live) != expected and time.monotonic() < deadline:
        time.sleep(0.02)
    return len(relay._live)


@pytest.mark.parametrize("how", ["closed", "dropped", "closed after a note"])
def test_a_stream_ends_its_subscription_however_it_ends(
    how: str, spec_relay: Callable[..., SpecRelay], make_net: Callable[..., NostrNetwork]
) -> None:
    relay = spec_relay()
    net = make_net(relays=[relay.url])
    stream = net.stream(tag="unread")
    assert _open_subscriptions(relay, 1) == 1
    if how == "closed after a note":
        net.publish("الأولى #unread")
        assert next(stream).text == "الأولى #unread"
    if how == "dropped":
        del stream
        gc.collect()
    else:
        assert isinstance(stream, Generator)
        stream.close()
        stream.close()  # twice: nothing more to do
    assert _open_subscriptions(relay, 0) == 0
    assert net.publish("still usable #unread").text == "still usable #unread"
