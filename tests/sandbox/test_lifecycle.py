"""Edit and pin on the sandbox: in place, own posts only, bad input before any write."""

from __future__ import annotations

import pytest

from decentsocial import (
    Capability,
    ContentRejected,
    Draft,
    InvalidInput,
    Media,
    NotFound,
    PermissionDenied,
    UnsupportedFeature,
)
from decentsocial.backends.sandbox import SandboxNetwork

from .conftest import sandbox

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)


def test_edit_in_place_keeps_id_replies_and_likes(alice: SandboxNetwork, bob: SandboxNetwork) -> None:
    post = alice.publish("first version #old")
    reply = bob.reply(post, "nice")
    bob.like(post)
    edited = alice.edit(
        post,
        Draft(
            text="الإصدار الثاني second version #new",
            content_warning="تحديث",
            media=(Media(data=PNG, mime_type="image/png", alt_text="dot"),),
        ),
    )
    assert edited.id == post.id
    assert edited.text.startswith("الإصدار الثاني")
    assert edited.content_warning == "تحديث"
    assert edited.tags == ("new",)
    assert len(edited.media) == 1
    assert edited.edited_at is not None
    assert edited.metrics.likes == 1
    fresh = bob.get_post(post.id)
    assert fresh.text == edited.text
    assert fresh.edited_at == edited.edited_at
    assert [p.id for p in alice.thread(post)] == [post.id, reply.id]
    assert [p.id for p in alice.search("#new")] == [post.id]
    assert list(alice.search("#old")) == []


def test_edit_someone_elses_post_is_permission_denied(alice: SandboxNetwork, bob: SandboxNetwork) -> None:
    theirs = bob.publish("bob's words")
    with pytest.raises(PermissionDenied, match="bob"):
        alice.edit(theirs, "alice's words")
    with pytest.raises(PermissionDenied):
        alice.edit(theirs.id, "alice's words")
    assert bob.get_post(theirs.id).text == "bob's words"


def test_edit_over_the_limit_is_rejected_before_io() -> None:
    net = sandbox(account="alice", max_length=20)
    post = net.publish("short")
    with pytest.raises(ContentRejected, match="limit of 20"):
        net.edit(post, "x" * 21)
    assert net.get_post(post.id).text == "short"
    assert net.get_post(post.id).edited_at is None
    net.close()


def test_edit_draft_that_moves_the_post_is_invalid(alice: SandboxNetwork) -> None:
    post = alice.publish("here")
    other = alice.publish("there")
    with pytest.raises(InvalidInput, match="reply_to"):
        alice.edit(post, Draft(text="moved", reply_to=other.id))
    with pytest.raises(InvalidInput, match="community"):
        alice.edit(post, Draft(text="moved", community="general"))
    assert alice.get_post(post.id).text == "here"


def test_edit_a_deleted_post_is_not_found(alice: SandboxNetwork) -> None:
    post = alice.publish("soon gone")
    alice.delete(post)
    with pytest.raises(NotFound):
        alice.edit(post.id, "too late")


def test_replace_deletes_and_republishes_when_edit_is_off() -> None:
    net = sandbox(account="alice", unsupported=["edit"])
    parent = net.publish("parent")
    post = net.reply(parent, "typo")
    with pytest.raises(UnsupportedFeature, match="edit"):
        net.edit(post, "fixed")
    new = net.edit(post, "fixed", replace=True)
    assert new.id != post.id
    assert new.reply_to == parent.id
    with pytest.raises(NotFound):
        net.get_post(post.id)
    # Running the replacement again (after a crash, say) gives the same new post, not a second one.
    assert net.edit(post, "fixed", replace=True).id == new.id
    assert [p.text for p in net.posts()] == ["fixed", "parent"]
    net.close()


def test_replace_keeps_the_post_a_quote_quotes() -> None:
    net = sandbox(account="alice", unsupported=["edit"])
    quoted = net.publish("quoted")
    quote = net.publish(Draft(text="a typo", quote_of=quoted.id))
    new = net.edit(quote, "مصحح", replace=True)
    assert new.quote_of == quoted.id
    assert net.get_post(new.id).quote_of == quoted.id
    net.close()


def test_pin_unpin_and_pinned(alice: SandboxNetwork, bob: SandboxNetwork) -> None:
    one, two, three = (alice.publish(t) for t in ("one", "two", "ثلاثة"))
    alice.pin(one)
    alice.pin(three.id)
    alice.pin(one)  # twice is once
    assert [p.id for p in alice.pinned()] == [three.id, one.id]  # same instant: the newer post first
    assert {p.id for p in bob.pinned("alice")} == {one.id, three.id}
    assert len(list(alice.pinned(limit=1))) == 1
    alice.unpin(one)
    alice.unpin(two)  # not pinned: nothing changes
    assert [p.id for p in alice.pinned()] == [three.id]
    assert list(bob.pinned()) == []
    alice.delete(three)
    assert list(alice.pinned()) == []


def test_pinned_pages_with_the_clock_frozen(alice: SandboxNetwork) -> None:
    posts = [alice.publish(f"post {i}") for i in range(alice.page_size + 5)]
    for post in posts:
        alice.pin(post)  # every pin at the same (frozen) instant: pages go by post order
    seen = [p.id for p in alice.pinned(limit=None)]
    assert seen == [p.id for p in reversed(posts)]


def test_pin_someone_elses_post_is_permission_denied(alice: SandboxNetwork, bob: SandboxNetwork) -> None:
    theirs = bob.publish("bob's")
    with pytest.raises(PermissionDenied):
        alice.pin(theirs)
    assert list(alice.pinned()) == []


def test_lifecycle_capabilities_can_be_switched_off() -> None:
    net = sandbox(unsupported=["pin", "edit"])
    assert Capability.PIN not in net.capabilities
    post = net.publish("x")
    for call in (lambda: net.pin(post), lambda: net.unpin(post), lambda: next(net.pinned())):
        with pytest.raises(UnsupportedFeature, match="sandbox does not support pin"):
            call()
    net.close()
