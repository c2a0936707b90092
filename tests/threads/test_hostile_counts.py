"""Counts in Threads answers (a post's insights, a profile's followers, account insights, the
publishing quota) read as counts: a hostile server's ``-7`` or ``1e20`` is unknown, never a number
that later breaks a SQLite write or a sum."""

from __future__ import annotations

from typing import Any

import pytest

from decentsocial.backends.threads import convert
from tests.hostile_counts import BAD_COUNTS, GOOD_COUNTS

CASES = [(bad, None) for bad in BAD_COUNTS] + GOOD_COUNTS
IDS = [repr(sent)[:20] for sent, _ in CASES]


@pytest.mark.parametrize(("sent", "read"), CASES, ids=IDS)
def test_post_insights(sent: Any, read: int | None) -> None:
    series = [{"name": name, "values": [{"value": sent}]} for name in ("views", "likes", "replies")]
    totals = [{"name": name, "total_value": {"value": sent}} for name in ("reposts", "quotes", "shares")]
    metrics = convert.engagement({"data": series + totals})
    assert metrics.model_dump() == dict.fromkeys(convert.INSIGHT_METRICS, read)


@pytest.mark.parametrize(("sent", "read"), CASES, ids=IDS)
def test_profile_followers(sent: Any, read: int | None) -> None:
    assert convert.account({"id": "1", "username": "acme", "follower_count": sent}).followers == read


@pytest.mark.parametrize(("sent", "read"), CASES, ids=IDS)
def test_account_insights(sent: Any, read: int | None) -> None:
    body = {
        "data": [
            {"name": "likes", "total_value": {"value": sent}},
            {"name": "followers_count", "total_value": {"value": sent}},
            {"name": "views", "values": [{"value": sent, "end_time": "2026-11-26T08:00:00+0000"}]},
        ]
    }
    insights = convert.account_insights(body, None, None)
    assert (insights.likes, insights.followers) == (read, read)
    assert [day.value for day in insights.views_by_day] == [read or 0]  # a day it cannot read: none


@pytest.mark.parametrize(("sent", "read"), CASES, ids=IDS)
def test_publishing_quota(sent: Any, read: int | None) -> None:
    body = {"data": [{"quota_usage": sent, "reply_quota_usage": sent, "reply_config": {"quota_total": sent}}]}
    quota = convert.quota(body)
    assert (quota.posts_used, quota.replies_used, quota.replies_total) == (read or 0, read, read)
