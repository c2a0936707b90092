"""Reading and engaging against the real local stack: counts, feeds, search, notifications, errors."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

import decentsocial as ds
from tests.contract.harness import poll_until
from tests.servers.bluesky import BlueskyStack

pytestmark = pytest.mark.server


def test_counts_become_engagement_and_author_becomes_account(alice: Any, bob: Any) -> None:
    post = alice.publish("count me")
    bob.like(post)
    bob.like(post)  # twice: still one like (the like's record key is fixed)
    bob.repost(post)
    bob.reply(post, "a reply")

    def counted() -> ds.Post:
        seen: ds.Post = bob.get_post(post.id)
        assert (seen.metrics.likes, seen.metrics.reposts, seen.metrics.replies) == (1, 1, 1)
        return seen

    seen = poll_until(counted)
    assert seen.author.id == alice.me().id
    assert seen.author.handle == alice.me().handle
    # The author is a full profile, with counts.
    assert seen.author.posts_count is not None
    assert seen.author.posts_count >= 1
    assert isinstance(seen.author.followers, int)
    assert isinstance(seen.author.following, int)
    listed = next(p for p in bob.posts(alice.me().handle, limit=50) if p.id == post.id)
    assert listed.author.posts_count == seen.author.posts_count
    bob.unlike(post)
    bob.unrepost(post)
    poll_until(lambda: _metrics(bob.get_post(post.id), likes=0, reposts=0))


def test_an_accounts_posts_read_its_full_profile_once_alongside_the_first_page(make_account: Any) -> None:
    """``posts()`` reads the author's full profile while the first page is read: one request, counts kept."""
    erin, erin_handle, _ = make_account("erin")
    for i in range(3):
        erin.publish(f"منشور {i}")
    reader, _, _ = make_account("reader")
    asked: list[str] = []
    query = reader.transport.query

    def counting(nsid: str, params: Any = None, *, action: str) -> Any:
        asked.append(nsid)
        return query(nsid, params, action=action)

    reader.transport.query = counting

    def listed() -> list[ds.Post]:
        asked.clear()
        posts: list[ds.Post] = list(reader.posts(erin_handle, limit=None))
        assert len(posts) == 3
        assert {p.author.posts_count for p in posts} == {3}  # the full profile, once indexed
        return posts

    posts = poll_until(listed)
    assert asked.count("app.bsky.actor.getProfiles") == 1
    assert all(isinstance(p.author.followers, int) for p in posts)


def _metrics(post: ds.Post, **expected: int) -> None:
    for name, value in expected.items():
        assert getattr(post.metrics, name) == value


def test_follow_counts_and_timeline(make_account: Any) -> None:
    carol, carol_handle, _ = make_account("carol")
    dave, _, _ = make_account("dave")
    dave.follow(carol_handle)
    dave.follow(carol_handle)
    post = carol.publish("for my followers")

    def profile() -> None:
        account = dave.account(carol_handle)
        assert account.followers == 1
        assert account.posts_count == 1

    poll_until(profile)
    poll_until(lambda: _contains(dave.timeline(limit=10), post.id))
    dave.unfollow(carol_handle)
    poll_until(lambda: _equals(dave.account(carol_handle).followers, 0))


def _contains(posts: Any, post_id: str) -> None:
    assert post_id in [p.id for p in posts]


def _equals(value: Any, expected: Any) -> None:
    assert value == expected


def test_posts_pages_newest_first_and_stops_at_limit(make_account: Any) -> None:
    net, _, _ = make_account("pager")
    published = [net.publish(f"page test {i}").id for i in range(7)]
    net.page_size = 3  # several pages through the real cursor

    def all_there() -> list[ds.Post]:
        got = list(net.posts(limit=None))
        assert len(got) == 7
        return got

    got = poll_until(all_there)
    assert [p.id for p in got] == list(reversed(published))
    assert len(list(net.posts(limit=5))) == 5


def test_search_text_and_hashtag(alice: Any) -> None:
    token = f"srch{uuid.uuid4().hex[:10]}"
    post = alice.publish(f"findable {token} #{token}tag")
    poll_until(lambda: _contains(alice.search(token, limit=5), post.id))
    poll_until(lambda: _contains(alice.search(f"#{token}tag", limit=5), post.id))


