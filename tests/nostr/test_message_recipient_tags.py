"""A stranger's rumor with odd ``p`` tags must not break the inbox, nor split a conversation.

The rumor inside a gift wrap is whatever its sender wrote. Its ``p`` tags
used to become ``Account``s as they were: a value that is not hex made
``messages()`` raise a bare ``ValueError`` (any stranger could break anyone's
inbox with one wrap), and an upper-case key gave another conversation id
than the same key in lower case.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable

import pytest

from decentsocial import Account
from decentsocial.backends.nostr import NostrNetwork, PrivateKey
from decentsocial.backends.nostr.dm import KIND_GIFT_WRAP, KIND_PRIVATE_MESSAGE, gift_wrap
from decentsocial.backends.nostr.events import event_id

MakeNet = Callable[..., NostrNetwork]


def rumor(author: str, p_values: list[str], text: str, created_at: int) -> str:
    tags = tuple(("p", p) for p in p_values)
    return json.dumps(
        {
            "id": event_id(author, created_at, KIND_PRIVATE_MESSAGE, tags, text),
            "pubkey": author,
            "created_at": created_at,
            "kind": KIND_PRIVATE_MESSAGE,
            "tags": [list(t) for t in tags],
            "content": text,
        }
    )


def test_a_p_tag_that_is_not_a_key_does_not_break_the_inbox(
    make_net: MakeNet, caplog: pytest.LogCaptureFixture
) -> None:
    bob_key, mallory_key, alice_key = PrivateKey.generate(), PrivateKey.generate(), PrivateKey.generate()
    bob, mallory, alice = make_net(bob_key), make_net(mallory_key), make_net(alice_key)
    genuine = alice.send_message(bob_key.public_key, "your parcel left the depot")
    now = int(time.time())
    for junk in ("zz", "", "ab", "0x" + "1" * 62):
        wrap = gift_wrap(
            mallory_key,
            rumor(mallory_key.public_key, [bob_key.public_key, junk], "call me 0199", now),
            bob_key.public_key,
            now,
        )
        mallory.publish_event(wrap)
    with caplog.at_level(logging.DEBUG, logger="decentsocial"):
        received = list(bob.messages(limit=None))
    assert genuine in [m.id for m in received]
    from_mallory = [m for m in received if m.sender.id == mallory_key.public_key]
    assert len(from_mallory) == 4  # the messages are kept: only the tags that are no key are left out
    for message in from_mallory:
        assert [r.id for r in message.recipients] == [bob_key.public_key]
    assert "call me 0199" not in caplog.text


def test_an_upper_case_key_is_the_same_participant(make_net: MakeNet) -> None:
    bob_key, carol_key = PrivateKey.generate(), PrivateKey.generate()
    bob, carol = make_net(bob_key), make_net(carol_key)
    now = int(time.time())
    shouted = gift_wrap(
        carol_key,
        rumor(carol_key.public_key, [bob_key.public_key.upper()], "HELLO", now),
        bob_key.public_key,
        now,
    )
    carol.publish_event(shouted)
    carol.send_message(bob_key.public_key, "hello")
    first, second = list(bob.messages())
    assert first.conversation_id == second.conversation_id
    assert [r.id for r in first.recipients] == [r.id for r in second.recipients] == [bob_key.public_key]
    assert first.recipients[0].handle == bob_key.npub


def test_an_account_with_an_upper_case_key_receives_the_message(make_net: MakeNet) -> None:
    """Relays match ``#p`` filters exactly: a wrap tagged with the upper-case key reached no one."""
    alice_key, bob_key = PrivateKey.generate(), PrivateKey.generate()
    alice, bob = make_net(alice_key), make_net(bob_key)
    to = Account(network="nostr", id=bob_key.public_key.upper(), handle=bob_key.npub)
    message_id = alice.send_message(to, "the code is 4711")
    assert [(m.id, m.text) for m in bob.messages()] == [(message_id, "the code is 4711")]
    wraps = bob.transport.query([{"kinds": [KIND_GIFT_WRAP], "#p": [bob_key.public_key]}]).events
    assert len(wraps) == 1
