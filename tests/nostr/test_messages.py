"""NIP-17 direct messages on the real relay: two keys, gift wraps, seals, forgeries dropped."""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import Callable

import pytest

from decentsocial import ContentRejected, InvalidInput
from decentsocial.backends.nostr import NostrNetwork, PrivateKey, nip44
from decentsocial.backends.nostr.dm import (
    DATE_JITTER,
    KIND_GIFT_WRAP,
    KIND_PRIVATE_MESSAGE,
    KIND_SEAL,
    MESSAGE_LIMIT,
    gift_wrap,
    unwrap,
)
from decentsocial.backends.nostr.events import Event, event_id, sign_event

from .spec_relay import SpecRelay

MakeNet = Callable[..., NostrNetwork]


def wraps_for(net: NostrNetwork, pubkey: str) -> list[Event]:
    return net.transport.query([{"kinds": [KIND_GIFT_WRAP], "#p": [pubkey]}]).events


def rumor_json(author: str, to: str, text: str, created_at: int, kind: int = KIND_PRIVATE_MESSAGE) -> str:
    tags = (("p", to),)
    return json.dumps(
        {
            "id": event_id(author, created_at, kind, tags, text),
            "pubkey": author,
            "created_at": created_at,
            "kind": kind,
            "tags": [list(t) for t in tags],
            "content": text,
        }
    )


def test_round_trip_between_two_keys(make_net: MakeNet) -> None:
    alice_key, bob_key = PrivateKey.generate(), PrivateKey.generate()
    alice, bob = make_net(alice_key), make_net(bob_key)
    before = int(time.time())
    text = "طلبك رقم ٤٢ في الطريق 📦"
    message_id = alice.send_message(bob_key.npub, text)
    received = list(bob.messages())
    assert [(m.id, m.text) for m in received] == [(message_id, text)]
    message = received[0]
    assert message.sender.id == alice_key.public_key
    assert [r.id for r in message.recipients] == [bob_key.public_key]
    assert before <= message.created_at.timestamp() <= time.time()
    # The sender keeps a copy, wrapped to itself: the same message, the same conversation.
    sent = list(alice.messages())
    assert [(m.id, m.text, m.conversation_id) for m in sent] == [(message_id, text, message.conversation_id)]
    # Bob answers a second later (Nostr dates to the second); both see the conversation newest first.
    bob._now = functools.partial(int, int(message.created_at.timestamp()) + 1)  # type: ignore[method-assign]
    answer = bob.send_message(alice.me(), "شكرا")
    assert [m.id for m in alice.messages()] == [answer, message_id]
    assert [m.id for m in bob.messages()] == [answer, message_id]


def test_what_the_relay_sees(make_net: MakeNet) -> None:
    alice_key, bob_key = PrivateKey.generate(), PrivateKey.generate()
    alice = make_net(alice_key)
    text = "the parcel code is 1234"
    now = int(time.time())
    alice.send_message(bob_key.public_key, text)
    to_bob, to_alice = wraps_for(alice, bob_key.public_key), wraps_for(alice, alice_key.public_key)
    assert len(to_bob) == len(to_alice) == 1  # one wrap per recipient, plus one to self
    for wrap, receiver in ((to_bob[0], bob_key), (to_alice[0], alice_key)):
        assert wrap.kind == KIND_GIFT_WRAP
        assert wrap.tags == (("p", receiver.public_key),)
        assert wrap.pubkey not in (alice_key.public_key, bob_key.public_key)  # a one-time key
        assert now - DATE_JITTER <= wrap.created_at <= now + 1
        assert text not in wrap.content
        seal = Event.from_json(
            json.loads(
                nip44.decrypt(wrap.content, nip44.conversation_key(bytes.fromhex(receiver.hex), wrap.pubkey))
            )
        )
        assert seal.kind == KIND_SEAL
        assert seal.problem() is None
        assert seal.pubkey == alice_key.public_key
        assert seal.tags == ()
        assert now - DATE_JITTER <= seal.created_at <= now + 1
        rumor = json.loads(
            nip44.decrypt(seal.content, nip44.conversation_key(bytes.fromhex(receiver.hex), seal.pubkey))
        )
        assert "sig" not in rumor  # a rumor is never signed
        assert (rumor["kind"], rumor["content"], rumor["tags"][0][:2]) == (
            14,
            text,
            ["p", bob_key.public_key],
        )
    assert to_bob[0].pubkey != to_alice[0].pubkey
    # Nothing else carries the text: no note, no reaction.
    assert all(
        text not in e.content for e in alice.transport.query([{"authors": [alice_key.public_key]}]).events
    )


