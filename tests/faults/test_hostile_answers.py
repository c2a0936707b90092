"""Answers no honest server gives, from a raw server on 127.0.0.1: never read as an answer.

A redirect from a configured server, node or relay is no answer: its body
(often ``{}``) must not read as a resource ("post not found", an empty
account) or as a write done (a broadcast taken), and a websocket must not
follow it to another server. A ``Retry-After`` no one can wait for (``1e999``)
is no wait either, and a body sent a byte per chunk costs about its cap in memory.
"""

from __future__ import annotations

import tracemalloc
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.backends.hive.transport import RpcClient
from decentsocial.limits import Limits
from decentsocial.retry import RetryPolicy
from decentsocial.urls import fetch_public_json
from tests.servers.mastodon_hostile import HostileServer, answer, hostile_server

LIMITS = Limits(deadline=5.0)
REDIRECTS = (301, 302, 303, 307, 308)


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with hostile_server() as running:
        yield running


def redirect(server: HostileServer, code: int, location: str) -> None:
    server.respond = lambda method, path: answer({}, code, {"Location": location})


def threads(server: HostileServer) -> Any:
    from decentsocial.backends.threads import ThreadsNetwork, ThreadsSettings

    settings = ThreadsSettings(access_token="token", user_id="1", base_url=server.base_url, limits=LIMITS)
    return ThreadsNetwork(settings)


def minds(server: HostileServer) -> Any:
    from decentsocial.backends.minds import MindsExperimentalWarning, MindsNetwork, MindsSettings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MindsExperimentalWarning)
        settings = MindsSettings(username="bot", password="pw", base_url=server.base_url, limits=LIMITS)
        return MindsNetwork(settings)


@pytest.mark.parametrize("code", REDIRECTS)
@pytest.mark.parametrize("make", [threads, minds], ids=["threads", "minds"])
def test_a_redirect_from_an_http_api_is_refused_not_read_as_the_answer(
    server: HostileServer, make: Any, code: int
) -> None:
    redirect(server, code, "http://169.254.169.254/latest/meta-data/")
    net = make(server)
    try:
        with pytest.raises(ds.ConfigurationError, match=f"HTTP {code} to 169.254.169.254") as info:
            net.me()
    finally:
        net.close()
    assert "redirects are not followed" in info.value.message
    assert len(server.requests) == 1  # not followed, not repeated


def test_a_redirect_to_a_url_no_server_has_is_refused_without_quoting_it(server: HostileServer) -> None:
    redirect(server, 307, "file:///etc/passwd")
    net = threads(server)
    try:
        with pytest.raises(ds.ConfigurationError) as info:
            net.me()
    finally:
        net.close()
    assert "HTTP 307 elsewhere" in info.value.message
    assert "passwd" not in str(info.value)


def hive(server: HostileServer) -> Any:
    return ds.connect("hive", nodes=[server.base_url], retry={"attempts": 1}, limits=LIMITS.model_dump())


@pytest.mark.parametrize("code", REDIRECTS)
def test_a_redirecting_node_is_refused_not_read_as_a_post_not_found(server: HostileServer, code: int) -> None:
    redirect(server, code, "https://elsewhere.example/")
    net = hive(server)
    try:
        with pytest.raises(ds.ConfigurationError, match=f"HTTP {code} to elsewhere.example"):
            net.get_post("steemit/firstpost")
    finally:
        net.close()


def test_a_broadcast_answered_with_a_redirect_is_not_taken_for_sent(server: HostileServer) -> None:
    redirect(server, 307, "https://elsewhere.example/")
    rpc = RpcClient("hive", [server.base_url], timeout=5.0, policy=RetryPolicy.never(), limits=LIMITS)
    try:
        with pytest.raises(ds.ConfigurationError, match="redirects are not followed"):
            rpc.call("condenser_api.broadcast_transaction", [{}], retry=False)
    finally:
        rpc.close()


def test_after_a_redirecting_node_the_next_call_goes_to_the_next_node() -> None:
    with hostile_server() as moved, hostile_server() as good:
        redirect(moved, 301, "https://elsewhere.example/")
        good.respond = lambda method, path: answer({"jsonrpc": "2.0", "id": 1, "result": {"ok": 1}})
        rpc = RpcClient(
            "hive", [moved.base_url, good.base_url], timeout=5.0, policy=RetryPolicy.never(), limits=LIMITS
        )
        try:
            with pytest.raises(ds.ConfigurationError):
                rpc.call("condenser_api.get_config", [])
            assert rpc.call("condenser_api.get_config", []) == {"ok": 1}
        finally:
            rpc.close()


