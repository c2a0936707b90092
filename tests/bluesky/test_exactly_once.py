"""Exactly-once publishing and rate limits, with faults injected by a loopback proxy in front of the PDS."""

from __future__ import annotations

import time
from typing import Any

import pytest

import decentsocial as ds
from tests.servers.bluesky import BlueskyStack

from .conftest import connect_bluesky, list_posts, make_png
from .proxy import FaultProxy

pytestmark = pytest.mark.server


def _through(proxy: FaultProxy, stack: BlueskyStack, make_account: Any, name: str) -> tuple[Any, str]:
    _, handle, password = make_account(name)
    net = connect_bluesky(base_url=proxy.url, handle=handle, password=password, pin_base_url=True)
    return net, net.me().id


def test_dropped_answer_after_commit_posts_once(
    proxy: FaultProxy, stack: BlueskyStack, make_account: Any
) -> None:
    net, did = _through(proxy, stack, make_account, "dropper")
    proxy.add("com.atproto.repo.createRecord", "drop")
    post = net.publish("exactly once, even when the answer is lost")
    assert proxy.dropped == 1
    # The server committed; the backend looked the record key up instead of writing again.
    assert proxy.paths.count("/xrpc/com.atproto.repo.createRecord") == 1
    assert any("com.atproto.repo.getRecord" in p for p in proxy.paths)
    records = list_posts(stack, did)
    assert [r["value"]["text"] for r in records] == ["exactly once, even when the answer is lost"]
    assert records[0]["uri"] == post.id


def test_request_lost_before_the_server_is_retried_with_the_same_key(
    proxy: FaultProxy, stack: BlueskyStack, make_account: Any
) -> None:
    net, did = _through(proxy, stack, make_account, "resetter")
    proxy.add("com.atproto.repo.createRecord", "reset")
    post = net.publish("sent twice, stored once")
    assert proxy.dropped == 1
    assert proxy.paths.count("/xrpc/com.atproto.repo.createRecord") == 2
    records = list_posts(stack, did)
    assert [r["uri"] for r in records] == [post.id]


def test_idempotency_key_survives_a_lost_answer_and_a_new_process(
    proxy: FaultProxy, stack: BlueskyStack, make_account: Any
) -> None:
    net, did = _through(proxy, stack, make_account, "idem")
    proxy.add("com.atproto.repo.createRecord", "drop", times=10)
    draft = ds.Draft(text="keyed post", idempotency_key="campaign-2026-11-26-a")
    # Every answer is lost: the call fails, but the record exists and the error says so honestly.
    try:
        first = net.publish(draft)
    except ds.NetworkUnavailable:
        first = None
    # A later run (new connection, direct to the PDS) with the same key returns the same post.
    again = connect_bluesky(base_url=stack.pds_url, session_string=net.session_string())
    second = again.publish(draft)
    third = again.publish(draft)
    records = list_posts(stack, did)
    assert len(records) == 1
    assert second.id == third.id == records[0]["uri"]
    if first is not None:
        assert first.id == second.id
    # The same key for different text is refused, not silently merged.
    with pytest.raises(ds.InvalidInput, match="already used with different content"):
        again.publish(ds.Draft(text="other text", idempotency_key="campaign-2026-11-26-a"))


def test_rate_limit_within_policy_is_retried(
    proxy: FaultProxy, stack: BlueskyStack, make_account: Any
) -> None:
    net, did = _through(proxy, stack, make_account, "limited")
    proxy.add("app.bsky.actor.getProfile", "429", reset_in=1.0)
    started = time.monotonic()
    assert net.me().id == did
    assert proxy.injected == 1
    assert time.monotonic() - started >= 0.5  # it waited for ratelimit-reset


def test_rate_limit_beyond_policy_raises_rate_limited(
    proxy: FaultProxy, stack: BlueskyStack, make_account: Any
) -> None:
    net, did = _through(proxy, stack, make_account, "limited2")
    proxy.add("com.atproto.repo.createRecord", "429", reset_in=3600, times=5)
    started = time.monotonic()
    with pytest.raises(ds.RateLimited) as exc:
        net.publish("not now")
    assert time.monotonic() - started < 5
    assert exc.value.retry_after is not None
    assert 3500 < exc.value.retry_after <= 3602
    assert list_posts(stack, did) == []


def test_login_rate_limit_is_rate_limited(proxy: FaultProxy, stack: BlueskyStack, make_account: Any) -> None:
    _, handle, password = make_account("loginlimit")
    proxy.add("com.atproto.server.createSession", "429", reset_in=300)
    net = connect_bluesky(base_url=proxy.url, handle=handle, password=password, pin_base_url=True)
    with pytest.raises(ds.RateLimited) as exc:
        net.me()
    assert exc.value.retry_after is not None
    assert exc.value.retry_after > 200


def test_reused_idempotency_key_uploads_nothing_again(
    proxy: FaultProxy, stack: BlueskyStack, make_account: Any
) -> None:
    net, did = _through(proxy, stack, make_account, "reuser")
    draft = ds.Draft(
        text="keyed post with a picture",
        media=(ds.Media(data=make_png(4, 3), mime_type="image/png", alt_text="a grey rectangle"),),
        idempotency_key="with-image-1",
    )
    first = net.publish(draft)
    assert proxy.paths.count("/xrpc/com.atproto.repo.uploadBlob") == 1
    again = net.publish(draft)
    assert again.id == first.id
    # The record under the key was found before any upload or write.
    assert proxy.paths.count("/xrpc/com.atproto.repo.uploadBlob") == 1
    assert proxy.paths.count("/xrpc/com.atproto.repo.createRecord") == 1
    assert len(list_posts(stack, did)) == 1
    # Other content under a used key fails before any I/O.
    before = len(proxy.paths)
    with pytest.raises(ds.InvalidInput, match="different content"):
        net.publish(draft.model_copy(update={"text": "other text under the same key"}))
    assert len(proxy.paths) == before
