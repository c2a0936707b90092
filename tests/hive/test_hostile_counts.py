"""Counts in Hive and Steem bridge answers (a post's replies and reblogs, a profile's followers,
following and posts, a community's subscribers) read as counts: a hostile node's ``-7`` or ``1e20`` is
unknown (``None``), and the trusted build stays what validation builds. On recorded answers."""

from __future__ import annotations

from typing import Any

import pytest

from decentsocial.backends.hive import HIVE, STEEM, Chain
from decentsocial.backends.hive.convert import account_from_profile, community_from_bridge, post_from_bridge
from tests.hostile_counts import BAD_COUNTS, GOOD_COUNTS
from tests.servers.hive import served
from tests.trusted import as_validation_builds

from .test_fuzz import COMMUNITIES, POSTS, PROFILES

CASES = [(bad, None) for bad in BAD_COUNTS] + GOOD_COUNTS
IDS = [repr(sent)[:20] for sent, _ in CASES]
CHAINS = pytest.mark.parametrize("chain", [HIVE, STEEM], ids=["hive", "steem"])


@CHAINS
@pytest.mark.parametrize(("sent", "read"), CASES, ids=IDS)
def test_post_counts(sent: Any, read: int | None, chain: Chain) -> None:
    post = post_from_bridge({**served(chain, POSTS[0]), "children": sent, "reblogs": sent}, chain)
    assert (post.metrics.replies, post.metrics.reposts) == (read, read)
    as_validation_builds(post)


@CHAINS
def test_a_post_without_a_reply_count_still_has_zero(chain: Chain) -> None:
    post = post_from_bridge({k: v for k, v in served(chain, POSTS[0]).items() if k != "children"}, chain)
    assert post.metrics.replies == 0  # as before: the bridge always sends it


@CHAINS
@pytest.mark.parametrize(("sent", "read"), CASES, ids=IDS)
def test_profile_and_community_counts(sent: Any, read: int | None, chain: Chain) -> None:
    profile = {**PROFILES[0], "stats": {**PROFILES[0].get("stats", {}), "followers": sent, "following": sent}}
    account = account_from_profile({**profile, "post_count": sent}, chain)
    assert (account.followers, account.following, account.posts_count) == (read, read, read)
    assert community_from_bridge({**COMMUNITIES[0], "subscribers": sent}, chain).members == read