def test_forgeries_and_junk_are_dropped(make_net: MakeNet, caplog: pytest.LogCaptureFixture) -> None:
    alice_key, bob_key, mallory_key = PrivateKey.generate(), PrivateKey.generate(), PrivateKey.generate()
    bob, mallory = make_net(bob_key), make_net(mallory_key)
    now = int(time.time())
    # Mallory seals a rumor that claims to be from alice: the seal's signature is mallory's.
    forged = gift_wrap(
        mallory_key,
        rumor_json(alice_key.public_key, bob_key.public_key, "pay me", now),
        bob_key.public_key,
        now,
    )
    # A genuine message from mallory, a kind-15 rumor, and a wrap that is not NIP-44 at all.
    honest = gift_wrap(
        mallory_key,
        rumor_json(mallory_key.public_key, bob_key.public_key, "hi", now),
        bob_key.public_key,
        now,
    )
    other_kind = gift_wrap(
        mallory_key,
        rumor_json(mallory_key.public_key, bob_key.public_key, "file", now, 15),
        bob_key.public_key,
        now,
    )
    junk = sign_event(
        PrivateKey.generate(), KIND_GIFT_WRAP, "not encrypted", (("p", bob_key.public_key),), now
    )
    # A rumor whose id does not match its content.
    tampered = json.loads(rumor_json(mallory_key.public_key, bob_key.public_key, "original", now))
    tampered["content"] = "changed"
    bad_id = gift_wrap(mallory_key, json.dumps(tampered), bob_key.public_key, now)
    for wrap in (forged, honest, other_kind, junk, bad_id):
        mallory.publish_event(wrap)
    with caplog.at_level(logging.DEBUG, logger="decentsocial"):
        received = list(bob.messages())
    assert [(m.text, m.sender.id) for m in received] == [("hi", mallory_key.public_key)]
    assert "forged" in caplog.text
    for secret in ("pay me", "file", "changed", "original"):
        assert secret not in caplog.text


def test_newest_first_by_the_messages_own_dates(make_net: MakeNet) -> None:
    alice_key, bob_key = PrivateKey.generate(), PrivateKey.generate()
    alice, bob = make_net(alice_key), make_net(bob_key)
    start = int(time.time()) - 600
    sent = []
    for minute in range(4):  # the wraps' dates are random within two days; the messages' are not
        alice._now = functools.partial(int, start + 60 * minute)  # type: ignore[method-assign]
        sent.append(alice.send_message(bob_key.public_key, f"update {minute}"))
    assert [m.id for m in bob.messages()] == sent[::-1]
    assert [m.text for m in bob.messages(limit=2)] == ["update 3", "update 2"]


def test_bad_input_and_recipients_that_cannot_receive(make_net: MakeNet) -> None:
    alice_key, bob_key = PrivateKey.generate(), PrivateKey.generate()
    alice = make_net(alice_key)
    with pytest.raises(ContentRejected, match="limit"):
        alice.send_message(bob_key.public_key, "ا" * (MESSAGE_LIMIT.limit // 2 + 1))  # 2 bytes each
    # Within 24,000 bytes, but not as JSON (6 bytes each, 2 each): the limit, not "does not fit".
    for text in ("\x01" * 20_000, '"' * 24_000, "\\" * 12_001):
        with pytest.raises(ContentRejected, match=r"\(UTF-8, as JSON\), over nostr.s limit of 24000"):
            alice.send_message(bob_key.public_key, text)
    assert MESSAGE_LIMIT.fits('"' * 12_000)
    with pytest.raises(InvalidInput, match="cannot receive"):
        alice.send_message("ff" * 32, "hello")  # 64 hex digits, but no point on the curve
    with pytest.raises(InvalidInput, match="Nostr account"):
        alice.send_message("not-a-key", "hello")
    assert wraps_for(alice, bob_key.public_key) == []
    assert wraps_for(alice, alice_key.public_key) == []


def test_keys_never_logged(make_net: MakeNet, caplog: pytest.LogCaptureFixture) -> None:
    alice_key, bob_key = PrivateKey.generate(), PrivateKey.generate()
    alice, bob = make_net(alice_key), make_net(bob_key)
    with caplog.at_level(logging.DEBUG):
        alice.send_message(bob_key.public_key, "secret text 5678")
        [message] = list(bob.messages())
        logging.getLogger("decentsocial").debug("%r %s", message, message)
    for secret in (alice_key.nsec, alice_key.hex, bob_key.nsec, bob_key.hex, "secret text 5678"):
        assert secret not in caplog.text
    assert "secret text" not in repr(message)


def test_a_seal_nested_too_deep_is_dropped(caplog: pytest.LogCaptureFixture) -> None:
    """JSON deeper than the parser's recursion limit (too big for the test relay, so unwrapped here)."""
    bob_key, throwaway = PrivateKey.generate(), PrivateKey.generate()
    secret = bytes.fromhex(throwaway.hex)
    deep = nip44.encrypt("[" * 30_000 + "]" * 30_000, nip44.conversation_key(secret, bob_key.public_key))
    wrap = sign_event(throwaway, KIND_GIFT_WRAP, deep, (("p", bob_key.public_key),), int(time.time()))
    with caplog.at_level(logging.DEBUG, logger="decentsocial"):
        assert unwrap(wrap, bob_key) is None
    assert "RecursionError" in caplog.text


def test_a_refused_copy_to_self_does_not_fail_a_delivered_message(
    make_net: MakeNet, spec_relay: Callable[..., SpecRelay]
) -> None:
    """The relay takes the recipient's wrap and rate-limits the copy to self: send_message used to
    raise RateLimited, and the caller's retry delivered the message twice."""
    relay = spec_relay(refuse_after=1)
    alice_key, bob_key = PrivateKey.generate(), PrivateKey.generate()
    alice = make_net(alice_key, relays=[relay.url], retry={"attempts": 1})
    bob = make_net(bob_key, relays=[relay.url])
    message_id = alice.send_message(bob_key.npub, "meet at 5")
    assert [(m.id, m.text) for m in bob.messages()] == [(message_id, "meet at 5")]
    assert [o.message for o in alice.last_publish] == ["rate-limited: slow down"]  # the copy's fate
    assert list(alice.messages()) == []
