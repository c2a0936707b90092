"""A failed write says whether it may have been made: ``NetworkUnavailable.sent``, not ``retryable``.

``retryable`` says a repeat is safe: for a write the server recognises when it comes again (a
Mastodon ``Idempotency-Key``, a Bluesky record key, a signed Hive transaction, a Nostr event) a
5xx or a lost answer is retryable, yet the write may have been made. ``may_have_happened`` read
"retryable" as "the connection never opened", so such a failure gave an idempotency key back (a
different draft was then accepted under it), told a retraction nothing was there, and let the
scheduler's ``retry`` send a target again. Only a connection that never opened is ``sent=False``.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator

import httpx
import pytest

import decentsocial as ds
from decentsocial.backends.bluesky.failures import mapped as bluesky_mapped
from decentsocial.backends.hive.failures import may_have_reached, node_failures
from decentsocial.backends.nostr.events import PublishOutcome
from decentsocial.backends.nostr.failures import publish_failure
from decentsocial.httpclient import HttpApi
from decentsocial.idempotency import may_have_happened
from decentsocial.jobs import error_fields, rebuild_error
from decentsocial.retry import RetryPolicy


def _answers(*outcomes: Exception | str) -> Iterator[Exception | str]:
    yield from outcomes


def _call(outcomes: Iterator[Exception | str]) -> str:
    outcome = next(outcomes)
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def test_sent_is_kept_by_pickle_and_by_the_job_store() -> None:
    never = ds.NetworkUnavailable("refused", retryable=True, sent=False)
    assert pickle.loads(pickle.dumps(never)).sent is False
    never_back = rebuild_error("NetworkUnavailable", error_fields(never))
    assert isinstance(never_back, ds.NetworkUnavailable)
    assert never_back.sent is False
    keyed_back = rebuild_error(
        "NetworkUnavailable", error_fields(ds.NetworkUnavailable("503", retryable=True))
    )
    assert isinstance(keyed_back, ds.NetworkUnavailable)
    assert keyed_back.sent is True
    # A record made before ``sent`` was kept says nothing: it may have been made.
    fields = {"message": "refused", "network": None, "server_message": None, "retryable": True}
    assert may_have_happened(rebuild_error("NetworkUnavailable", fields))


def test_a_retry_that_ends_in_a_connection_never_opened_after_a_lost_answer_may_have_been_made() -> None:
    policy = RetryPolicy(attempts=2, backoff=0.0, jitter=0.0, sleep=lambda _: None)
    never = ds.NetworkUnavailable("connection refused", retryable=True, sent=False)
    outcomes = _answers(ds.NetworkUnavailable("HTTP 503 to a keyed publish", retryable=True), never)
    with pytest.raises(ds.NetworkUnavailable) as raised:
        policy.call(lambda: _call(outcomes))
    assert raised.value is never  # its type and words kept
    assert raised.value.sent
    assert may_have_happened(raised.value)


def test_a_retry_of_refusals_only_still_made_nothing() -> None:
    policy = RetryPolicy(attempts=3, backoff=0.0, jitter=0.0, sleep=lambda _: None)
    never = ds.NetworkUnavailable("connection refused", retryable=True, sent=False)
    outcomes = _answers(never, ds.RateLimited("slow down", retry_after=0.0), ds.ContentRejected("422"))
    with pytest.raises(ds.ContentRejected) as raised:
        policy.call(lambda: _call(outcomes))
    assert not may_have_happened(raised.value)


@pytest.mark.parametrize(
    ("failure", "sent"),
    [
        (httpx.ConnectError("refused"), False),
        (httpx.ConnectTimeout("no connection"), False),
        (httpx.ReadTimeout("no answer"), True),
        (httpx.RemoteProtocolError("dropped"), True),
    ],
)
def test_http_api_says_which_failures_sent_nothing(failure: httpx.TransportError, sent: bool) -> None:
    api = HttpApi("demo", "the demo server", "http://127.0.0.1:9", timeout=5.0)
    try:
        error = api.transport_failure(failure, safe_to_repeat=True)
    finally:
        api.close()
    assert error.sent is sent
    assert may_have_happened(error) is sent


_TRANSPORT_FAILURES = pytest.mark.parametrize(
    ("failure", "sent"),
    [
        (httpx.ConnectError("refused"), False),
        (httpx.ConnectTimeout("no connection"), False),
        (httpx.ReadTimeout("no answer"), True),
        (httpx.RemoteProtocolError("dropped"), True),
    ],
)


@_TRANSPORT_FAILURES
def test_bluesky_says_which_failures_sent_nothing(failure: httpx.TransportError, sent: bool) -> None:
    pytest.importorskip("atproto", reason="the bluesky extra is not installed")
    with (
        pytest.raises(ds.NetworkUnavailable) as bluesky,
        bluesky_mapped("bluesky", "publish", safe=True, write=True),
    ):
        raise failure
    assert bluesky.value.sent is sent


@_TRANSPORT_FAILURES
def test_hive_says_which_failures_sent_nothing(failure: httpx.TransportError, sent: bool) -> None:
    with (
        pytest.raises(ds.NetworkUnavailable) as hive,
        node_failures("hive", "broadcast_transaction", lambda: None),
    ):
        raise failure
    assert hive.value.sent is sent
    assert may_have_reached(hive.value) is sent


def test_a_nostr_event_some_relays_took_and_others_refused_is_published_not_refused() -> None:
    outcomes = [
        PublishOutcome("ws://127.0.0.1:1", True, ""),
        PublishOutcome("ws://127.0.0.1:2", False, "blocked: not on the allow list"),
    ]
    error = publish_failure(outcomes, 2)
    assert isinstance(error, ds.NetworkUnavailable)  # was PermissionDenied: "nothing was made"
    assert may_have_happened(error)
    assert not error.retryable  # the refusing relay refuses the same event again
    assert error.server_message == "blocked: not on the allow list"
    every = [
        PublishOutcome("ws://127.0.0.1:1", False, "blocked: no"),
        PublishOutcome("ws://127.0.0.1:2", False, ""),
    ]
    assert isinstance(publish_failure(every, 2), ds.PermissionDenied)
