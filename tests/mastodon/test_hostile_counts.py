"""Counts in statuses and accounts read through the core's ``as_count`` (Mastodon's own rule, now the
core's): a hostile server's ``-7`` or ``1e20`` is unknown (``None``). On a recorded Mastodon 4.x
status and its account."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from decentsocial.backends.mastodon.convert import to_account, to_post
from tests.hostile_counts import BAD_COUNTS, GOOD_COUNTS

from .cassettes import recorded_statuses

STATUS = next(s for s in recorded_statuses() if s.get("reblog") is None)
STATUS_COUNTS = {
    "favourites_count": "likes",
    "reblogs_count": "reposts",
    "replies_count": "replies",
    "quotes_count": "quotes",
}
ACCOUNT_COUNTS = {
    "followers_count": "followers",
    "following_count": "following",
    "statuses_count": "posts_count",
}
CASES = [(bad, None) for bad in BAD_COUNTS] + GOOD_COUNTS


@pytest.mark.parametrize(("sent", "read"), CASES, ids=[repr(sent)[:20] for sent, _ in CASES])
def test_status_counts(sent: Any, read: int | None) -> None:
    status = {**copy.deepcopy(STATUS), **dict.fromkeys(STATUS_COUNTS, sent)}
    metrics = to_post(status).metrics
    assert {field: getattr(metrics, field) for field in STATUS_COUNTS.values()} == dict.fromkeys(
        STATUS_COUNTS.values(), read
    )


@pytest.mark.parametrize(("sent", "read"), CASES, ids=[repr(sent)[:20] for sent, _ in CASES])
def test_account_counts(sent: Any, read: int | None) -> None:
    account = to_account({**copy.deepcopy(STATUS["account"]), **dict.fromkeys(ACCOUNT_COUNTS, sent)})
    assert {field: getattr(account, field) for field in ACCOUNT_COUNTS.values()} == dict.fromkeys(
        ACCOUNT_COUNTS.values(), read
    )
