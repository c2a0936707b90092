"""A firehose stopped while its host name is being looked up ends at once, not when the resolver answers.

The firehose's socket is opened by ``decentsocial.interrupt.open_socket``,
which shut a connecting socket at a stop but called ``getaddrinfo`` first, on
the reader's thread: the system resolver takes no timeout and cannot be
interrupted, so a stop then waited for it (a name server that never answers:
the resolver's own retries, tens of seconds). The look-up now runs on a
helper thread, given up at the stop.

The slow resolver is the system's own ``getaddrinfo`` held for ``localhost``
(in the hosts file: no DNS server is asked) until the test ends.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

pytest.importorskip("atproto", reason="the Bluesky firehose needs the bluesky extra (atproto)")

from decentsocial.backends.bluesky.firehose import FirehoseReader
from tests.slow_lookup import SlowResolver, slow_lookups

from .test_firehose_stop_connecting import BOUND, GUARD, start


@pytest.fixture
def slow(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlowResolver]:
    with slow_lookups(monkeypatch) as resolver:
        yield resolver


def test_stop_ends_a_firehose_whose_host_name_is_still_being_looked_up(slow: SlowResolver) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:  # where the name would lead: never reached
        port = server.getsockname()[1]
        reader = FirehoseReader(f"ws://localhost:{port}/xrpc", network="bluesky")
        consumer, outcome = start(reader)
        assert slow.asked.wait(GUARD), "the reader never looked the relay's name up"
        assert reader.thread is not None
        assert reader.thread.is_alive()  # in the look-up
        reader.stop()
        reader.thread.join(BOUND)
        assert not reader.thread.is_alive(), "the firehose thread waited for the name look-up"
        consumer.join(BOUND)
        assert not consumer.is_alive(), "the iterator did not return after stop()"
        assert outcome == [[]]  # a quiet end: it was told to stop
        assert not slow.answered.is_set()  # the resolver had not answered: it was not waited for
        server.settimeout(0.2)
        with pytest.raises(TimeoutError):
            server.accept()  # and nothing was dialled after the stop
