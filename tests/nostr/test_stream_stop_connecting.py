"""A Nostr stream told to end while its relays still connect ends then, not at the relays' timeout.

The subscriptions are opened relay after relay, on the connection's loop,
from when the stream is made. An async stream's ``aclose()`` (or a monitor's
end) while a relay was still connecting (a relay that never completes the
TCP handshake) returned, but the read waiting for the first note was held
until the relay's timeout and then failed with ``NetworkUnavailable``; the
relays subscribed already kept their subscriptions until then. The stop now
cancels the opening: the read ends quietly at once and what was subscribed
is let go of. (A stream made directly, and a relay that never answers the
websocket upgrade: ``test_stream_stop_handshake.py``.)

The bound is the configured timeout (a third of it), not a tight clock.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from decentsocial import aio
from decentsocial.backends.nostr import NostrNetwork
from tests.servers._black_hole import black_hole

from .spec_relay import SpecRelay
from .test_stream_closed_unread import _open_subscriptions

#: The relays' timeout: what a stop used to wait for.
TIMEOUT = 60.0
BOUND = TIMEOUT / 3
SLOW: dict[str, Any] = {"timeout": TIMEOUT, "limits": {"deadline": 2 * TIMEOUT}}
#: Seconds given the stream to be connecting before the stop (a stop before it is fine too).
SETTLE = 0.5


@pytest.fixture
def hole() -> Iterator[str]:
    with black_hole() as port:
        yield f"ws://127.0.0.1:{port}"


def test_aclose_ends_an_async_stream_whose_relay_never_completes_the_handshake(hole: str) -> None:
    async def main() -> None:
        started = 0.0
        async with aio.connect("nostr", relays=[hole], **SLOW) as net:
            stream = net.stream()
            reading = asyncio.ensure_future(anext(stream))
            await asyncio.sleep(SETTLE)
            assert not reading.done()  # the relay is still connecting
            started = time.monotonic()
            await asyncio.wait_for(stream.aclose(), BOUND)
            with pytest.raises(StopAsyncIteration):  # a quiet end, not the relay's failure
                await asyncio.wait_for(reading, BOUND)
            assert time.monotonic() - started < BOUND
        assert time.monotonic() - started < BOUND  # and the connection closes without waiting for it

    asyncio.run(main())


def test_a_stop_while_the_relays_connect_lets_go_of_those_subscribed_already(
    spec_relay: Callable[..., SpecRelay], make_net: Callable[..., NostrNetwork], hole: str
) -> None:
    """A monitor's end (or any thread's ``stop()``): the stream, made at once, is stopped while its second
    relay is still in the TCP handshake; the first relay's subscription is closed again."""
    relay = spec_relay()
    net = make_net(relays=[relay.url, hole], **SLOW)  # subscribed in that order
    made = time.monotonic()
    stream = net.stream(tag="connecting")
    assert time.monotonic() - made < BOUND  # it does not wait for the relays
    read: list[object] = []
    reader = threading.Thread(target=lambda: read.append(list(stream)), daemon=True)
    reader.start()
    assert _open_subscriptions(relay, 1) == 1  # the first relay subscribed; the second connects
    time.sleep(SETTLE)
    started = time.monotonic()
    stream.stop()  # type: ignore[attr-defined]
    reader.join(BOUND)
    assert not reader.is_alive(), "the stream kept connecting after the stop"
    assert time.monotonic() - started < BOUND
    assert read == [[]]  # a quiet end
    assert _open_subscriptions(relay, 0) == 0  # the subscription made is closed again
