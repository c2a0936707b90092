"""A rate-limit header the client cannot read never turns an answer into a rate limit.

Servers and proxies send ``X-RateLimit-Reset`` as ISO-8601, epoch seconds,
a float epoch, or garbage, and a ``Date`` that may not parse. On a 200 that
only means "no known wait": the published post comes back, the POST is sent
once. On a real 429 the wait is still read from the headers.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from decentsocial import RateLimited, connect
from decentsocial.backends.mastodon import MastodonNetwork
from tests.mastodon.server_fixtures import hostile  # noqa: F401 - the server fixture
from tests.servers.mastodon_hostile import HostileServer, answer

from .cassettes import recorded_statuses

INSTANCE = {"uri": "x", "version": "4.3.0", "configuration": {"statuses": {"max_characters": 500}}}


def status() -> dict[str, Any]:
    data = copy.deepcopy(next(s for s in recorded_statuses() if not s.get("reblog")))
    data["id"] = "111"
    return data


def net_for(server: HostileServer) -> MastodonNetwork:
    net = connect("mastodon", base_url=server.base_url, access_token="t", mastodon_version="4.2.0")
    assert isinstance(net, MastodonNetwork)
    return net


def posts_sent(server: HostileServer) -> int:
    return sum(1 for method, path in server.requests if (method, path) == ("POST", "/api/v1/statuses"))


@pytest.mark.parametrize(
    "headers",
    [
        {"X-RateLimit-Reset": "1704067500.5"},
        {"X-RateLimit-Reset": "2024-13-45T99:00:00Z"},
        {"X-RateLimit-Reset": "soon"},
        {"X-RateLimit-Reset": "2024-01-01T00:00:00Z", "Date": "yesterday-ish"},
    ],
    ids=["float epoch", "impossible date", "a word", "bad Date"],
)
def test_a_published_post_is_returned_whatever_the_reset_header_says(
    server: HostileServer, headers: dict[str, str]
) -> None:
    def respond(method: str, path: str) -> bytes:
        if path.startswith(("/api/v2/instance", "/api/v1/instance")):
            return answer(INSTANCE)
        return answer(status(), headers={"X-RateLimit-Remaining": "299", **headers})

    server.respond = respond
    net = net_for(server)
    post = net.publish("hello")
    assert post.id == "111"
    assert posts_sent(server) == 1
    assert net.get_post("111").id == "111"  # a read is not refused either


def test_a_real_429_still_reads_its_wait(server: HostileServer) -> None:
    def respond(method: str, path: str) -> bytes:
        if path.startswith(("/api/v2/instance", "/api/v1/instance")):
            return answer(INSTANCE)
        headers = {"X-RateLimit-Reset": "2024-01-01T01:00:00Z", "Date": "Mon, 01 Jan 2024 00:00:00 GMT"}
        return answer({"error": "Too many requests"}, 429, headers)

    server.respond = respond
    with pytest.raises(RateLimited) as caught:
        net_for(server).publish("hello")
    assert caught.value.retry_after == pytest.approx(3600.0)
    assert posts_sent(server) == 1  # an hour is past the retry policy's longest wait: not retried