def test_notifications_for_mention_like_follow(make_account: Any) -> None:
    erin, erin_handle, _ = make_account("erin")
    frank, _, _ = make_account("frank")
    mine = erin.publish("like this")
    frank.like(mine)
    frank.follow(erin_handle)
    mention = frank.publish(f"hello @{erin_handle}")

    def arrived() -> list[ds.Notification]:
        notes = list(erin.notifications(limit=20))
        assert {n.kind for n in notes} >= {"like", "follow", "mention"}
        return notes

    notes = poll_until(arrived)
    like = next(n for n in notes if n.kind == "like")
    assert like.post is not None
    assert like.post.id == mine.id
    assert like.account is not None
    assert like.account.id == frank.me().id
    mentioned = next(n for n in notes if n.kind == "mention")
    assert mentioned.post is not None
    assert mentioned.post.id == mention.id


def test_unknown_things_are_not_found(alice: Any) -> None:
    missing = f"at://{alice.me().id}/app.bsky.feed.post/3jzfcijpj2z2a"
    with pytest.raises(ds.NotFound):
        alice.get_post(missing)
    with pytest.raises(ds.NotFound):
        alice.delete(missing)
    with pytest.raises(ds.NotFound):
        alice.like(missing)
    with pytest.raises(ds.NotFound):
        alice.account("nobody-at-all.test")
    with pytest.raises(ds.NotFound):
        alice.follow("nobody-at-all.test")


def test_delete_own_post_and_not_others(alice: Any, bob: Any) -> None:
    post = alice.publish("short-lived")
    with pytest.raises(ds.PermissionDenied):
        bob.delete(post)
    alice.delete(post)

    def gone() -> None:
        try:
            alice.get_post(post.id)
        except ds.NotFound:
            return
        raise AssertionError("the AppView still shows the deleted post")

    poll_until(gone)


def test_network_down_is_network_unavailable() -> None:
    net = ds.connect(
        "bluesky", base_url="http://127.0.0.1:9", handle="a.test", password="p", retry={"attempts": 2}
    )
    with pytest.raises(ds.NetworkUnavailable):
        net.me()


