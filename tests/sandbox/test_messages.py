"""Direct messages in the sandbox: stored in its SQLite database, between its accounts."""

from __future__ import annotations

from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial import Account, InvalidInput, NotFound, UnsupportedFeature
from decentsocial.backends.sandbox import SandboxNetwork

from .conftest import sandbox


def test_conversation_between_two_accounts(
    alice: SandboxNetwork, bob: SandboxNetwork, carol: SandboxNetwork
) -> None:
    first = alice.send_message("bob", "hello bob")
    alice.advance_time(1)
    reply = bob.send_message(alice.me(), "مرحبا أليس")
    alice.advance_time(1)
    other = carol.send_message("@alice", "from carol")
    inbox = list(alice.messages())
    assert [m.id for m in inbox] == [other, reply, first]  # newest first, sent and received
    assert [m.text for m in inbox] == ["from carol", "مرحبا أليس", "hello bob"]
    assert inbox[1].sender.handle == "bob"
    assert [r.handle for r in inbox[1].recipients] == ["alice"]
    assert inbox[1].conversation_id == inbox[2].conversation_id != inbox[0].conversation_id
    assert [m.id for m in bob.messages()] == [reply, first]  # bob never sees carol's message
    assert [m.id for m in carol.messages()] == [other]


def test_paging_stops_at_limit(alice: SandboxNetwork, bob: SandboxNetwork) -> None:
    sent = []
    for i in range(45):  # more than two of the sandbox's pages of 20
        sent.append(alice.send_message("bob", f"message {i}"))
    assert [m.id for m in bob.messages(limit=None)] == sent[::-1]
    assert [m.text for m in bob.messages(limit=3)] == ["message 44", "message 43", "message 42"]


def test_recipients_that_cannot_receive(alice: SandboxNetwork) -> None:
    with pytest.raises(NotFound, match="nobody"):
        alice.send_message("nobody", "hello")
    stranger = Account(network="mastodon", id="1", handle="bob@mastodon.example")
    with pytest.raises(InvalidInput, match="mastodon"):
        alice.send_message(stranger, "hello")
    assert list(alice.messages()) == []


def test_a_database_without_messages_reads_an_empty_inbox(tmp_path: Path) -> None:
    net = sandbox(path=tmp_path / "old.db", account="alice")
    net.publish("a database made before anyone sent a message")
    assert list(net.messages()) == []
    net.close()
    again = sandbox(path=tmp_path / "old.db", account="bob")
    again.send_message("alice", "the first message creates the table")
    assert [m.text for m in again.messages()] == ["the first message creates the table"]
    again.close()


def test_messaging_switched_off() -> None:
    net = sandbox(unsupported=["messaging"])
    with pytest.raises(UnsupportedFeature, match="messaging"):
        net.send_message("bob", "hello")
    with pytest.raises(UnsupportedFeature, match="messaging"):
        net.messages()
    net.close()


def test_async_mirror(tmp_path: Path) -> None:
    import asyncio

    from decentsocial import aio

    async def main() -> None:
        async with aio.connect("sandbox", path=tmp_path / "a.db", account="alice") as alice:
            bob = aio.wrap(alice.sync.as_account("bob"))  # type: ignore[attr-defined]
            mid = await alice.send_message("bob", "async hello")
            assert [m.id async for m in bob.messages()] == [mid]
            await bob.close()

    asyncio.run(main())
    assert ds.Message.__name__ == "Message"
