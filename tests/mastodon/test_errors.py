"""Errors, retries and exactly-once publishing against the live server.

Failures are injected with the server's own fault endpoint; where a real
Mastodon error answer was recorded (tests/fixtures/mastodon), that exact
status, body and headers are what the server sends back.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from decentsocial import (
    AuthenticationError,
    ContentRejected,
    Draft,
    NetworkUnavailable,
    NotFound,
    PermissionDenied,
    RateLimited,
    connect,
)
from decentsocial.backends.mastodon import MastodonNetwork
from tests.contract.harness import Harness
from tests.mastodon.server_fixtures import local_server  # noqa: F401 - the server fixture
from tests.servers.mastodon import DEAD_PORT, HOST, MastodonServer

from .cassettes import exchanges


def recorded_error(cassette: str, status: int) -> dict[str, Any]:
    """A real Mastodon error answer from a cassette, as a fault-endpoint effect."""
    ex = next(e for e in exchanges(cassette) if e.status == status)
    return {"type": "status", "status": status, "body": ex.body}


def fast(server: MastodonServer, account: str = "alice", **settings: Any) -> MastodonNetwork:
    """A connection whose retries do not sleep long (the waits are still real sleeps)."""
    net = server.connect(account, **settings)
    assert isinstance(net, MastodonNetwork)
    return net


def count_posts(server: MastodonServer, account: str = "alice") -> int:
    return len(list(server.connect(account).posts(limit=None)))


def test_401_is_authentication_error_without_the_token(server: MastodonServer) -> None:
    net = connect(
        "mastodon", base_url=server.base_url, access_token="wrong-secret-token-123", allow_http=True
    )
    with pytest.raises(AuthenticationError) as caught:
        net.me()
    assert "wrong-secret-token-123" not in str(caught.value) + repr(caught.value)
    assert caught.value.server_message  # the server's own words
    assert "wrong-secret-token-123" not in repr(net)


def test_recorded_401_body(server: MastodonServer) -> None:
    server.add_fault(
        {
            "match": {"path": "/api/v1/timelines/home"},
            "effect": recorded_error("test_unauthed_home_tl_throws.yaml", 401),
            "count": 1,
        }
    )
    with pytest.raises(AuthenticationError) as caught:
        list(fast(server).timeline())
    assert caught.value.server_message == "The access token is invalid"


def test_recorded_403_is_permission_denied(server: MastodonServer) -> None:
    server.add_fault(
        {
            "match": {"methods": ["POST"], "path": "/api/v1/statuses"},
            "effect": recorded_error("test_admin_moderation.yaml", 403),
            "count": 1,
        }
    )
    with pytest.raises(PermissionDenied) as caught:
        fast(server).publish("not allowed")
    assert caught.value.server_message == "This action is not allowed"


def test_404_is_not_found(server: MastodonServer) -> None:
    with pytest.raises(NotFound):
        fast(server).get_post("424242424242")
    server.add_fault(
        {
            "match": {"path_regex": "^/api/v1/accounts/lookup"},
            "effect": recorded_error("test_account_lookup.yaml", 404),
            "count": 1,
        }
    )
    with pytest.raises(NotFound) as caught:
        fast(server).account("kljadklajsdkljlkjlkjlkjasdasd")
    assert caught.value.server_message == "Record not found"


def test_recorded_422_is_content_rejected_with_the_server_message(server: MastodonServer) -> None:
    effect = recorded_error("test_status_empty.yaml", 422)
    server.add_fault(
        {"match": {"methods": ["POST"], "path": "/api/v1/statuses"}, "effect": effect, "count": 1}
    )
    before = count_posts(server)
    with pytest.raises(ContentRejected) as caught:
        fast(server).publish("refused by validation")
    assert caught.value.server_message == effect["body"]["error"]
    assert count_posts(server) == before  # a 422 is not retried


def test_429_with_a_long_wait_fails_at_once_with_retry_after(server: MastodonServer) -> None:
    server.add_fault(
        {
            "match": {"path": "/api/v1/accounts/verify_credentials"},
            "effect": {"type": "ratelimit"},
            "count": 1,
        }
    )
    started = time.monotonic()
    with pytest.raises(RateLimited) as caught:
        fast(server).me()
    assert time.monotonic() - started < 5  # did not sleep 300 s
    assert caught.value.retry_after is not None
    assert 250 < caught.value.retry_after <= 300


def test_429_with_an_iso8601_reset_is_waited_for_then_retried(server: MastodonServer) -> None:
    reset = (datetime.now(timezone.utc) + timedelta(seconds=1)).isoformat().replace("+00:00", "Z")
    headers = {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}
    server.add_fault(
        {
            "match": {"path": "/api/v1/accounts/verify_credentials"},
            "effect": {
                "type": "status",
                "status": 429,
                "body": {"error": "Too many requests"},
                "headers": headers,
            },
            "count": 1,
        }
    )
    started = time.monotonic()
    assert fast(server).me().handle == "alice"
    assert 0.3 < time.monotonic() - started < 10


def test_rate_limit_mode_with_epoch_resets(mastodon_limited_server: MastodonServer) -> None:
    """The second server allows 5 requests / 3 s and sends epoch X-RateLimit-Reset: every call succeeds."""
    net = mastodon_limited_server.connect("alice")
    started = time.monotonic()
    for _ in range(8):
        assert net.me().handle == "alice"
    assert time.monotonic() - started > 0.5  # at least one wait for the window to reset


def test_5xx_on_reads_is_retried(server: MastodonServer) -> None:
    server.add_fault(
        {
            "match": {"path": "/api/v1/accounts/verify_credentials"},
            "effect": {"type": "status", "status": 503},
            "count": 2,
        }
    )
    assert fast(server).me().handle == "alice"


def test_5xx_that_persists_becomes_network_unavailable(server: MastodonServer) -> None:
    server.add_fault(
        {
            "match": {"path": "/api/v1/accounts/verify_credentials"},
            "effect": {"type": "status", "status": 502},
        }
    )
    started = time.monotonic()
    with pytest.raises(NetworkUnavailable) as caught:
        fast(server).me()
    assert time.monotonic() - started < 10
    assert "502" in str(caught.value)


def test_publish_retried_after_a_5xx_posts_once(server: MastodonServer) -> None:
    text = Harness.unique("retry")
    server.add_fault(
        {
            "match": {"methods": ["POST"], "path": "/api/v1/statuses"},
            "effect": {"type": "status", "status": 503},
            "count": 1,
        }
    )
    post = fast(server).publish(text)
    assert [p.id for p in fast(server).posts(limit=40) if p.text == text] == [post.id]


def test_publish_after_an_ambiguous_timeout_posts_exactly_once(server: MastodonServer) -> None:
    """The server stores the status but answers after our timeout; the retry (same key) gets that status."""
    text = Harness.unique("timeout")
    server.add_fault(
        {
            "match": {"methods": ["POST"], "path": "/api/v1/statuses"},
            "effect": {"type": "latency", "delay_ms": 1500},
            "count": 1,
        }
    )
    net = fast(server, timeout=0.5)
    post = net.publish(text)
    matching = [p.id for p in fast(server).posts(limit=40) if p.text == text]
    assert matching == [post.id]


def test_same_idempotency_key_is_one_status(server: MastodonServer) -> None:
    key = Harness.unique("key")
    draft = Draft(text=Harness.unique("idem"), idempotency_key=key)
    first = fast(server).publish(draft)
    second = fast(server).publish(draft)  # another process, same logical publish
    assert first.id == second.id


def test_every_publish_sends_an_idempotency_key(server: MastodonServer) -> None:
    net = fast(server)
    sent: list[str | None] = []
    net.transport.session.hooks["response"].append(
        lambda r, *a, **k: (
            sent.append(r.request.headers.get("Idempotency-Key")) if r.request.method == "POST" else None
        )
    )
    net.publish("one")
    net.publish("two")
    assert len(sent) == 2
    assert all(sent)
    assert sent[0] != sent[1]


def test_dead_server_fails_fast(server: MastodonServer) -> None:
    net = connect("mastodon", base_url=f"http://{HOST}:{DEAD_PORT}", access_token="t", allow_http=True)
    started = time.monotonic()
    with pytest.raises(NetworkUnavailable):
        net.me()
    with pytest.raises(NetworkUnavailable):
        net.publish("into the void")
    assert time.monotonic() - started < 10


def test_a_hanging_server_times_out(server: MastodonServer) -> None:
    # The server answers only after 3 s (the fault endpoint's "timeout" effect would hold it 30 s).
    server.add_fault(
        {
            "match": {"path": "/api/v1/accounts/verify_credentials"},
            "effect": {"type": "latency", "delay_ms": 3000},
        }
    )
    net = fast(server, timeout=0.5, retry={"attempts": 2})
    started = time.monotonic()
    with pytest.raises(NetworkUnavailable):
        net.me()
    assert time.monotonic() - started < 8
    server.clear_faults()


def test_malformed_answer_is_network_unavailable(server: MastodonServer) -> None:
    server.add_fault(
        {"match": {"path": "/api/v1/accounts/verify_credentials"}, "effect": {"type": "malformed"}}
    )
    with pytest.raises(NetworkUnavailable):
        fast(server, retry={"attempts": 1}).me()


def test_token_never_in_logs(server: MastodonServer, caplog: pytest.LogCaptureFixture) -> None:
    token = server.tokens["alice"]
    with caplog.at_level(logging.DEBUG):
        net = fast(server)
        net.publish("logged?")
        with pytest.raises(NotFound) as caught:
            net.get_post("99999999999")
    assert token not in caplog.text
    assert token not in str(caught.value)
    assert token not in repr(net)
    assert token not in str(net.settings)


def test_fault_endpoint_is_reachable() -> None:
    """Guard: the harness's fault control plane answers (otherwise the tests above prove nothing)."""
    from tests.servers.mastodon import PORT

    answer = httpx.get(f"http://{HOST}:{PORT}/api/v1/_mock/faults", timeout=5)
    assert answer.status_code == 200


def test_delete_whose_answer_was_lost_is_not_an_error(server: MastodonServer) -> None:
    net = fast(server, timeout=0.5)
    post = net.publish(Harness.unique("gone"))
    server.add_fault(
        {
            "match": {"methods": ["DELETE"], "path": f"/api/v1/statuses/{post.id}"},
            "effect": {"type": "latency", "delay_ms": 1500},
            "count": 1,
        }
    )
    net.delete(post)  # the first try deletes but times out; the retry sees 404
    with pytest.raises(NotFound):
        fast(server).get_post(post.id)
    with pytest.raises(NotFound):
        fast(server).delete(post.id)  # deleting what never existed (for this caller) is still NotFound
