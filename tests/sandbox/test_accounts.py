"""Several accounts: connections to one file with different ``account=``, and ``as_account`` in memory."""

from __future__ import annotations

from pathlib import Path

import pytest

from decentsocial import InvalidInput, NotFound, PermissionDenied
from decentsocial.backends.sandbox import SandboxNetwork

from .conftest import sandbox


def test_connections_to_one_file_are_different_users(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.db")
    alice = sandbox(path=path, account="alice", display_name="Alice A.")
    bob = sandbox(path=path, account="bob")
    bob.me()  # an account exists from its connection's first call
    post = alice.publish("hello @bob")
    bob.like(post)
    bob.follow("alice")
    assert bob.get_post(post.id).author.handle == "alice"
    assert alice.get_post(post.id).metrics.likes == 1
    assert [n.kind for n in bob.notifications()] == ["mention"]
    assert {n.kind for n in alice.notifications()} == {"like", "follow"}
    me = alice.me()
    assert (me.display_name, me.followers, me.following, me.posts_count) == ("Alice A.", 1, 0, 1)
    alice.close()
    bob.close()


def test_a_file_sandbox_persists(tmp_path: Path) -> None:
    path = str(tmp_path / "keep.db")
    first = sandbox(path=path, account="alice")
    post = first.publish("still here tomorrow #persist")
    first.advance_time(3600)
    later = first.current_time()
    first.close()
    again = sandbox(path=path, account="alice")
    assert again.get_post(post.id).text == "still here tomorrow #persist"
    assert again.current_time() >= later  # the advanced clock is part of the file
    again.close()


def test_in_memory_sandboxes_are_separate() -> None:
    one = sandbox(account="alice")
    two = sandbox(account="alice")
    post = one.publish("only in one")
    with pytest.raises(NotFound):
        two.get_post(post.id)
    one.close()
    two.close()


def test_as_account_shares_the_database(alice: SandboxNetwork, bob: SandboxNetwork) -> None:
    post = alice.publish("shared")
    assert bob.get_post(post.id).id == post.id
    assert bob.handle == "bob"
    assert bob.me().handle == "bob"
    alice.close()  # the database stays open while bob uses it
    assert bob.get_post(post.id).text == "shared"


def test_follow_rules(alice: SandboxNetwork, bob: SandboxNetwork) -> None:
    with pytest.raises(InvalidInput):
        alice.follow("alice")
    with pytest.raises(NotFound):
        alice.follow("nobody")
    alice.follow(bob.me())
    alice.follow("@BOB")  # twice is once
    assert bob.me().followers == 1
    alice.unfollow("bob")
    alice.unfollow("bob")
    assert bob.me().followers == 0
    assert [n.kind for n in bob.notifications()] == ["follow"]


def test_only_the_author_deletes(alice: SandboxNetwork, bob: SandboxNetwork) -> None:
    post = alice.publish("mine")
    with pytest.raises(PermissionDenied):
        bob.delete(post)
    alice.delete(post)
    with pytest.raises(NotFound):
        alice.delete(post)


def test_unknown_account(alice: SandboxNetwork) -> None:
    with pytest.raises(NotFound):
        alice.account("ghost")
    with pytest.raises(NotFound):
        next(alice.posts("ghost"))
    with pytest.raises(InvalidInput):
        alice.account("not a handle!")
