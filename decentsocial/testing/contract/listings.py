"""Contract cases: listings and search, notifications, communities, rewards, streams, what a
backend cannot do, and cleanup at exit."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

import decentsocial
from decentsocial import (
    Amount,
    Capability,
    Community,
    ContentRejected,
    Draft,
    InvalidInput,
    Media,
    Network,
    Notification,
    Poll,
    Post,
    Reward,
    UnsupportedFeature,
)

from ..harness import Harness
from .checks import (
    REWARD_STATUSES,
    check_post,
    handle_of,
    ids,
    is_utc,
    need,
    need_live,
    newest_first,
    page_size,
    png,
    sample,
    tip_sample,
)

# ---------------------------------------------------------------- listings and search


def test_posts_of_an_account(harness: Harness) -> None:
    h = harness
    need(h, Capability.POSTS)
    if not h.live:
        posts = list(h.me.posts(sample(h, "account"), limit=3))
        assert posts
        for p in posts:
            check_post(p, h.me)
        return
    need(h, Capability.PUBLISH)
    post = h.me.publish(f"contract posts {h.unique()}")

    def listed() -> None:
        mine = list(h.me.posts(limit=5))
        assert post.id in ids(mine)
        newest_first(mine)
        for p in mine:
            check_post(p, h.me)

    h.eventually(listed)


def test_posts_of_another_account(harness: Harness) -> None:
    h = harness
    need(h, Capability.POSTS, Capability.PUBLISH, Capability.PROFILE)
    need_live(h)
    post = h.me.publish(f"contract their posts {h.unique()}")
    handle = handle_of(h.me)

    def listed() -> None:
        theirs = list(h.other.posts(handle, limit=5))
        assert post.id in ids(theirs)
        assert all(p.author.handle == handle for p in theirs)

    h.eventually(listed)


def test_search_by_word(harness: Harness) -> None:
    h = harness
    need(h, Capability.SEARCH)
    need_live(h)
    need(h, Capability.PUBLISH)
    word = h.unique("find")
    unrelated = h.me.publish(f"contract search {h.unique('other')}")
    post = h.me.publish(f"contract search {word}")

    def found() -> None:
        results = ids(h.other.search(word, limit=5))
        assert post.id in results
        assert unrelated.id not in results, "the search returned a post without the word"

    h.eventually(found)


def test_search_by_tag(harness: Harness) -> None:
    h = harness
    need(h, Capability.TAG_SEARCH)
    if not h.live:
        tag = sample(h, "tag")
        results = list(h.me.search(f"#{tag}", limit=3))
        assert results
        assert all(tag in p.tags for p in results)
        return
    need(h, Capability.PUBLISH)
    tag = h.unique("tag")
    # Decoys a loose search would return: the word without its '#', and a longer tag it begins.
    # Judged by their ids, not by the tags a result claims (a backend may fill those from the query).
    decoys = {
        h.me.publish(f"contract untagged {tag}").id: "the word without its '#'",
        h.me.publish(f"contract other tag #{tag}x").id: "a longer tag that begins with it",
    }
    post = h.me.publish(f"contract tagged #{tag}")

    def found() -> None:
        results = list(h.other.search(f"#{tag}", limit=5))
        assert post.id in ids(results)
        wrong = [why for p in results if (why := decoys.get(p.id))]
        assert not wrong, f"the search for #{tag} returned a post with {wrong[0]}"
        assert all(tag in p.tags for p in results)

    h.eventually(found)


def test_pagination(harness: Harness) -> None:
    h = harness
    need(h, Capability.POSTS)
    size = page_size(h.me)
    if not h.live:
        account = sample(h, "account")
        one = list(h.me.posts(account, limit=1))
        assert len(one) == 1
        page = ids(h.me.posts(account, limit=size + 1))
        assert len(page) == len(set(page)) <= size + 1
        assert page[:1] == ids(one)
        return
    need(h, Capability.PUBLISH)
    # Posts of its own across a page boundary: counting what the listing shows cannot catch a
    # backend whose cursor skips a post, as that count comes through the same cursor.
    word = h.unique("page")
    fresh = {h.me.publish(f"contract page filler {i} {word}").id for i in range(size + 1)}

    def paged() -> None:
        listed = list(h.me.posts(limit=None))
        everything = ids(listed)
        assert len(everything) == len(set(everything)), "duplicates across pages"
        assert fresh <= set(everything), f"{len(fresh - set(everything))} posts missing across pages"
        # Each page alone may be in order while a later page goes back in time. A repost is listed
        # when it was reposted, but dated as the post it carries: it has no place in this order.
        own = [p for p in listed if p.reposted_by is None]
        for i, (earlier, later) in enumerate(pairwise(own)):
            assert later.created_at <= earlier.created_at, (
                f"not newest first across pages: item {i + 1} ({later.id}, {later.created_at}) "
                f"is newer than item {i} ({earlier.id}, {earlier.created_at})"
            )
        for limit in (1, size, size + 1):
            got = ids(h.me.posts(limit=limit))
            assert len(got) == limit, f"limit={limit} gave {len(got)}"
            assert got == everything[:limit]

    h.eventually(paged)


def iterator_members(net: Network) -> dict[Capability, Callable[[int], Any]]:
    return {
        Capability.POSTS: lambda limit: net.posts(limit=limit),
        Capability.TIMELINE: lambda limit: net.timeline(limit=limit),
        Capability.SEARCH: lambda limit: net.search("contract", limit=limit),
        Capability.NOTIFICATIONS: lambda limit: net.notifications(limit=limit),
        Capability.COMMUNITIES: lambda limit: net.communities(limit=limit),
        Capability.COMMUNITY_POSTS: lambda limit: net.community_posts("contract-community", limit=limit),
    }


@pytest.mark.parametrize("limit", [0, -1, 1.5, "3", True])
def test_bad_limit_is_invalid_input_before_io(harness: Harness, limit: Any) -> None:
    """Raised by the call itself, not by the first ``next()``: nothing reaches the server."""
    h = harness
    members = {c: f for c, f in iterator_members(h.me).items() if c in h.me.capabilities}
    if not members:
        pytest.skip(f"{h.name} has no paged members")
    for capability, call in members.items():
        try:
            call(limit)
        except InvalidInput:
            continue
        pytest.fail(f"{capability.value}(limit={limit!r}) did not raise InvalidInput at the call")


# ---------------------------------------------------------------- notifications


def test_notifications_after_reply_and_like(harness: Harness) -> None:
    h = harness
    need(h, Capability.NOTIFICATIONS, Capability.PUBLISH, Capability.REPLY)
    need_live(h)
    root = h.me.publish(f"contract notify {h.unique()}")
    reply = h.other.reply(root, f"contract notify reply {h.unique()}")
    liked = Capability.LIKE in h.me.capabilities
    if liked:
        h.other.like(root)
    other_handle = handle_of(h.other)

    def arrived() -> None:
        items: list[Notification] = list(h.me.notifications(limit=page_size(h.me)))
        for n in items:
            assert n.network == h.me.name
            assert is_utc(n.created_at)
        replies = [
            n
            for n in items
            if n.kind in ("reply", "mention") and n.post is not None and n.post.id == reply.id
        ]
        assert replies, "no notification for the reply"
        assert replies[0].account is None or replies[0].account.handle == other_handle
        if liked:
            likes = [n for n in items if n.kind == "like" and n.post is not None and n.post.id == root.id]
            assert likes, "no notification for the like"

    h.eventually(arrived)


# ---------------------------------------------------------------- communities


def a_community(h: Harness) -> Community:
    wanted = h.samples.get("community")
    if wanted:
        return h.me.community(wanted)
    found = list(h.me.communities(limit=5))
    if not found:
        pytest.skip(f"{h.name}: no community to use")
    return found[0]


def test_communities(harness: Harness) -> None:
    h = harness
    need(h, Capability.COMMUNITIES)
    listed = list(h.me.communities(limit=3))
    assert len(listed) <= 3
    for c in listed:
        assert isinstance(c, Community)
        assert c.network == h.me.name
        assert c.id
    chosen = a_community(h)
    again = h.me.community(chosen.id)
    assert again.id == chosen.id
    assert again.name


def test_join_and_leave(harness: Harness) -> None:
    h = harness
    need(h, Capability.COMMUNITIES, Capability.JOIN)
    need_live(h)
    chosen = a_community(h)
    h.me.leave(chosen)
    before = h.me.community(chosen.id).members
    h.me.join(chosen)
    try:
        if before is not None:

            def joined() -> None:
                assert h.me.community(chosen.id).members == before + 1

            h.eventually(joined)
    finally:
        h.me.leave(chosen.id)
    if before is not None:

        def left() -> None:
            assert h.me.community(chosen.id).members == before

        h.eventually(left)


def test_community_posts(harness: Harness) -> None:
    h = harness
    need(h, Capability.COMMUNITIES, Capability.COMMUNITY_POSTS)
    chosen = a_community(h)
    if not h.live:
        posts = list(h.me.community_posts(chosen, limit=3))
        assert posts, f"no posts listed in {chosen.id}"
        for p in posts:
            check_post(p, h.me)
        return
    need(h, Capability.PUBLISH)
    post = h.me.publish(Draft(text=f"contract community {h.unique()}", community=chosen.id))
    assert post.community == chosen.id

    def listed() -> None:
        assert post.id in ids(h.other.community_posts(chosen.id, limit=5))

    h.eventually(listed)


# ---------------------------------------------------------------- rewards and tips


def check_reward(reward: Reward, net: Network) -> None:
    assert reward.network == net.name
    assert reward.status in REWARD_STATUSES
    assert all(isinstance(a, Amount) for a in reward.amounts)
    assert reward.payout_at is None or is_utc(reward.payout_at)


def test_rewards(harness: Harness) -> None:
    h = harness
    need(h, Capability.REWARDS)
    if not h.live:
        reward = h.me.rewards(sample(h, "post"))
        check_reward(reward, h.me)
        return
    need(h, Capability.PUBLISH)
    post = h.me.publish(f"contract reward {h.unique()}")
    if Capability.LIKE in h.me.capabilities:
        h.other.like(post)
    reward = h.eventually(lambda: h.me.rewards(post))
    check_reward(reward, h.me)
    assert reward.subject == post.id
    mine = h.me.pending_rewards()
    check_reward(mine, h.me)
    theirs = h.me.pending_rewards(handle_of(h.other))
    check_reward(theirs, h.me)


def test_claim_rewards(harness: Harness) -> None:
    h = harness
    need(h, Capability.CLAIM)
    need_live(h)
    claimed = h.me.claim_rewards()
    check_reward(claimed, h.me)
    assert claimed.status in ("paid", "none")
    check_reward(h.me.claim_rewards(), h.me)


def test_tip(harness: Harness) -> None:
    h = harness
    need(h, Capability.TIP)
    need_live(h)
    amount = tip_sample(h)
    receipt = h.me.tip(handle_of(h.other), amount, memo="contract tip")
    assert isinstance(receipt, str)
    assert receipt
    receipt = h.me.tip(h.other.me(), Amount.parse(amount))
    assert isinstance(receipt, str)
    assert receipt


def test_a_tip_with_a_key_pays_once(harness: Harness) -> None:
    h = harness
    need(h, Capability.TIP)
    need_live(h)
    amount = tip_sample(h)
    key = h.unique("tip")
    receipt = h.me.tip(handle_of(h.other), amount, memo="contract keyed tip", idempotency_key=key)
    again = h.me.tip(handle_of(h.other), amount, memo="contract keyed tip", idempotency_key=key)
    assert again == receipt, "the same tip with the same key paid again (a new receipt)"
    restarted = h.fresh_me()  # keys outlive the connection: a retry may come from another process
    try:
        later = restarted.tip(handle_of(h.other), amount, memo="contract keyed tip", idempotency_key=key)
    finally:
        restarted.close()
    assert later == receipt, "a new connection paid again: keep tip keys beyond the connection object"
    with pytest.raises(InvalidInput, match="different content"):
        h.me.tip(handle_of(h.other), amount, memo="another tip", idempotency_key=key)


def test_tip_bad_amount_is_invalid_input(harness: Harness) -> None:
    h = harness
    need(h, Capability.TIP)
    for bad in ("lots", "1.000", "-1.000 SAND", "1 2 3"):
        with pytest.raises(InvalidInput):
            h.me.tip("contract-anyone", bad)


def test_tip_over_balance_is_rejected(harness: Harness) -> None:
    h = harness
    need(h, Capability.TIP)
    need_live(h)
    asset = Amount.parse(tip_sample(h)).asset
    with pytest.raises(ContentRejected):
        h.me.tip(handle_of(h.other), f"1000000000.000 {asset}")


# ---------------------------------------------------------------- streaming


def test_stream_sees_new_post(harness: Harness) -> None:
    import queue
    import threading

    h = harness
    need(h, Capability.STREAM, Capability.PUBLISH)
    need_live(h)
    word = h.unique("stream")
    stream: Iterator[Post] = getattr(h.me, "stream")()  # noqa: B009 - not in the protocol
    seen: queue.Queue[Post | BaseException] = queue.Queue()
    done = threading.Event()

    def watch() -> None:
        # A stream cannot be closed from another thread: the watcher ends at the first post after the
        # case is done, so one that failed does not leave it reading the connection for ever.
        try:
            for post in stream:
                if done.is_set():
                    return
                if word in post.text:
                    seen.put(post)
                    return
        except BaseException as exc:  # the stream's own error is the case's answer, not a lost thread's
            seen.put(exc)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        for attempt in range(3):
            h.other.publish(f"contract stream {word} {attempt}")
            try:
                got = seen.get(timeout=5)
            except queue.Empty:
                continue
            if isinstance(got, BaseException):
                raise AssertionError(f"the stream failed: {got!r}") from got
            check_post(got, h.me)
            return
        pytest.fail("the stream did not deliver a new post")
    finally:
        done.set()


# ---------------------------------------------------------------- what a backend cannot do


def unsupported_calls(net: Network) -> dict[Capability, list[Callable[[], object]]]:
    """One call per member group, made only for capabilities the backend lacks."""
    missing = "contract-missing"
    later = datetime.now(timezone.utc) + timedelta(days=2)

    def first(items: Iterator[Any]) -> object:
        return next(iter(items), None)

    return {
        Capability.PROFILE: [net.me, lambda: net.account(missing)],
        Capability.PUBLISH: [lambda: net.publish("contract unsupported")],
        Capability.REPLY: [lambda: net.reply(missing, "contract unsupported")],
        Capability.READ: [lambda: net.get_post(missing)],
        Capability.DELETE: [lambda: net.delete(missing)],
        Capability.LIKE: [lambda: net.like(missing), lambda: net.unlike(missing)],
        Capability.VOTE: [lambda: net.vote(missing, 50)],
        Capability.REPOST: [lambda: net.repost(missing)],
        Capability.QUOTE: [lambda: net.publish(Draft(text="contract unsupported", quote_of=missing))],
        Capability.FOLLOW: [lambda: net.follow(missing), lambda: net.unfollow(missing)],
        Capability.POSTS: [lambda: first(net.posts(limit=1))],
        Capability.TIMELINE: [lambda: first(net.timeline(limit=1))],
        Capability.SEARCH: [lambda: first(net.search("contract", limit=1))],
        Capability.TAG_SEARCH: [lambda: first(net.search("#contract", limit=1))],
        Capability.THREAD: [lambda: net.thread(missing)],
        Capability.NOTIFICATIONS: [lambda: first(net.notifications(limit=1))],
        Capability.COMMUNITIES: [lambda: first(net.communities(limit=1)), lambda: net.community(missing)],
        Capability.JOIN: [lambda: net.join(missing), lambda: net.leave(missing)],
        Capability.COMMUNITY_POSTS: [lambda: first(net.community_posts(missing, limit=1))],
        Capability.REWARDS: [lambda: net.rewards(missing), net.pending_rewards],
        Capability.CLAIM: [net.claim_rewards],
        Capability.TIP: [lambda: net.tip(missing, "1.000 CONTRACT")],
        Capability.MEDIA: [
            lambda: net.publish(
                Draft(text="contract unsupported", media=(Media(data=png(), mime_type="image/png"),))
            )
        ],
        Capability.POLL: [
            lambda: net.publish(Draft(text="contract unsupported", poll=Poll(options=("a", "b"))))
        ],
        Capability.SCHEDULE: [lambda: net.publish(Draft(text="contract unsupported", scheduled_at=later))],
        Capability.STREAM: [lambda: first(getattr(net, "stream")())],  # noqa: B009 - not in the protocol
        # direct messages (issue 14)
        Capability.MESSAGING: [
            lambda: net.send_message(missing, "contract unsupported"),
            lambda: first(net.messages()),
        ],
    }


def test_unsupported_members_raise(harness: Harness) -> None:
    """``IDEMPOTENT_PUBLISH`` is a promise, not a member, so it has no call here."""
    h = harness
    calls = unsupported_calls(h.me)
    lacking = [c for c in calls if c not in h.me.capabilities]
    if not lacking:
        pytest.skip(f"{h.name} supports every capability")
    for capability in lacking:
        for call in calls[capability]:
            with pytest.raises(UnsupportedFeature) as caught:
                call()
            assert caught.value.network == h.me.name, f"{capability.value}: wrong network"
            assert h.me.name in str(caught.value), f"{capability.value}: the message names no network"


def test_unclosed_connection_exits_silently(harness: Harness) -> None:
    """A script that never calls close() releases everything at exit without printing a word."""
    if not harness.exit_script:
        pytest.skip(f"{harness.name}'s harness has no exit script")
    root = Path(decentsocial.__file__).resolve().parents[1]  # the checkout or site-packages
    path = os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path}
    done = subprocess.run(  # noqa: S603 - the harness's own script, run by this interpreter
        [sys.executable, "-c", textwrap.dedent(harness.exit_script)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stderr == "", done.stderr[-3000:]


__all__ = [name for name in list(globals()) if name.startswith("test_")]
