"""A stream's wait after a 429 is bounded like a request's.

A streaming endpoint answering 429 with a wait past the retry policy's
``max_wait`` ends the stream with ``RateLimited`` (carrying the wait); one
with an endless ``Retry-After: inf`` is an unknown wait (the usual backoff),
never an untyped ``OverflowError``; a short wait is slept as asked.
"""

from __future__ import annotations

import pytest

from decentsocial import NetworkUnavailable, RateLimited, connect
from decentsocial.backends.mastodon import MastodonNetwork
from tests.mastodon.server_fixtures import hostile  # noqa: F401 - the server fixture
from tests.servers.mastodon_hostile import HostileServer, answer

INSTANCE = {"uri": "x", "version": "4.3.0", "configuration": {"urls": {}}}


def limited(server: HostileServer, retry_after: str) -> tuple[MastodonNetwork, list[float]]:
    def respond(method: str, path: str) -> bytes:
        if "instance" in path:
            return answer(INSTANCE)
        return answer({"error": "Too many requests"}, 429, headers={"Retry-After": retry_after})

    server.respond = respond
    net = connect(
        "mastodon", base_url=server.base_url, access_token="t", mastodon_version="4.2.0", stream_attempts=3
    )
    assert isinstance(net, MastodonNetwork)
    waits: list[float] = []
    net.sleep = waits.append
    return net, waits


def stream_calls(server: HostileServer) -> int:
    return sum(1 for _, path in server.requests if "/streaming/" in path)


def test_a_wait_of_a_day_ends_the_stream_with_rate_limited(server: HostileServer) -> None:
    net, waits = limited(server, "86400")
    with pytest.raises(RateLimited) as caught:
        next(net.stream(kind="public"))
    assert caught.value.retry_after == pytest.approx(86400.0)
    assert waits == []
    assert stream_calls(server) == 1


@pytest.mark.parametrize("value", ["inf", "Infinity", "-inf"])
def test_an_endless_wait_is_an_unknown_one(server: HostileServer, value: str) -> None:
    net, waits = limited(server, value)
    with pytest.raises(NetworkUnavailable):
        next(net.stream(kind="public"))
    assert len(waits) == 2  # the usual backoff between the 3 attempts
    assert all(0 <= wait <= 30 for wait in waits)
    assert stream_calls(server) == 3


def test_a_short_wait_is_slept_as_asked(server: HostileServer) -> None:
    net, waits = limited(server, "7")
    with pytest.raises(NetworkUnavailable):
        next(net.stream(kind="public"))
    assert waits == [7.0, 7.0]
