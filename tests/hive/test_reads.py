"""Every bridge read of the backend, on recorded mainnet answers (Hive and Steem share the recordings)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from decentsocial import Amount, InvalidInput, NotFound, UnsupportedFeature
from decentsocial.backends.hive import HIVE, HiveNetwork
from decentsocial.backends.hive.convert import REWARD_OPS, reward_from_history

from ..servers._jsonrpc_replay import ReplayServer

ALL_KINDS = frozenset(REWARD_OPS)


def test_me_and_account_read_bridge_profiles(net: HiveNetwork, replay: ReplayServer) -> None:
    me = net.me()
    assert (me.network, me.handle, me.followers, me.following, me.posts_count) == (
        net.name,
        "alice",
        24,
        0,
        55,
    )
    gtg = net.account("@gtg")
    assert gtg.handle == "gtg"
    assert gtg.followers is not None
    assert gtg.posts_count is not None
    assert ("bridge.get_profile", {"account": "gtg"}) in replay.requests


def test_get_post_converts_a_bridge_post(net: HiveNetwork) -> None:
    post = net.get_post("steemit/firstpost")
    assert post.id == "steemit/firstpost"
    assert post.title == "Welcome to Steem!"
    assert post.author.handle == "steemit"
    raw = post.raw
    assert raw is not None
    assert post.author.raw == {"reputation": raw["author_reputation"]}
    assert post.metrics.replies == raw["children"]
    assert post.metrics.likes == sum(1 for v in raw["active_votes"] if v["rshares"] > 0)
    assert post.created_at.tzinfo is not None
    assert post.url is not None
    assert post.url.endswith("/@steemit/firstpost")
    assert post.raw is not None
    assert "body" in post.raw


def test_get_post_of_a_comment_links_its_parent_and_root(hive: HiveNetwork) -> None:
    post = hive.get_post("test-creator/re-community-135485-comment")
    assert post.reply_to == "test-safari/secrets1"
    assert post.root_id == "test-safari/secrets1"
    assert post.community == "hive-135485"
    assert post.title is None


def test_get_post_by_front_end_url(hive: HiveNetwork) -> None:
    assert (
        hive.get_post("https://hive.blog/tag/@jouchelle/test-beneficiaries").id
        == "jouchelle/test-beneficiaries"
    )


def test_missing_post_is_not_found(net: HiveNetwork) -> None:
    with pytest.raises(NotFound):
        net.thread("gtg/not_existing_permlink")


def test_bad_post_id_fails_before_any_request(net: HiveNetwork, replay: ReplayServer) -> None:
    for bad in ("no-slash", "a/b/c", "Bad_Name!/x", "gtg/has space"):
        with pytest.raises(InvalidInput):
            net.get_post(bad)
    assert replay.requests == []


def test_posts_and_blog_sorts(net: HiveNetwork, replay: ReplayServer) -> None:
    posts = list(net.posts(limit=5))
    assert len(posts) == 5
    assert all(p.author.handle == "alice" for p in posts)
    blog = list(net.blog("test-safari", limit=8))
    assert {p.author.handle for p in blog} - {"test-safari"}  # the blog has reblogs of others
    sorts = [params["sort"] for method, params in replay.requests if method == "bridge.get_account_posts"]
    assert sorts == ["posts", "blog"]


def test_posts_page_with_start_author_and_permlink(hive: HiveNetwork, replay: ReplayServer) -> None:
    # The recordings show test-creator has exactly 20 posts: the page after the 20th is empty.
    posts = list(hive.posts("test-creator", limit=25))
    assert len(posts) == 20
    assert len({p.id for p in posts}) == 20
    pages = [p for m, p in replay.requests if m == "bridge.get_account_posts"]
    assert pages[1]["start_author"] == posts[19].author.handle
    assert pages[1]["start_permlink"] == posts[19].id.split("/", 1)[1]


def test_community_posts_and_paging_across_pages(hive: HiveNetwork, replay: ReplayServer) -> None:
    posts = list(hive.community_posts("hive-135485", limit=30))
    assert len(posts) >= 21
    assert len({p.id for p in posts}) == len(posts)
    assert all(p.community in (None, "hive-135485") for p in posts)
    created = [p.created_at for p in posts]
    assert created == sorted(created, reverse=True) or len(set(created)) < len(created)
    calls = [p for m, p in replay.requests if m == "bridge.get_ranked_posts"]
    assert calls[0] == {"sort": "created", "tag": "hive-135485", "limit": 20}
    assert "start_permlink" in calls[1]


def test_timeline_reads_the_feed(replay: ReplayServer) -> None:
    from ..servers.hive import hive_connection

    with hive_connection("hive", replay, "always1success") as net:
        feed = list(net.timeline(limit=20))
    assert len(feed) == 20
    assert replay.requests[-1] == (
        "bridge.get_account_posts",
        {"sort": "feed", "account": "always1success", "limit": 20},
    )


def test_tag_search_uses_ranked_created(net: HiveNetwork, replay: ReplayServer) -> None:
    found = list(net.search("#Life", limit=7))
    assert len(found) == 7
    assert replay.requests[-1] == ("bridge.get_ranked_posts", {"sort": "created", "tag": "life", "limit": 7})


def test_text_search_is_unsupported(net: HiveNetwork, replay: ReplayServer) -> None:
    with pytest.raises(UnsupportedFeature):
        net.search("bitcoin price")
    assert replay.requests == []


def test_thread_is_in_reply_order(net: HiveNetwork) -> None:
    thread = net.thread("gtg/missing-rewards-while-mining")
    assert thread[0].id == "gtg/missing-rewards-while-mining"
    assert len(thread) == 7
    seen = {thread[0].id}
    for post in thread[1:]:
        assert post.reply_to in seen  # every reply comes after its parent
        seen.add(post.id)


def test_notifications(net: HiveNetwork, replay: ReplayServer) -> None:
    items = list(net.notifications(limit=30))
    assert len(items) == 30
    assert all(n.created_at.tzinfo is not None for n in items)
    assert {n.kind for n in items} <= {"mention", "reply", "like", "repost", "follow", "other"}
    assert replay.requests[-1] == (
        "bridge.account_notifications",
        {"account": "alice", "limit": 30, "min_score": 15},
    )


def test_notification_kinds_and_actor(replay: ReplayServer) -> None:
    from ..servers.hive import hive_connection

    with hive_connection("hive", replay, "dantheman") as net:
        first = next(iter(net.notifications(limit=1)))
    assert first.kind == "follow"
    assert first.account is not None
    assert first.account.handle == "rusla"


def test_communities_list_query_and_detail(net: HiveNetwork) -> None:
    listed = list(net.communities(limit=1))
    assert [c.id for c in listed] == ["hive-135485"]
    assert listed[0].title == "World News"
    assert listed[0].members == 4
    found = list(net.communities("banana"))
    assert len(found) == 1
    detail = net.community("hive-111119")
    assert detail.name == "hive-111119"
    assert detail.members is not None
    assert detail.raw is not None
    assert detail.title == detail.raw["title"]


def test_blank_community_fails_before_io(net: HiveNetwork, replay: ReplayServer) -> None:
    with pytest.raises(InvalidInput):
        net.community(" ")
    assert replay.requests == []


def test_rewards_of_a_paid_post_split_author_and_curators(net: HiveNetwork) -> None:
    reward = net.rewards("steemit/firstpost")
    assert reward.status == "paid"
    roles = {p.role: p for p in reward.parts}
    author, curator = roles["author"].amounts[0], roles["curator"].amounts[0]
    assert reward.amounts == (author + curator,)
    assert isinstance(author.value, Decimal)
    assert reward.payout_at is not None


def test_rewards_of_a_pending_post_with_beneficiaries(net: HiveNetwork) -> None:
    reward = net.rewards("jouchelle/test-beneficiaries")
    assert reward.status == "pending"
    assert reward.amounts == (Amount.parse(f"29.016 {net.chain.backed}"),)
    assert [p.account for p in reward.parts if p.role == "beneficiary"] == [
        "amering",
        "batel1",
        "cloop3",
        "faddy3",
        "fminerten5",
    ]
    assert reward.raw is not None
    assert sum(b["weight"] for b in reward.raw["beneficiaries"]) == 10000


def test_pending_rewards_reads_condenser_accounts(net: HiveNetwork, replay: ReplayServer) -> None:
    reward = net.pending_rewards("gtg")
    assert reward.status == "none"
    assets = [a.asset for a in reward.amounts]
    assert assets == [net.chain.backed, net.chain.liquid, "VESTS", net.chain.power]
    assert replay.requests[-1] == ("condenser_api.get_accounts", [["gtg"]])


def test_reward_history_curation(net: HiveNetwork, replay: ReplayServer) -> None:
    history = list(net.reward_history("adm", kinds=("curation",), start=75000, page_size=13, limit=5))
    assert len(history) == 5
    assert all(r.parts[0].role == "curator" and r.amounts[0].asset == "VESTS" for r in history)
    assert history[0].amounts[0] == Amount.parse("102.216075 VESTS")
    assert replay.requests[-1][1]["operation_filter_low"] == 1 << 52


def test_reward_history_author_and_curation_without_server_filter(net: HiveNetwork) -> None:
    # The recorded page: camilla's last 1000 operations, 10 author and 86 curation rewards among them.
    history = list(net.reward_history("camilla", server_filter=False, limit=96))
    roles = {r.parts[0].role for r in history}
    assert roles == {"author", "curator"}
    authors = [r for r in history if r.parts[0].role == "author"]
    assert all(a.value >= 0 for r in authors for a in r.amounts)
    assert len(authors) == 10


def test_reward_history_rejects_unknown_kinds(net: HiveNetwork, replay: ReplayServer) -> None:
    with pytest.raises(InvalidInput):
        net.reward_history(kinds=("tips",))
    assert replay.requests == []


def test_bad_limit_fails_before_io(net: HiveNetwork, replay: ReplayServer) -> None:
    with pytest.raises(InvalidInput):
        net.posts(limit=0)
    assert replay.requests == []


@pytest.mark.parametrize("network", ["hive", "steem"])
def test_harness_samples_are_readable(network: str, request: pytest.FixtureRequest) -> None:
    harness = request.getfixturevalue(f"{network}_harness")
    assert harness.live is False
    assert harness.me.name == network
    assert harness.me.me().handle == "alice"
    assert harness.other.me().handle == "gtg"
    assert harness.me.get_post(harness.samples["post"]).id == harness.samples["post"]
    assert harness.me.account(harness.samples["account"]).handle == harness.samples["account"]
    assert len(list(harness.me.search("#" + harness.samples["tag"], limit=3))) == 3
    community = harness.me.community(harness.samples["community"])
    assert community.id == harness.samples["community"]
    assert list(harness.me.community_posts(community, limit=2))


def _alice_paid_as_beneficiary_of_bob(index: int) -> list[Any]:
    """An account-history entry: alice's share, as a beneficiary, of bob's post's reward
    (no recorded history holds one; its shape follows hived's operation definition)."""
    return [
        index,
        {
            "timestamp": "2021-01-01T00:00:00",
            "op": {
                "type": "comment_benefactor_reward_operation",
                "value": {
                    "benefactor": "alice",
                    "author": "bob",
                    "permlink": "post",
                    "hbd_payout": "0.100 HBD",
                    "hive_payout": "0.000 HIVE",
                    "vesting_payout": "1.000000 VESTS",
                },
            },
        },
    ]


def test_benefactor_and_claim_operations_as_hived_documents_them(hive: HiveNetwork) -> None:
    # No recorded history holds these two; their shapes follow hived's operation definitions.
    benefactor = _alice_paid_as_beneficiary_of_bob(7)
    claim = [
        8,
        {
            "timestamp": "2021-01-02T00:00:00",
            "op": {
                "type": "claim_reward_balance_operation",
                "value": {
                    "account": "alice",
                    "reward_hive": "0.000 HIVE",
                    "reward_hbd": "0.100 HBD",
                    "reward_vests": "1.000000 VESTS",
                },
            },
        },
    ]
    got = reward_from_history(benefactor, "alice", HIVE, ALL_KINDS)
    assert got is not None
    assert got.parts[0].role == "beneficiary"
    assert got.subject == "bob/post"
    assert Amount.parse("0.100 HBD") in got.amounts
    assert Amount.parse("1.000000 VESTS") in got.amounts
    claimed = reward_from_history(claim, "alice", HIVE, ALL_KINDS)
    assert claimed is not None
    assert claimed.parts[0].role == "claim"
    assert claimed.amounts == (
        Amount.parse("0.000 HIVE"),
        Amount.parse("0.100 HBD"),
        Amount.parse("1.000000 VESTS"),
    )


def test_reward_history_reads_past_pages_without_rewards(net: HiveNetwork, replay: ReplayServer) -> None:
    # a-m3001's whole history (15 operations, none a reward) is recorded: three pages of 5.
    assert list(net.reward_history("a-m3001", server_filter=False, page_size=5)) == []
    calls = [p for m, p in replay.requests if m == "account_history_api.get_account_history"]
    last = 4 if net.name == "steem" else 5  # steemd asks start >= limit, hived start >= limit - 1
    assert [(c["start"], c["limit"]) for c in calls] == [(-1, 5), (9, 5), (4, last)]


def test_reward_history_pages_back_to_the_first_operation(net: HiveNetwork, replay: ReplayServer) -> None:
    # hived and HAfAH refuse a page whose start is below limit - 1, so the last page must ask for fewer.
    assert list(net.reward_history("a-m3001", server_filter=False, page_size=10)) == []
    calls = [p for m, p in replay.requests if m == "account_history_api.get_account_history"]
    assert calls[0] == {"account": "a-m3001", "start": -1, "limit": 10}
    assert calls[1]["start"] == 4
    assert all(c["start"] < 0 or c["start"] >= c["limit"] - 1 for c in calls)
    if net.name == "steem":  # steemd asks start >= limit
        assert all(c["start"] < 0 or c["start"] >= c["limit"] for c in calls)


def test_beneficiary_rewards_of_an_authors_posts_are_not_the_authors(hive: HiveNetwork) -> None:
    # hived lists comment_benefactor_reward_operation in the history of the benefactor AND of the
    # post's author (get_impacted_accounts); only the benefactor earned it.
    paid_to_alice = _alice_paid_as_beneficiary_of_bob(9)
    assert reward_from_history(paid_to_alice, "bob", HIVE, ALL_KINDS) is None
    earned = reward_from_history(paid_to_alice, "alice", HIVE, ALL_KINDS)
    assert earned is not None
    assert earned.parts[0].account == "alice"


def test_a_discussions_posts_share_what_they_repeat_and_nothing_else(net: HiveNetwork) -> None:
    """One answer builds each author and amount once (frozen models); posts stay as converted alone."""
    from decentsocial.backends.hive.convert import Seen, post_from_bridge

    thread = net.thread("steemit/firstpost")
    assert len(thread) == 37
    by_author: dict[str, list[Any]] = {}
    for post in thread:
        by_author.setdefault(post.author.handle, []).append(post)
    repeated = [posts for posts in by_author.values() if len(posts) > 1]
    assert repeated
    assert all(p.author is posts[0].author for posts in repeated for p in posts)
    # Each post equals the one converted on its own, without anything shared.
    for post in thread:
        alone = post_from_bridge(post.raw or {}, net.chain)
        assert alone == post
        assert alone.model_dump_json() == post.model_dump_json()
    # Equal values that are not the same JSON are not shared: 60 and 60.0, "0.000" and "0.0000".
    backed = net.chain.backed
    base = dict(thread[0].raw or {}, is_paidout=True, curator_payout_value=f"0.000 {backed}")
    seen = Seen()
    a = post_from_bridge(dict(base, author_reputation=60), net.chain, seen)
    b = post_from_bridge(dict(base, author_reputation=60.0), net.chain, seen)
    c = post_from_bridge(dict(base, curator_payout_value=f"0.0000 {backed}"), net.chain, seen)
    assert a.author is not b.author
    assert a.author.model_dump_json() != b.author.model_dump_json()  # 60 vs 60.0 in raw
    assert a.reward is not None
    assert c.reward is not None
    assert [str(x) for x in a.reward.parts[1].amounts] == [f"0.000 {backed}"]
    assert [str(x) for x in c.reward.parts[1].amounts] == [f"0.0000 {backed}"]
