"""The contract suite fails a sandbox that breaks one promise, and its failure says what broke.

Each backend here is the sandbox with one deliberate fault; the case that guards the promise is run
on it and must raise ``AssertionError`` (a check that passes a broken backend guards nothing).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from decentsocial import Account, Amount, Draft, InvalidInput, Message, Post
from decentsocial.backends.sandbox import SandboxNetwork, SandboxSettings
from decentsocial.network import AccountRef, PostRef
from decentsocial.testing.contract import listings, messaging, publishing
from tests.contract.broken import harness_of


class DropsTagsOnRead(SandboxNetwork):
    """Publishes tags but reads a post back without them."""

    def _get_post(self, id: str) -> Post:
        return super()._get_post(id).model_copy(update={"tags": ()})


def test_a_failed_check_says_which_value_broke_the_contract(tmp_path: Path) -> None:
    """A bare ``AssertionError`` (no text) tells a backend's author nothing: the asserts are rewritten."""
    with harness_of(DropsTagsOnRead, tmp_path) as h:
        with pytest.raises(AssertionError) as caught:
            publishing.test_publish_and_read_back(h)
        assert "tags" in str(caught.value), f"the failure says only {str(caught.value)!r}"


class PostsARefusedDraft(SandboxNetwork):
    """Refuses a key reused for other text, but only after posting that text without the key."""

    def _publish(self, draft: Draft) -> Post:
        try:
            return super()._publish(draft)
        except InvalidInput:
            super()._publish(draft.model_copy(update={"idempotency_key": None}))
            raise


def test_a_key_reused_for_other_content_must_post_nothing(tmp_path: Path) -> None:
    with (
        harness_of(PostsARefusedDraft, tmp_path) as h,
        pytest.raises(AssertionError, match="the refused draft was posted anyway"),
    ):
        publishing.test_a_key_used_for_other_content_is_refused(h)


class ForgetsTipKeysOnRestart(SandboxNetwork):
    """Keeps tip keys in a dict on the connection: a retry from another process pays again."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.paid: dict[str, tuple[str, str]] = {}

    def _tip(self, to: AccountRef | PostRef, amount: Amount, memo: str, idempotency_key: str | None) -> str:
        tip = f"{to}|{amount}|{memo}"
        if idempotency_key is None:
            return super()._tip(to, amount, memo, None)
        if idempotency_key in self.paid:
            first, receipt = self.paid[idempotency_key]
            if first != tip:
                raise InvalidInput("idempotency_key was used for different content", network=self.name)
            return receipt
        receipt = super()._tip(to, amount, memo, None)
        self.paid[idempotency_key] = (tip, receipt)
        return receipt


def test_a_tip_key_must_outlive_the_connection(tmp_path: Path) -> None:
    with (
        harness_of(ForgetsTipKeysOnRestart, tmp_path) as h,
        pytest.raises(AssertionError, match="a new connection paid again"),
    ):
        listings.test_a_tip_with_a_key_pays_once(h)


class UnfollowDoesNothing(SandboxNetwork):
    def _unfollow(self, account: AccountRef) -> None:
        return None


def test_unfollow_must_undo_the_follow(tmp_path: Path) -> None:
    with (
        harness_of(UnfollowDoesNothing, tmp_path) as h,
        pytest.raises(AssertionError, match="followers after unfollow"),
    ):
        publishing.test_follow_and_timeline(h)


class UnfollowDoesNothingAndCountsNoFollowers(UnfollowDoesNothing):
    """As a network that gives no follower counts (Nostr): only the timeline shows the unfollow."""

    def _account(self, handle: str) -> Account:
        return super()._account(handle).model_copy(update={"followers": None})


def test_unfollow_must_take_the_account_off_the_timeline(tmp_path: Path) -> None:
    with (
        harness_of(UnfollowDoesNothingAndCountsNoFollowers, tmp_path) as h,
        pytest.raises(AssertionError, match="no longer followed is in the timeline"),
    ):
        publishing.test_follow_and_timeline(h)


class TimelineOldestFirst(SandboxNetwork):
    def _timeline(self, limit: int | None) -> Iterator[Post]:
        return iter(list(SandboxNetwork._timeline(self, None))[::-1][:limit])


def test_the_timeline_must_be_newest_first(tmp_path: Path) -> None:
    with (
        harness_of(TimelineOldestFirst, tmp_path) as h,
        pytest.raises(AssertionError, match="the timeline is not newest first"),
    ):
        publishing.test_follow_and_timeline(h)


class MessagesOldestFirst(SandboxNetwork):
    def _messages(self, limit: int | None) -> Iterator[Message]:
        return iter(list(SandboxNetwork._messages(self, None))[::-1][:limit])


def test_messages_must_be_newest_first(tmp_path: Path) -> None:
    with (
        harness_of(MessagesOldestFirst, tmp_path) as h,
        pytest.raises(AssertionError, match="messages is not newest first"),
    ):
        messaging.test_message_round_trip(h)


class GoesBackInTimeAfterTheFirstPage(SandboxNetwork):
    """The first page is right; later ones walk up from the oldest post (a cursor paging the wrong way)."""

    def _posts(self, account: AccountRef | None, limit: int | None) -> Iterator[Post]:
        every = list(SandboxNetwork._posts(self, account, None))
        listed = every[: self.page_size] + every[: self.page_size - 1 : -1]
        return iter(listed if limit is None else listed[:limit])


def test_pagination_must_stay_newest_first_across_pages(tmp_path: Path) -> None:
    """With posts from earlier cases already there, as on a shared server."""
    with harness_of(GoesBackInTimeAfterTheFirstPage, tmp_path) as h:
        for i in range(h.me.page_size * 2):
            h.me.publish(f"earlier case {i}")
        with pytest.raises(AssertionError, match="not newest first across pages"):
            listings.test_pagination(h)


@pytest.mark.parametrize(
    "case",
    [
        publishing.test_publish_and_read_back,
        publishing.test_a_key_used_for_other_content_is_refused,
        listings.test_a_tip_with_a_key_pays_once,
        publishing.test_follow_and_timeline,
        listings.test_pagination,
        messaging.test_message_round_trip,
    ],
    ids=lambda case: str(case.__name__),
)
def test_the_sandbox_itself_passes(case: Any, tmp_path: Path) -> None:
    """The tighter checks hold for the reference backend, on a file and with earlier posts there."""
    with harness_of(SandboxNetwork, tmp_path) as h:
        for i in range(h.me.page_size * 2):
            h.me.publish(f"earlier case {i}")
        case(h)


def test_another_account_of_a_sandbox_subclass_is_of_that_subclass() -> None:
    # ``Harness.fresh_me`` of an in-memory sandbox goes through ``as_account``: it gave the base
    # class, so the "restarted process" of a broken subclass was a sound sandbox.
    class Mine(SandboxNetwork):
        pass

    net = Mine(SandboxSettings(account="brand"))
    try:
        other = net.as_account("other")
        try:
            assert type(other) is Mine
        finally:
            other.close()
    finally:
        net.close()
