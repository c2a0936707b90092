"""Contract cases for the post lifecycle: edit in place and pins (``Capability.EDIT``, ``Capability.PIN``).

A backend without the capability must raise ``UnsupportedFeature`` naming
itself (and ``edit(replace=True)`` then republishes where it can delete);
one with it must edit in place (same id, new text read back), refuse other
accounts' posts with ``PermissionDenied`` and text over its limit with
``ContentRejected`` before any write, and list what it pinned.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from decentsocial import Capability, ContentRejected, NotFound, PermissionDenied, UnsupportedFeature

from ..harness import Harness
from .checks import check_post, ids, need_writes


def _holds(condition: Callable[[], bool], what: str) -> Callable[[], None]:
    """A check for ``Harness.eventually``, which polls until no AssertionError."""

    def check() -> None:
        assert condition(), what

    return check


def test_lifecycle_members_raise_when_unsupported(harness: Harness) -> None:
    h = harness
    lacking = {Capability.EDIT, Capability.PIN} - h.me.capabilities
    if not lacking:
        pytest.skip(f"{h.name} can edit and pin")
    calls: dict[Capability, list[Callable[[], object]]] = {
        Capability.EDIT: [lambda: h.me.edit("contract-missing", "contract edit")],
        Capability.PIN: [
            lambda: h.me.pin("contract-missing"),
            lambda: h.me.unpin("contract-missing"),
            lambda: next(iter(h.me.pinned()), None),
        ],
    }
    for capability in lacking:
        for call in calls[capability]:
            with pytest.raises(UnsupportedFeature) as caught:
                call()
            assert caught.value.network == h.me.name
            assert capability.value in str(caught.value)


def test_edit_in_place(harness: Harness) -> None:
    h = harness
    need_writes(h, Capability.EDIT, Capability.READ)
    before, after = h.unique("before"), h.unique("after")
    post = h.me.publish(f"contract edit {before}")
    edited = h.me.edit(post, f"contract edit {after} تم التعديل")
    check_post(edited, h.me)
    assert edited.id == post.id
    assert after in edited.text
    assert before not in edited.text

    def read_back() -> None:
        seen = h.other.get_post(post.id)
        assert after in seen.text
        assert "تم التعديل" in seen.text

    h.eventually(read_back)


def test_edit_refuses_other_accounts_and_long_text(harness: Harness) -> None:
    h = harness
    need_writes(h, Capability.EDIT, Capability.READ)
    word = h.unique("theirs")
    theirs = h.other.publish(f"contract not yours {word}")
    with pytest.raises(PermissionDenied):
        h.me.edit(theirs, "contract taken over")
    mine = h.me.publish(f"contract mine {h.unique()}")
    rule = h.me.text_limit()
    if rule is not None:
        with pytest.raises(ContentRejected):
            h.me.edit(mine, "x" * (rule.limit + 1))
    h.eventually(_holds(lambda: word in h.other.get_post(theirs.id).text, "the other post unchanged"))
    assert h.me.get_post(mine.id).text == mine.text


def test_replace_republishes_where_edit_is_missing(harness: Harness) -> None:
    h = harness
    if Capability.EDIT in h.me.capabilities:
        pytest.skip(f"{h.name} edits in place")
    need_writes(h, Capability.DELETE, Capability.READ)
    old = h.me.publish(f"contract replace {h.unique()}")
    word = h.unique("new")
    new = h.me.edit(old, f"contract replaced {word}", replace=True)
    check_post(new, h.me)
    assert new.id != old.id
    assert word in new.text

    def old_gone() -> None:
        try:
            h.me.get_post(old.id)
        except NotFound:
            return
        raise AssertionError("the replaced post is still readable")

    h.eventually(old_gone)


def test_pin_round_trip(harness: Harness) -> None:
    h = harness
    need_writes(h, Capability.PIN)
    post = h.me.publish(f"contract pin {h.unique()}")
    h.me.pin(post)
    h.me.pin(post)  # pinning again changes nothing
    h.eventually(_holds(lambda: post.id in ids(h.me.pinned(limit=None)), "the post is pinned"))
    with pytest.raises(PermissionDenied):
        h.other.pin(post)
    h.me.unpin(post)
    h.me.unpin(post)  # not pinned any more: nothing changes
    h.eventually(_holds(lambda: post.id not in ids(h.me.pinned(limit=None)), "the post is unpinned"))


def test_pinned_of_another_account(harness: Harness) -> None:
    h = harness
    need_writes(h, Capability.PIN, Capability.PROFILE)
    post = h.me.publish(f"contract pinned for others {h.unique()}")
    h.me.pin(post)
    try:
        h.eventually(
            _holds(lambda: post.id in ids(h.other.pinned(h.me.me(), limit=None)), "others see the pin")
        )
    finally:
        h.me.unpin(post)


__all__ = [name for name in list(globals()) if name.startswith("test_")]
