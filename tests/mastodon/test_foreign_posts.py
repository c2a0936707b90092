"""A Post read through another Mastodon server is not this server's status of the same id.

Status ids are server-local: a status read through server B has B's id, which names
another status on server A (or none). Given to A's ``like``, ``reply``, ``delete``,
``edit``, ``pin``… as it came, the Post was acted on by that bare id: the wrong status
was liked, answered, deleted. Such a Post is now found on A by its ``uri`` (the
status's ActivityPub id, the same on every server) first; when A has no status of that
``uri``, ``NotFound`` and nothing is sent. Ids of two servers are unrelated, so any may
be taken on the other: the tests give B's Post the id of a status on A (as
``test_foreign_accounts`` does with an account's id).

The loopback server searches statuses by their text and fetches nothing from other
servers: a status on A whose text holds a ``uri`` is what its search finds for it.
"""

from __future__ import annotations

import datetime as dt
import pickle
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

pytest.importorskip("mastodon")

from decentsocial import errors
from decentsocial.backends.mastodon import MastodonNetwork
from decentsocial.models import Draft, Post
from tests.mastodon import foreign
from tests.servers.mastodon import PORT, MastodonServer, start_server

#: A second server, as another instance (its statuses' uris name its own host and port).
OTHER_PORT = PORT + 6


@pytest.fixture(scope="module")
def other_server() -> Iterator[MastodonServer]:
    with start_server(OTHER_PORT, ratelimit=False) as server:
        yield server


@pytest.fixture
def alice(mastodon_server: MastodonServer) -> Iterator[MastodonNetwork]:
    net = mastodon_server.connect("alice")
    yield net
    net.close()


def _read_elsewhere(other: MastodonServer, text: str, who: str = "alice") -> Post:
    """A status ``who`` posts on the other server, as that server gives it."""
    net = other.connect(who)
    try:
        return net.publish(text)
    finally:
        net.close()


@pytest.fixture
def clash(other_server: MastodonServer, alice: MastodonNetwork) -> tuple[Post, Post]:
    """(alice's status on this server, alice's status read through the other server whose id and
    author id are this server's ones): acted on by its ids, it is the local status."""
    mine = alice.publish(f"mine here {uuid.uuid4().hex}")
    elsewhere = _read_elsewhere(other_server, f"alice elsewhere {uuid.uuid4().hex}")
    assert f":{OTHER_PORT}/" in str(elsewhere.url)
    held = elsewhere.model_copy(update={"id": mine.id, "author": mine.author})
    return mine, held


def test_likes_and_boosts_of_a_post_read_elsewhere_leave_the_status_of_its_id_alone(
    mastodon_server: MastodonServer, alice: MastodonNetwork, clash: tuple[Post, Post]
) -> None:
    mine, held = clash
    for act in (alice.like, alice.unlike, alice.repost):
        with pytest.raises(errors.NotFound, match=f":{OTHER_PORT}/"):
            act(held)
    now = foreign.status(mastodon_server, mine.id)
    assert (now["favourited"], now["reblogged"], now["favourites_count"], now["reblogs_count"]) == (
        False,
        False,
        0,
        0,
    )


def test_a_reply_to_a_post_read_elsewhere_is_not_sent_to_the_status_of_its_id(
    mastodon_server: MastodonServer, alice: MastodonNetwork, clash: tuple[Post, Post]
) -> None:
    mine, held = clash
    marker = f"a reply {uuid.uuid4().hex}"
    with pytest.raises(errors.NotFound):
        alice.reply(held, marker)
    with pytest.raises(errors.NotFound):
        alice.thread(held)
    assert foreign.replies(mastodon_server, mine.id) == []
    assert not any(marker in p.text for p in alice.posts(limit=40))


