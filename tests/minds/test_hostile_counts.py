"""Counts in Minds activities and channels read as counts: a hostile server's ``-7`` or ``1e20`` is
unknown (``None``), never a number that later breaks a SQLite write or a sum."""

from __future__ import annotations

from typing import Any

import pytest

from decentsocial.backends.minds import convert
from tests.hostile_counts import BAD_COUNTS, GOOD_COUNTS

from .test_fuzz import ORIGINAL, OWNER, SITE

CASES = [(bad, None) for bad in BAD_COUNTS] + GOOD_COUNTS
IDS = [repr(sent)[:20] for sent, _ in CASES]


@pytest.mark.parametrize(("sent", "read"), CASES, ids=IDS)
def test_activity_counts(sent: Any, read: int | None) -> None:
    activity = {**ORIGINAL, "thumbs:up:count": sent, "comments:count": sent, "reminds": sent}
    metrics = convert.post(activity, site=SITE).metrics
    assert (metrics.likes, metrics.replies, metrics.reposts) == (read, read, read)


@pytest.mark.parametrize(("sent", "read"), CASES, ids=IDS)
def test_channel_counts(sent: Any, read: int | None) -> None:
    channel = convert.account({**OWNER, "subscribers_count": sent, "subscriptions_count": sent}, site=SITE)
    assert (channel.followers, channel.following) == (read, read)