def test_own_post_behind_more_than_a_page_of_reposts_is_found(stack: BlueskyStack, make_account: Any) -> None:
    """``posts`` skips reposts; a page made only of reposts must not end the listing early."""
    reposter, _, _ = make_account("reposter")
    author, _, _ = make_account("reposted")
    own = reposter.publish("my own post, under a pile of reposts")
    others = [author.publish(f"worth reposting {i}") for i in range(4)]
    for post in others:
        reposter.repost(post)
    reposter.page_size = 3  # the four reposts fill more than one page
    did = reposter.me().id

    def indexed() -> None:
        # Read the AppView directly (not through the backend) until all five entries are there.
        answer = httpx.get(
            f"{stack.urls['appview']}/xrpc/app.bsky.feed.getAuthorFeed",
            params={"actor": did, "limit": 10},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text  # 400 "Profile not found" until it is indexed
        assert len(answer.json()["feed"]) == 5

    poll_until(indexed)
    assert [p.id for p in reposter.posts(limit=1)] == [own.id]
    assert [p.id for p in reposter.posts(limit=None)] == [own.id]
    assert [p.id for p in reposter.posts(limit=20)] == [own.id]


def _records(stack: BlueskyStack, did: str, collection: str) -> list[dict[str, Any]]:
    answer = httpx.get(
        f"{stack.pds_url}/xrpc/com.atproto.repo.listRecords",
        params={"repo": did, "collection": collection, "limit": 100},
        timeout=30,
    )
    answer.raise_for_status()
    return answer.json()["records"]  # type: ignore[no-any-return]


def test_post_web_url_works_like_its_at_uri(stack: BlueskyStack, alice: Any, bob: Any) -> None:
    """The docs accept ``https://bsky.app/profile/<handle>/post/<rkey>`` wherever a post id goes."""
    post = alice.publish("find me by my web address")
    rkey = post.id.rsplit("/", 1)[1]
    web = f"https://bsky.app/profile/{alice.me().handle}/post/{rkey}"
    bob_did = bob.me().id
    bob.like(web)
    bob.repost(web)
    assert len(_records(stack, bob_did, "app.bsky.feed.like")) == 1
    bob.unlike(web)
    bob.unrepost(web)
    assert _records(stack, bob_did, "app.bsky.feed.like") == []
    assert _records(stack, bob_did, "app.bsky.feed.repost") == []
    bob.like(web)

    def counted() -> ds.Post:
        seen: ds.Post = bob.get_post(web)
        assert seen.metrics.likes == 1
        return seen

    seen = poll_until(counted)
    assert seen.id == post.id
    assert seen.author.id == alice.me().id


def test_a_like_through_our_repost_names_the_liked_post(make_account: Any) -> None:
    """A ``like-via-repost`` names our repost record as its subject: the post is the like's own subject."""
    from decentsocial.backends.bluesky.records import now

    author, _, _ = make_account("author")
    reposter, _, _ = make_account("reposter")
    liker, _, _ = make_account("liker")
    post = author.publish("liked through a repost")
    reposter.repost(post)
    listed = reposter.transport.query(
        "com.atproto.repo.listRecords",
        {"repo": reposter.me().id, "collection": "app.bsky.feed.repost"},
        action="list reposts",
    )
    repost = listed["records"][0]
    # What the app writes when someone likes a post they saw as our repost (a like with ``via``).
    liker.transport.procedure(
        "com.atproto.repo.createRecord",
        {
            "repo": liker.me().id,
            "collection": "app.bsky.feed.like",
            "record": {
                "$type": "app.bsky.feed.like",
                "subject": {"uri": post.id, "cid": post.raw["cid"]},
                "via": {"uri": repost["uri"], "cid": repost["cid"]},
                "createdAt": now(),
            },
        },
        action="like via a repost",
        safe=False,
    )

    def arrived() -> ds.Notification:
        notes: list[ds.Notification] = [
            n for n in reposter.notifications(limit=20) if n.raw.get("reason") == "like-via-repost"
        ]
        assert notes
        return notes[0]

    note = poll_until(arrived)
    assert note.kind == "like"
    assert note.post is not None
    assert note.post.id == post.id


def test_following_a_did_no_account_has_is_not_found_and_writes_nothing(
    make_account: Any, stack: BlueskyStack
) -> None:
    """The PDS takes a follow of any well-formed DID: the backend checks the account is there first."""
    gina, _, _ = make_account("gina")
    hugo, _, _ = make_account("hugo")
    with pytest.raises(ds.NotFound):
        gina.follow("did:plc:aaaaaaaaaaaaaaaaaaaaaaaa")
    gina.follow(hugo.me().id)  # a DID that is an account: followed
    answer = httpx.get(
        f"{stack.pds_url}/xrpc/com.atproto.repo.listRecords",
        params={"repo": gina.me().id, "collection": "app.bsky.graph.follow"},
        timeout=30,
    )
    answer.raise_for_status()
    assert [r["value"]["subject"] for r in answer.json()["records"]] == [hugo.me().id]


def test_someone_elses_deactivated_account_is_not_found_not_our_login_failing(make_account: Any) -> None:
    """The AppView answers 400 ``AccountDeactivated`` for such a profile: not an authentication failure."""
    reader, _, _ = make_account("reader")
    gone, gone_handle, _ = make_account("gone")
    gone_did = gone.me().id
    gone.transport.procedure("com.atproto.server.deactivateAccount", {}, action="deactivate", safe=False)

    def unavailable() -> None:
        try:
            reader.account(gone_handle)
        except ds.NotFound:
            return
        raise AssertionError("the AppView has not seen the deactivation yet")

    poll_until(unavailable)
    with pytest.raises(ds.NotFound):
        reader.account(gone_did)
    with pytest.raises(ds.NotFound):
        reader.follow(gone_did)
    assert reader.me().id  # our own session is fine