def test_deleting_editing_or_pinning_a_post_read_elsewhere_leaves_the_status_of_its_id_alone(
    mastodon_server: MastodonServer, alice: MastodonNetwork, clash: tuple[Post, Post]
) -> None:
    mine, held = clash
    with pytest.raises(errors.NotFound):
        alice.delete(held)
    with pytest.raises(errors.NotFound):
        alice.edit(held, "taken over")
    with pytest.raises(errors.NotFound):
        alice.pin(held)
    now = foreign.status(mastodon_server, mine.id)  # not deleted
    assert "mine here" in now["content"]
    assert now["pinned"] is False


def test_undoing_a_boost_read_elsewhere_leaves_my_boost_here(
    mastodon_server: MastodonServer, other_server: MastodonServer, alice: MastodonNetwork
) -> None:
    """A boost read through the other server, its ids (boosted status, booster) this server's own."""
    bob = mastodon_server.connect("bob")
    far = other_server.connect("alice")
    try:
        target = bob.publish(f"boosted here {uuid.uuid4().hex}")
        alice.repost(target)
        boost = far.repost(far.publish(f"boosted elsewhere {uuid.uuid4().hex}"))
        assert boost is not None
        assert boost.reposted_by is not None
        held = boost.model_copy(
            update={
                "id": target.id,
                "reposted_by": boost.reposted_by.model_copy(update={"id": alice.me().id}),
            }
        )
        with pytest.raises(errors.NotFound):
            alice.delete(held)
        assert foreign.status(mastodon_server, target.id)["reblogged"] is True
    finally:
        bob.close()
        far.close()


def test_a_post_read_elsewhere_is_acted_on_as_this_server_knows_it(
    mastodon_server: MastodonServer, alice: MastodonNetwork
) -> None:
    """The status the Post names (its uri) has another id here: that id is used, not the Post's."""
    carol = mastodon_server.connect("carol")
    try:
        wanted = carol.publish(f"wanted {uuid.uuid4().hex}")
        other = carol.publish(f"other {uuid.uuid4().hex}")
        assert wanted.url is not None
        # Its own uri in its text: what the loopback server's search finds for that uri.
        wanted = carol.edit(wanted, f"{wanted.text} {wanted.url}")
    finally:
        carol.close()
    held = wanted.model_copy(update={"id": other.id})  # the same status, under another server's id
    alice.like(held)
    reply = alice.reply(held, f"answer {uuid.uuid4().hex}")
    assert reply.reply_to == wanted.id
    assert foreign.status(mastodon_server, wanted.id)["favourited"] is True
    assert foreign.status(mastodon_server, other.id)["favourited"] is False
    assert foreign.replies(mastodon_server, other.id) == []


def test_a_status_that_only_mentions_the_uri_is_not_taken_for_it(
    mastodon_server: MastodonServer, other_server: MastodonServer, alice: MastodonNetwork
) -> None:
    """Search answers with statuses whose text holds the uri: one that quotes it is another status.

    carol's on both servers: the ``@carol`` in the uri is her own (no one else is notified)."""
    elsewhere = _read_elsewhere(other_server, f"far {uuid.uuid4().hex}", "carol")
    carol = mastodon_server.connect("carol")
    try:
        quoting = carol.publish(f"look at {elsewhere.url}")
    finally:
        carol.close()
    for held in (elsewhere, elsewhere.model_copy(update={"id": quoting.id})):
        with pytest.raises(errors.NotFound):
            alice.like(held)
    assert foreign.status(mastodon_server, quoting.id)["favourited"] is False


def test_posts_read_through_this_server_cost_no_extra_request(
    mastodon_server: MastodonServer, alice: MastodonNetwork
) -> None:
    bob = mastodon_server.connect("bob")
    try:
        theirs = bob.publish(f"from bob {uuid.uuid4().hex}")  # another connection to this server
        mine = alice.publish(f"from alice {uuid.uuid4().hex}")
        read = next(iter(alice.posts(limit=1)))
        fetched = alice.get_post(theirs.id)
        seen = foreign.requests_of(alice)
        for post in (theirs, mine, read, fetched):
            alice.like(post)
        assert [m for m, _ in seen] == ["POST"] * 4
        assert not [p for _, p in seen if "search" in p]
    finally:
        bob.close()