@pytest.mark.parametrize("wait", ["1e999", "nan", "-1e999"])
def test_a_retry_after_no_one_can_wait_for_is_no_wait(server: HostileServer, wait: str) -> None:
    server.respond = lambda method, path: answer({"error": "slow down"}, 429, {"Retry-After": wait})
    net = threads(server)
    try:
        with pytest.raises(ds.RateLimited) as info:
            net.me()
    finally:
        net.close()
    assert info.value.retry_after is None  # time.sleep(inf) would raise; NaN compares as nothing
    assert "retry after inf" not in str(info.value)


@pytest.mark.parametrize("location", ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1/"])
def test_a_lookup_redirected_to_a_url_that_cannot_be_fetched_is_refused_content(
    server: HostileServer, location: str
) -> None:
    """A profile's LNURL or NIP-05 server sends the redirect: the caller's input was fine."""
    redirect(server, 302, location)
    with pytest.raises(ds.ContentRejected, match="redirected to a URL that cannot be fetched"):
        fetch_public_json(
            f"{server.base_url}/.well-known/nostr.json", network="nostr", limits=LIMITS, allow_private=True
        )


# ---------------------------------------------------------------- websockets (which follow redirects)


def test_a_relay_redirecting_the_handshake_is_refused_not_followed() -> None:
    """websockets would follow it, and send this connection's REQ (or EVENT) to another server."""
    with hostile_server() as relay, hostile_server() as elsewhere:
        redirect(relay, 301, elsewhere.base_url.replace("http", "ws", 1) + "/")
        net = ds.connect("nostr", relays=[relay.base_url.replace("http", "ws", 1)], timeout=5.0)
        try:
            with pytest.raises(ds.NetworkUnavailable, match="HTTP 301: redirects are not followed"):
                list(net.search("#redirects", limit=1))
        finally:
            net.close()
        assert elsewhere.requests == []


def test_a_firehose_redirecting_the_handshake_ends_it_not_followed() -> None:
    with hostile_server() as firehose, hostile_server() as elsewhere:
        redirect(firehose, 302, elsewhere.base_url.replace("http", "ws", 1) + "/xrpc/x")
        net = ds.connect(
            "bluesky",
            handle="a.test",
            password="p",
            base_url=firehose.base_url,
            firehose_url=firehose.base_url,
        )
        try:
            with pytest.raises(ds.ConfigurationError, match="HTTP 302: redirects are not followed"):
                next(iter(net.stream()))
        finally:
            net.close()
        assert elsewhere.requests == []


@pytest.mark.parametrize("code", [300, 304])
def test_a_mastodon_redirect_without_a_location_is_refused_not_read_as_an_empty_page(
    server: HostileServer, code: int
) -> None:
    server.respond = lambda method, path: answer([], code)
    net = ds.connect(
        "mastodon",
        base_url=server.base_url,
        access_token="t",
        mastodon_version="4.2.0",
        retry={"attempts": 1},
        limits=LIMITS.model_dump(),
    )
    try:
        with pytest.raises(ds.ConfigurationError, match=f"HTTP {code}: redirects are not followed"):
            list(net.search("#redirects", limit=5))
    finally:
        net.close()


# ---------------------------------------------------------------- memory


def test_a_body_in_one_byte_chunks_costs_about_its_cap_in_memory(server: HostileServer) -> None:
    """Chunked encoding lets a server send a byte per chunk: holding each as an object of its own
    made a 64 KiB cap cost megabytes (16 MiB, the default, some 700 MB)."""
    cap = 64 * 1024
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    body = head + b"1\r\n \r\n" * (cap + 1000)
    server.respond = lambda method, path: [(0.0, body), (30.0, b"")]  # held open: no reset cuts it short
    net = ds.connect("hive", nodes=[server.base_url], retry={"attempts": 1}, limits={"max_body_bytes": cap})
    tracemalloc.start()
    try:
        with pytest.raises(ds.NetworkUnavailable, match="max_body_bytes"):
            net.get_post("steemit/firstpost")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        net.close()
    assert peak < 16 * cap  # was 40 bytes and more per byte
