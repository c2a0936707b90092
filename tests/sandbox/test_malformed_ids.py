"""A malformed sandbox post id is ``InvalidInput`` before any I/O, in every member (audit docs F3).

Sandbox post ids are 16 lower-case hex digits (``secrets.token_hex(8)``);
docs/networks/sandbox.md promises ``InvalidInput`` for a malformed id, but
every member looked the string up and said ``NotFound``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import decentsocial as ds
from decentsocial import Draft, InvalidInput, NotFound
from decentsocial.backends.sandbox import SandboxNetwork
from decentsocial.backends.sandbox.settings import SandboxSettings
from decentsocial.backends.sandbox.transport import Transport

from .conftest import START, sandbox

MALFORMED = [
    "not a valid id!",
    "../../etc/passwd",
    "UPPERCASE-ID",
    "' OR 1=1 --",
    "0123456789ABCDEF",  # upper case: the sandbox writes lower case only
    "0123456789abcde",  # 15 digits
    "0123456789abcdef0",  # 17
    "0123456789abcdeg",
    "٠١٢٣٤٥٦٧٨٩abcdef",  # Arabic-Indic digits are no hex digits here
    "x" * 10_000,
]

#: Every member that takes a post (or a post id), called with ``ref``.
MEMBERS: dict[str, Callable[[SandboxNetwork, Any], object]] = {
    "get_post": lambda n, ref: n.get_post(ref),
    "delete": lambda n, ref: n.delete(ref),
    "like": lambda n, ref: n.like(ref),
    "unlike": lambda n, ref: n.unlike(ref),
    "vote": lambda n, ref: n.vote(ref, 50),
    "repost": lambda n, ref: n.repost(ref),
    "reply": lambda n, ref: n.reply(ref, "a reply"),
    "reply_to": lambda n, ref: n.publish(Draft(text="a reply", reply_to=ref)),
    "quote_of": lambda n, ref: n.publish(Draft(text="a quote", quote_of=ref)),
    "prepare": lambda n, ref: n.prepare(Draft(text="a reply", reply_to=ref)),
    "thread": lambda n, ref: n.thread(ref),
    "rewards": lambda n, ref: n.rewards(ref),
    "edit": lambda n, ref: n.edit(ref, "edited"),
    "edit_replace": lambda n, ref: n.edit(ref, "edited", replace=True),
    "pin": lambda n, ref: n.pin(ref),
    "unpin": lambda n, ref: n.unpin(ref),
    "crosspost_dry_run": lambda n, ref: ds.crosspost(
        Draft(text="x", quote_of=ref), [n], dry_run=True
    ).raise_for_errors(),
}


class CountingTransport(Transport):
    """A transport that counts the transactions opened (every sandbox I/O opens one)."""

    opened = 0

    def read(self) -> Any:
        CountingTransport.opened += 1
        return super().read()

    def write(self) -> Any:
        CountingTransport.opened += 1
        return super().write()


@pytest.mark.parametrize("member", sorted(MEMBERS))
@pytest.mark.parametrize("bad", MALFORMED, ids=lambda s: repr(s[:20]))
def test_a_malformed_post_id_is_invalid_input_before_any_io(member: str, bad: str) -> None:
    net = SandboxNetwork(
        SandboxSettings(account="alice"),
        _transport=CountingTransport(None, 5.0),
    )
    try:
        CountingTransport.opened = 0
        with pytest.raises(InvalidInput) as caught:
            MEMBERS[member](net, bad)
        assert caught.value.network == "sandbox"
        assert CountingTransport.opened == 0, f"{member} did I/O before refusing {bad!r}"
    finally:
        net.close()


@pytest.mark.parametrize("member", sorted(set(MEMBERS) - {"crosspost_dry_run", "prepare", "unpin"}))
def test_a_well_formed_unknown_id_is_still_not_found(alice: SandboxNetwork, member: str) -> None:
    with pytest.raises(NotFound):
        MEMBERS[member](alice, "0123456789abcdef")


def test_ids_the_sandbox_makes_pass_the_check(alice: SandboxNetwork, bob: SandboxNetwork) -> None:
    post = alice.publish("hello")
    assert len(post.id) == 16
    assert post.id == post.id.lower()
    int(post.id, 16)
    assert bob.get_post(f"  {post.id}\n").id == post.id  # surrounding spaces are stripped, as for every ref
    bob.like(post.id)
    reply = bob.reply(post.id, "hi")
    assert [p.id for p in alice.thread(post.id)] == [post.id, reply.id]
    assert bob.get_post(post.id).metrics.likes == 1


def test_a_hand_made_post_with_a_malformed_id_is_invalid_input(alice: SandboxNetwork) -> None:
    post = alice.publish("real").model_copy(update={"id": "not-an-id"})
    for call in (alice.like, alice.delete, alice.thread, alice.rewards, alice.pin):
        with pytest.raises(InvalidInput):
            call(post)
    with pytest.raises(InvalidInput):
        alice.edit(post, "edited")
    with pytest.raises(InvalidInput):
        alice.as_account("bob").tip(post, "1.000 SAND")


def test_tips_tell_handles_from_post_ids_and_refuse_neither(
    alice: SandboxNetwork, bob: SandboxNetwork
) -> None:
    post = alice.publish("tip jar")
    bob.tip(post.id, "0.500 SAND")  # a post id: its author
    bob.tip("alice", "0.500 SAND")  # a handle
    assert alice.balance() == ds.Amount.parse("101.000 SAND")
    with pytest.raises(NotFound):
        bob.tip("nobody", "1.000 SAND")  # a handle nobody has
    with pytest.raises(NotFound):
        bob.tip("0123456789abcdef", "1.000 SAND")  # an id (and handle) nobody has
    with pytest.raises(InvalidInput, match="neither a sandbox handle nor a post id"):
        bob.tip("not a valid id!", "1.000 SAND")
    assert bob.balance() == ds.Amount.parse("99.000 SAND")


def test_vote_weights_are_still_checked_with_a_well_formed_id(alice: SandboxNetwork) -> None:
    """``tests/sandbox/test_rewards.py`` votes on ``"whatever"``, now refused as an id first."""
    for bad in (101, -100.5, float("nan"), True, "50"):
        with pytest.raises(InvalidInput, match="weight"):
            alice.vote("0123456789abcdef", bad)  # type: ignore[arg-type]


def test_a_file_sandbox_is_not_created_by_a_malformed_id(tmp_path: Any) -> None:
    net = sandbox(path=tmp_path / "s.db", account="alice", now=START)
    try:
        with pytest.raises(InvalidInput):
            net.get_post("nope")
        assert not (tmp_path / "s.db").exists()
    finally:
        net.close()
