"""``report`` sums the account's own posts: a boost is someone else's post, whatever its date."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from tests.servers.mastodon import MastodonServer

pytest.importorskip("pandas")


def test_a_boost_neither_counts_nor_ends_the_report(mastodon_server: MastodonServer) -> None:
    import decentsocial as ds

    # carol is the brand: the server is shared by the session, and other tests count who notified alice
    brand, fan, other = (mastodon_server.connect(name) for name in ("carol", "bob", "alice"))
    try:
        older = fan.publish("a fan's post from before the report's start")
        time.sleep(0.01)  # the report starts after it, to the server's clock as well
        since = datetime.now(timezone.utc)
        first = brand.publish("our launch")
        fan.like(first)
        other.like(first)
        brand.repost(older)  # made before `since`: Mastodon lists the boost among the account's posts
        brand.publish("our second post")
        recent = fan.publish("a fan's post the brand boosts")
        fan.like(recent)
        brand.repost(recent)  # made after `since`, but the fan's post, not the brand's
        brand.publish("our follow-up")
        frame = ds.report([brand], since=since)
    finally:
        for net in (brand, fan, other):
            net.close()
    row = frame.iloc[0]
    assert (row["posts"], row["likes"]) == (3, 2)
