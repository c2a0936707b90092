"""``delete()`` of a repost undoes the repost, as on Mastodon, and never deletes the original (audit life F3).

``repost()`` and a timeline's reposts return the original post with
``reposted_by`` set. Deleting such a Post deleted the original (its pending
rewards cancelled, its notifications hidden) whenever the caller was its
author: the destructive opposite of what the same code does on Mastodon.
"""

from __future__ import annotations

import pytest

from decentsocial import NotFound, PermissionDenied
from decentsocial.backends.sandbox import SandboxNetwork


def test_deleting_your_own_repost_undoes_it_and_keeps_the_post(
    alice: SandboxNetwork, bob: SandboxNetwork
) -> None:
    launch = alice.publish("Launch day!")
    boost = alice.repost(launch)
    assert boost is not None
    assert boost.reposted_by is not None
    assert boost.reposted_by.handle == "alice"
    alice.delete(boost)
    kept = bob.get_post(launch.id)
    assert kept.text == "Launch day!"
    assert kept.metrics.reposts == 0
    alice.delete(boost)  # undone already: nothing left to undo, and the post stays
    assert bob.get_post(launch.id).id == launch.id


def test_undoing_a_repost_of_someone_elses_post(alice: SandboxNetwork, bob: SandboxNetwork) -> None:
    post = alice.publish("worth sharing")
    bob.like(post)
    boost = bob.repost(post)
    assert boost is not None
    assert [n.kind for n in alice.notifications()] == ["repost", "like"]
    dave = alice.as_account("dave")
    dave.follow("bob")
    assert [(p.id, p.reposted_by and p.reposted_by.handle) for p in dave.timeline()] == [(post.id, "bob")]
    bob.delete(boost)
    assert list(dave.timeline()) == []  # the repost is gone from the followers' feed
    again = alice.get_post(post.id)
    assert again.metrics.reposts == 0
    assert again.metrics.likes == 1  # the like (and its pending reward) is untouched
    assert alice.rewards(post).status == "pending"
    assert [n.kind for n in alice.notifications()] == ["like"]  # the repost notification went with it
    bob.repost(post)  # reposting again works and notifies again
    assert [n.kind for n in alice.notifications()] == ["repost", "like"]
    dave.close()


def test_another_accounts_repost_is_permission_denied(alice: SandboxNetwork, bob: SandboxNetwork) -> None:
    mine = alice.publish("mine")
    alice.follow("bob")
    bob.repost(mine)
    item = next(p for p in alice.timeline() if p.reposted_by is not None)
    assert item.id == mine.id
    assert item.author.handle == "alice"
    with pytest.raises(PermissionDenied, match="bob's repost") as caught:
        alice.delete(item)  # alice wrote the post, but the repost is bob's
    assert caught.value.network == "sandbox"
    assert alice.get_post(mine.id).metrics.reposts == 1  # nothing changed
    with pytest.raises(PermissionDenied):
        bob.delete(alice.get_post(mine.id).model_copy(update={"reposted_by": alice.me()}))
    assert bob.get_post(mine.id).metrics.reposts == 1


def test_the_id_of_a_repost_still_deletes_the_post_for_its_author(
    alice: SandboxNetwork, bob: SandboxNetwork
) -> None:
    post = alice.publish("to delete")
    boost = bob.repost(post)
    assert boost is not None
    with pytest.raises(PermissionDenied):
        bob.delete(boost.id)  # by id: the post itself, which is alice's
    alice.delete(boost.id)
    with pytest.raises(NotFound):
        bob.get_post(post.id)
    with pytest.raises(NotFound):
        bob.delete(boost)  # the post reposted is gone
