"""Whom a tip goes to, and keyed tips paid once per sandbox database whatever state store asks."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from decentsocial import Amount, InvalidInput, NotFound
from decentsocial.backends.sandbox import SandboxNetwork

from .conftest import START, sandbox


def amount(text: str) -> Amount:
    return Amount.parse(text)


def test_an_id_looking_handle_is_tipped_as_an_account(alice: SandboxNetwork) -> None:
    hexy = alice.as_account("0123456789abcdef")
    alice.tip("0123456789abcdef", "1.000 SAND")
    assert hexy.balance() == amount("101.000 SAND")
    hexy.close()


def test_a_handle_equal_to_a_post_id_does_not_capture_the_posts_tips(
    alice: SandboxNetwork, bob: SandboxNetwork
) -> None:
    post = alice.publish("tip jar")
    squatter = alice.as_account(post.id)  # registered after the post, to look like its id
    with pytest.raises(InvalidInput, match="both an account's handle and a post's id"):
        bob.tip(post.id, "1.000 SAND")
    assert squatter.balance() == amount("100.000 SAND")
    assert bob.balance() == amount("100.000 SAND")
    # Said unambiguously, each goes where it was meant to.
    bob.tip(post, "1.000 SAND")
    assert alice.balance() == amount("101.000 SAND")
    bob.tip(f"@{post.id}", "2.000 SAND")
    bob.tip(squatter.me(), "3.000 SAND")
    assert squatter.balance() == amount("105.000 SAND")
    assert alice.rewards(post).amounts == (amount("1.000 SAND"),)
    squatter.close()


def test_a_post_id_string_tips_its_author_and_an_at_handle_needs_an_account(
    alice: SandboxNetwork, bob: SandboxNetwork
) -> None:
    post = alice.publish("tip jar")
    bob.tip(post.id, "0.500 SAND")
    assert alice.rewards(post).amounts == (amount("0.500 SAND"),)
    with pytest.raises(NotFound):
        bob.tip(f"@{post.id}", "0.500 SAND")  # "@" says account, and no account has that handle
    assert alice.balance() == amount("100.500 SAND")


def _tipper(db: Path, state: Path) -> SandboxNetwork:
    return sandbox(path=db, account="alice", now=START, state_path=state)


def test_a_keyed_tip_is_paid_once_even_with_a_fresh_state_store(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.db"
    first = _tipper(db, tmp_path / "state-1.db")
    bob = first.as_account("bob")
    receipt = first.tip("bob", "2.000 SAND", memo="thanks", idempotency_key="campaign-7")
    first.close()
    # Another process after a crash: its state store never saw the receipt; the sandbox database did.
    second = _tipper(db, tmp_path / "state-2.db")
    assert second.tip("bob", "2.000 SAND", memo="thanks", idempotency_key="campaign-7") == receipt
    assert second.balance() == amount("98.000 SAND")
    assert bob.balance() == amount("102.000 SAND")
    third = _tipper(db, tmp_path / "state-3.db")
    with pytest.raises(InvalidInput, match="another tip"):
        third.tip("bob", "5.000 SAND", memo="thanks", idempotency_key="campaign-7")
    assert bob.balance() == amount("102.000 SAND")
    # Keys are per account: bob's own "campaign-7" is a different tip.
    bob.tip("alice", "1.000 SAND", idempotency_key="campaign-7")
    assert third.balance() == amount("99.000 SAND")
    for net in (second, third, bob):
        net.close()


def test_a_refused_keyed_tip_leaves_the_key_free(alice: SandboxNetwork, bob: SandboxNetwork) -> None:
    with pytest.raises(Exception, match="balance"):
        alice.tip("bob", "500.000 SAND", idempotency_key="big")
    alice.tip("bob", "5.000 SAND", idempotency_key="big")
    assert bob.balance() == amount("105.000 SAND")


@pytest.mark.parametrize("seconds", [1e300, 10**20, 3e11, timedelta.max])
def test_a_clock_past_the_calendar_is_invalid_input_and_changes_nothing(
    alice: SandboxNetwork, seconds: float | timedelta
) -> None:
    before = alice.current_time()
    with pytest.raises(InvalidInput):
        alice.advance_time(seconds)
    assert alice.current_time() == before
    alice.publish("still works")


@pytest.mark.parametrize("text", ["\ud800", "a\udfffb"])
def test_lone_surrogates_in_caller_text_are_invalid_input(
    alice: SandboxNetwork, bob: SandboxNetwork, text: str
) -> None:
    for call in (
        lambda: alice.tip(text, "1.000 SAND"),
        lambda: alice.tip("bob", "1.000 SAND", memo=text),
        lambda: alice.get_post(text),
        lambda: alice.account(text),
        lambda: alice.like(text),
    ):
        with pytest.raises(InvalidInput):
            call()
    assert alice.balance() == amount("100.000 SAND")
