"""A toggle repeated on one head block (unfollow, follow, unfollow) is three transactions, not two.

The same operations signed on the same block are the same transaction: the
node drops the third as a duplicate, and the account would stay followed.
"""

from __future__ import annotations

import json

from decentsocial.backends.hive import HiveNetwork

from ..servers._jsonrpc_replay import ReplayServer


def test_unfollow_after_follow_after_unfollow_lands(hive: HiveNetwork, replay: ReplayServer) -> None:
    hive.unfollow("gtg")
    hive.follow("gtg")
    hive.unfollow("gtg")
    sent = [json.loads(b.transaction["operations"][0][1]["json"])[1]["what"] for b in replay.broadcasts]
    assert sent == [[], ["blog"], []]


def test_like_unlike_like_leaves_the_vote(hive: HiveNetwork, replay: ReplayServer) -> None:
    hive.like("bob/a-post")
    hive.unlike("bob/a-post")
    hive.like("bob/a-post")
    weights = [b.transaction["operations"][0][1]["weight"] for b in replay.broadcasts]
    assert weights == [10000, 0, 10000]
    assert len({tx.id for tx in hive.signed}) == 3


def test_each_transaction_stays_within_the_hour(replay: ReplayServer) -> None:
    from ..servers.hive import hive_connection

    net = hive_connection("hive", replay, "alice", expiration_seconds=3600)
    try:
        for _ in range(3):
            net.follow("gtg")
        expirations = [tx.json["expiration"] for tx in net.signed]
        assert len(set(expirations)) == 3
        assert max(expirations) == expirations[0]  # the first is at the hour: the others come earlier
    finally:
        net.close()
