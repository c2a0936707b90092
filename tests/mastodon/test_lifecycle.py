"""Edit and pin on a real Mastodon-API server (mastodon_mock, started by tests/servers)."""

from __future__ import annotations

import pytest

from decentsocial import ContentRejected, Draft, Media, PermissionDenied
from decentsocial.backends.mastodon import MastodonNetwork
from tests.contract.harness import Harness

from .test_live import png


@pytest.fixture
def alice(mastodon_harness: Harness) -> MastodonNetwork:
    assert isinstance(mastodon_harness.me, MastodonNetwork)
    return mastodon_harness.me


@pytest.fixture
def bob(mastodon_harness: Harness) -> MastodonNetwork:
    assert isinstance(mastodon_harness.other, MastodonNetwork)
    return mastodon_harness.other


def test_edit_with_media_and_content_warning(alice: MastodonNetwork, bob: MastodonNetwork) -> None:
    post = alice.publish("first version of the statement")
    assert post.edited_at is None
    edited = alice.edit(
        post,
        Draft(
            text="بيان محدث: updated statement",
            content_warning="تحديث update",
            media=(Media(data=png(), mime_type="image/png", alt_text="chart"),),
        ),
    )
    assert edited.id == post.id
    assert "updated statement" in edited.text
    assert "بيان محدث" in edited.text
    assert edited.content_warning == "تحديث update"
    assert edited.edited_at is not None
    assert edited.edited_at >= post.created_at
    seen = bob.get_post(post.id)  # another account reads the edit back from the server
    assert "updated statement" in seen.text
    assert seen.edited_at == edited.edited_at
    # The server kept the first version in the status's history.
    history = alice.transport.request(lambda api: api.status_history(post.id), "history")
    assert any("first version" in str(version.get("content", "")) for version in history)


def test_edit_a_reply_keeps_the_mention(alice: MastodonNetwork, bob: MastodonNetwork) -> None:
    parent = bob.publish("question for alice")
    reply = alice.reply(parent, "a typo'd answer")
    edited = alice.edit(reply, "the answer")
    assert edited.reply_to == parent.id
    assert "@bob" in edited.text
    assert "the answer" in edited.text


def test_edit_someone_elses_status_is_permission_denied(alice: MastodonNetwork, bob: MastodonNetwork) -> None:
    theirs = bob.publish("bob's status")
    with pytest.raises(PermissionDenied, match="bob"):
        alice.edit(theirs.id, "alice's words")
    assert bob.get_post(theirs.id).text == "bob's status"


def test_edit_over_the_limit_is_rejected_before_the_request(alice: MastodonNetwork) -> None:
    post = alice.publish("short status")
    limit = alice.limits().max_characters
    with pytest.raises(ContentRejected, match=str(limit)):
        alice.edit(post, "x" * (limit + 1))
    assert alice.get_post(post.id).edited_at is None


def test_pin_unpin_and_pinned(alice: MastodonNetwork, bob: MastodonNetwork) -> None:
    for old in alice.pinned(limit=None):  # the server is shared by the module's tests
        alice.unpin(old)
    one, two = alice.publish("pin me"), alice.publish("and me")
    alice.pin(one)
    alice.pin(two.id)
    alice.pin(one)  # twice is once
    assert {p.id for p in alice.pinned()} == {one.id, two.id}
    assert {p.id for p in bob.pinned(alice.me())} == {one.id, two.id}
    alice.unpin(one)
    alice.unpin(one)  # not pinned any more: nothing changes
    assert [p.id for p in alice.pinned()] == [two.id]
    theirs = bob.publish("bob's")
    with pytest.raises(PermissionDenied):
        alice.pin(theirs)
    alice.unpin(two)
    assert list(alice.pinned()) == []
