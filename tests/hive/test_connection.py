"""The connection's settings, its clean-up, and lenient reading of odd node answers."""

from __future__ import annotations

import gc
from typing import Any

import httpx
import pytest

from decentsocial import ConfigurationError, InvalidInput, NetworkUnavailable, connect, connect_any
from decentsocial.backends.hive import HIVE, HiveNetwork, HiveSettings
from decentsocial.backends.hive.convert import (
    account_from_profile,
    amount_of,
    community_from_bridge,
    notification_from_bridge,
    post_from_bridge,
)
from decentsocial.settings import RetrySettings

from ..servers._jsonrpc_replay import ReplayServer
from ..servers.hive import hive_connection


def test_the_shared_retry_setting_keeps_the_old_default_of_three_attempts_in_30_seconds() -> None:
    settings = HiveSettings(nodes=("http://127.0.0.1:1",))
    assert (settings.retry.attempts, settings.retry.total_seconds) == (3, 30.0)
    net = connect("hive", nodes=["http://127.0.0.1:1"], retry={"attempts": 5, "total_seconds": 9})
    try:
        assert (net.retry.attempts, net.retry.total_seconds) == (5, 9)
    finally:
        net.close()
    assert connect("steem", nodes=["http://127.0.0.1:1"], retry=RetrySettings(attempts=1)).retry.attempts == 1


def test_the_old_retries_setting_is_refused_by_name() -> None:
    with pytest.raises(ConfigurationError, match="retries"):
        connect_any("hive", nodes=["http://127.0.0.1:1"], retries=3)  # the old, untyped setting


def test_a_connection_never_closed_closes_its_http_client_when_collected(replay: ReplayServer) -> None:
    closed: list[bool] = []

    class Recording(httpx.BaseTransport):  # the real transport, its close() noted
        def __init__(self, inner: httpx.BaseTransport) -> None:
            self.inner = inner

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            return self.inner.handle_request(request)

        def close(self) -> None:
            closed.append(True)
            self.inner.close()

    net = hive_connection("hive", replay, "alice")
    net._rpc._transport = Recording(net._rpc._transport)
    net.get_post("steemit/firstpost")
    assert closed == []
    del net
    gc.collect()
    assert closed == [True]


def test_a_closed_connection_opens_new_sockets_when_used_again(replay: ReplayServer) -> None:
    net = hive_connection("hive", replay, "alice")
    net.close()
    assert net.get_post("steemit/firstpost").id == "steemit/firstpost"  # as every HTTP backend does
    net.close()


def test_blog_checks_its_arguments_before_any_request(hive: HiveNetwork, replay: ReplayServer) -> None:
    with pytest.raises(InvalidInput):
        hive.blog("Not_An_Account")
    with pytest.raises(InvalidInput):
        hive.blog("gtg", limit=0)
    assert replay.requests == []


def test_odd_fields_read_as_missing_not_as_errors() -> None:
    post = post_from_bridge(
        {
            "author": "alice",
            "permlink": "p",
            "depth": "x",
            "children": None,
            "active_votes": [{"rshares": "12"}, "junk", {"rshares": None}],
            "json_metadata": "{not json",
            "created": "never",
            "reblogs": "many",
        },
        HIVE,
    )
    assert (post.id, post.metrics.likes, post.metrics.replies, post.metrics.reposts) == (
        "alice/p",
        1,
        0,
        None,
    )
    assert post.created_at.year == 1970
    account = account_from_profile({"name": "bob", "stats": "none", "metadata": [], "post_count": "7"}, HIVE)
    assert (account.followers, account.posts_count, account.display_name) == (None, 7, None)
    assert community_from_bridge({"name": "hive-1", "subscribers": "n/a"}, HIVE).members is None
    assert notification_from_bridge({"id": 42, "type": 3, "date": 0}, HIVE).id == "42"


@pytest.mark.parametrize(
    ("convert", "data"),
    [
        (post_from_bridge, {"permlink": "p"}),
        (account_from_profile, {"stats": {}}),
        (community_from_bridge, {"title": "t"}),
        (notification_from_bridge, {"type": "vote"}),
    ],
)
def test_an_answer_without_its_identity_is_a_malformed_answer(convert: Any, data: dict[str, Any]) -> None:
    with pytest.raises(NetworkUnavailable, match="malformed") as info:
        convert(data, HIVE)
    assert not info.value.retryable  # the node would send the same again


@pytest.mark.parametrize("odd", ["lots", {"nai": "@@000000013"}, {"amount": "1", "nai": "@@000000021"}, 3])
def test_an_unreadable_amount_is_a_malformed_answer(odd: Any) -> None:
    with pytest.raises(NetworkUnavailable, match="malformed"):
        amount_of(odd, HIVE)


def test_requests_name_the_library_and_ask_for_json(replay: ReplayServer) -> None:
    seen: list[httpx.Headers] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers)
        return httpx.Response(200, json={"jsonrpc": "2.0", "id": 1, "result": None})

    net = hive_connection("hive", replay, "alice")
    net._rpc._transport = httpx.MockTransport(answer)  # the wire, not our code
    try:
        net._call("condenser_api.get_dynamic_global_properties", [])
    finally:
        net.close()
    [headers] = seen
    assert headers["user-agent"] == "decentsocial"
    assert headers["content-type"] == "application/json"
    assert headers["accept"] == "application/json"