def test_a_copy_of_a_post_read_here_is_checked_and_acted_on(
    mastodon_server: MastodonServer, alice: MastodonNetwork
) -> None:
    """Unpickled (or built again): not known by identity, so its id is checked here (one read), no search."""
    post = pickle.loads(pickle.dumps(alice.publish(f"kept {uuid.uuid4().hex}")))
    seen = foreign.requests_of(alice)
    alice.like(post)
    assert seen == [("GET", f"/api/v1/statuses/{post.id}"), ("POST", f"/api/v1/statuses/{post.id}/favourite")]
    assert foreign.status(mastodon_server, post.id)["favourited"] is True
    alice.delete(pickle.loads(pickle.dumps(post)))
    assert foreign.get_status(mastodon_server, post.id).status_code == 404


def test_an_id_is_this_servers_id(mastodon_server: MastodonServer, alice: MastodonNetwork) -> None:
    post = alice.publish(f"by id {uuid.uuid4().hex}")
    seen = foreign.requests_of(alice)
    alice.like(post.id)
    assert seen == [("POST", f"/api/v1/statuses/{post.id}/favourite")]


def _scheduled(net: MastodonNetwork) -> Post:
    when = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=2)
    return net.publish(Draft(text=f"later {uuid.uuid4().hex}", scheduled_at=when))


def _is_scheduled(server: MastodonServer, scheduled_id: str) -> bool:
    answer = httpx.get(
        f"{server.base_url}/api/v1/scheduled_statuses/{scheduled_id}",
        headers={"Authorization": f"Bearer {server.tokens['alice']}"},
        timeout=10,
    )
    return answer.status_code == 200


def test_a_scheduled_post_of_another_id_is_not_cancelled_in_its_place(
    mastodon_server: MastodonServer, alice: MastodonNetwork
) -> None:
    first, second = _scheduled(alice), _scheduled(alice)
    with pytest.raises(errors.NotFound):
        alice.delete(first.model_copy(update={"id": second.id}))
    assert _is_scheduled(mastodon_server, second.id)
    alice.delete(pickle.loads(pickle.dumps(second)))  # the same one, copied: cancelled
    assert not _is_scheduled(mastodon_server, second.id)
    alice.delete(first)
    assert not _is_scheduled(mastodon_server, first.id)


def test_a_scheduled_post_is_no_status_to_like_or_answer(alice: MastodonNetwork) -> None:
    later = _scheduled(alice)
    try:
        seen = foreign.requests_of(alice)
        acts = (alice.like, alice.repost, alice.thread, alice.pin, alice.unpin)
        for act in (*acts, lambda p: alice.reply(p, "too early"), lambda p: alice.edit(p, "changed")):
            with pytest.raises(errors.InvalidInput, match="scheduled"):
                act(later)
        assert seen == []
    finally:
        alice.delete(later)


def test_tracking_a_post_read_elsewhere_never_snapshots_the_status_of_its_id(
    mastodon_server: MastodonServer, alice: MastodonNetwork, clash: tuple[Post, Post], tmp_path: Any
) -> None:
    pytest.importorskip("pandas", reason="history() needs the analysis extra (pandas)")
    from decentsocial import engagement

    mine, held = clash
    alice.like(mine)  # this server's status of that id has a like the post held has not
    store = tmp_path / "metrics.db"
    assert engagement.track([held], store, networks=[alice]) == []  # not found here: nothing stored
    taken = engagement.track([mine], store, networks=[alice])
    assert [(p.id, p.metrics.likes) for p in taken] == [(mine.id, 1)]
    frame = engagement.history(store)
    assert len(frame) == 1  # mine only: the post held was never stored as the status of its id
