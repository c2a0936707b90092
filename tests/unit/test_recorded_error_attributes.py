"""A job's recorded error, read back from its store, has its class's own attributes.

Before, a ``RateLimited`` read back had no ``retry_after`` at all (``AttributeError`` on reading it),
nor an ``UnsupportedFeature`` its ``capability``: the store kept neither, and the rebuilt error
skipped the subclass's ``__init__``.
"""

from __future__ import annotations

import json

import decentsocial as ds
from decentsocial.jobs import error_fields, rebuild_error
from decentsocial.network import Capability


def round_trip(error: ds.DecentSocialError) -> ds.DecentSocialError:
    """As a store keeps it: the class name and :func:`error_fields` as JSON text."""
    return rebuild_error(type(error).__name__, json.loads(json.dumps(error_fields(error))))


def test_a_rate_limit_keeps_its_wait() -> None:
    back = round_trip(ds.RateLimited(retry_after=30.0, network="mastodon"))
    assert isinstance(back, ds.RateLimited)
    assert back.retry_after == 30.0
    assert round_trip(ds.RateLimited(network="mastodon")).retry_after is None  # type: ignore[attr-defined]


def test_a_record_kept_before_the_wait_was_has_none() -> None:
    fields = {"message": "rate limited", "network": "mastodon", "server_message": None, "retryable": True}
    back = rebuild_error("RateLimited", fields)
    assert isinstance(back, ds.RateLimited)
    assert back.retry_after is None
    for damaged in ("soon", True, [1]):
        again = rebuild_error("RateLimited", {**fields, "retry_after": damaged})
        assert isinstance(again, ds.RateLimited)
        assert again.retry_after is None


def test_an_unsupported_feature_keeps_its_capability() -> None:
    back = round_trip(ds.UnsupportedFeature("nostr", Capability.EDIT))
    assert isinstance(back, ds.UnsupportedFeature)
    assert back.capability is Capability.EDIT
    assert str(back) == "[nostr] nostr does not support edit"
    old = {"message": "x does not support y", "network": "x", "server_message": None}
    before = rebuild_error("UnsupportedFeature", old)
    assert isinstance(before, ds.UnsupportedFeature)
    assert before.capability is None
