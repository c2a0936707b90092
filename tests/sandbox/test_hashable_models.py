"""Posts, accounts, communities, notifications and messages hash by identity (audit models F5).

Their ``raw`` dict made pydantic's frozen-model hash raise ``TypeError``, so
``{post}`` and ``dict.fromkeys(posts)`` failed for every sandbox post. They
now hash by (type, network, id), consistently with equality, and ``raw``
takes no part.
"""

from __future__ import annotations

import pickle
from typing import Any

import pytest

import decentsocial as ds
from decentsocial import Account, Community, Message, Notification, Post
from decentsocial.backends.sandbox import SandboxNetwork


def _roundtrips(model: Any) -> list[Any]:
    """Equal copies made every way a model is copied or stored."""
    cls = type(model)
    return [
        model.model_copy(),
        cls.model_validate_json(model.model_dump_json()),
        cls.model_validate(model.model_dump()),
        pickle.loads(pickle.dumps(model)),
    ]


def test_sandbox_posts_and_accounts_go_into_sets_and_dicts(
    alice: SandboxNetwork, bob: SandboxNetwork
) -> None:
    first = alice.publish("first #hash")
    second = alice.publish("second")
    assert first.raw is not None  # the sandbox's posts carry a raw dict
    bob.like(first)
    bob.repost(first)
    read = [*alice.posts(limit=None), alice.get_post(first.id), bob.get_post(first.id)]
    assert {p.id for p in {*read}} == {first.id, second.id}
    assert [p.id for p in dict.fromkeys(read)] == [second.id, first.id]  # equal posts: one key
    counts: dict[Post, int] = {}
    for post in read:
        counts[post] = counts.get(post, 0) + 1
    assert sum(counts.values()) == len(read)
    me = alice.me()
    assert me.raw is not None
    accounts = {me, alice.me(), bob.me(), alice.account("bob")}
    assert {a.handle for a in accounts} == {"alice", "bob"}
    assert {me: "mine"}[alice.me()] == "mine"


def test_notifications_communities_and_messages_are_hashable(
    alice: SandboxNetwork, bob: SandboxNetwork
) -> None:
    post = alice.publish("hello")
    bob.like(post)
    bob.reply(post, "hi back")
    alice.create_community("club", title="The club")
    bob.send_message("alice", "a private word")
    notes = list(alice.notifications(limit=None))
    assert len(notes) >= 2
    assert len(set(notes) | set(alice.notifications(limit=None))) == len(notes)
    club = alice.community("club")
    assert {club, bob.community("club")} == {club}
    messages = list(alice.messages(limit=None))
    assert messages
    assert set(messages) == set(alice.messages(limit=None))


def test_equal_models_hash_equal(alice: SandboxNetwork, bob: SandboxNetwork) -> None:
    post = alice.publish("to copy")
    bob.like(post)
    alice.create_community("copies")
    bob.send_message("alice", "copy me")
    models: list[Any] = [
        alice.get_post(post.id),
        alice.me(),
        alice.community("copies"),
        *alice.notifications(limit=None),
        *alice.messages(limit=None),
    ]
    assert {type(m) for m in models} == {Post, Account, Community, Notification, Message}
    for model in models:
        for copy in _roundtrips(model):
            assert copy == model
            assert hash(copy) == hash(model)
            assert copy in {model}


def test_the_hash_is_the_identity_not_raw(alice: SandboxNetwork) -> None:
    post = alice.publish("identity")
    other_raw = post.model_copy(update={"raw": {"different": ["payload"]}})
    assert other_raw != post  # equality still compares every field
    assert hash(other_raw) == hash(post)  # unequal models may share a hash; equal ones must
    assert len({post, other_raw}) == 2
    edited = post.model_copy(update={"text": "edited"})
    assert len({post, edited}) == 2
    account = post.author
    assert hash(account) == hash(account.model_copy(update={"raw": {"x": {}}}))
    # An account and a post with the same network and id are different things.
    twin = Account(network=post.network, id=post.id, handle="twin")
    assert len({twin, post}) == 2


def test_models_without_identity_keep_their_behaviour() -> None:
    """Amounts (no raw) hash by value; a Reward (raw, no id) stays unhashable, as before."""
    assert hash(ds.Amount.parse("1.000 X")) == hash(ds.Amount.parse("1.000 X"))
    assert {ds.Amount.parse("1.0 X"), ds.Amount.parse("1.00 X")} == {ds.Amount.parse("1 X")}
    reward = ds.Reward(network="sandbox", subject="s", status="none", raw={"a": 1})
    with pytest.raises(TypeError):
        hash(reward)
