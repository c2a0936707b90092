"""A message the relays took only in part: the sender can still see it, as docs/messages.md promises.

``send_message`` raises ``NetworkUnavailable`` when fewer than ``min_accepted``
relays confirm the recipient's wrap. The documented way on is to look in
``messages()`` before sending again; the copy to self used to be published only
after a confirmed delivery, so a message a relay did hold never showed there and
the resend reached the recipient twice.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from decentsocial import NetworkUnavailable
from decentsocial.backends.nostr import NostrNetwork, PrivateKey
from decentsocial.backends.nostr.events import Event, PublishOutcome

from .spec_relay import SpecRelay

MakeNet = Callable[..., NostrNetwork]


def test_a_message_one_relay_took_is_in_the_senders_messages(
    make_net: MakeNet, relay_url: str, spec_relay: Callable[..., SpecRelay]
) -> None:
    silent = spec_relay(silent=True)  # stores what it is sent, never answers
    alice_key, bob_key = PrivateKey.generate(), PrivateKey.generate()
    alice = make_net(
        alice_key, relays=[relay_url, silent.url], min_accepted=2, timeout=1.0, retry={"attempts": 1}
    )
    bob = make_net(bob_key, relays=[relay_url])
    with pytest.raises(NetworkUnavailable) as caught:
        alice.send_message(bob_key.public_key, "your refund is approved")
    assert caught.value.sent
    delivered = [(m.id, m.text) for m in bob.messages()]
    assert [text for _, text in delivered] == ["your refund is approved"]  # it did arrive
    reader = make_net(alice_key, relays=[relay_url])  # the sender looks, as the docs say to
    assert [(m.id, m.text) for m in reader.messages()] == delivered


def test_a_message_no_relay_took_is_not_listed(
    make_net: MakeNet, spec_relay: Callable[..., SpecRelay]
) -> None:
    """Nothing confirms the wrap and no relay answers a look-up: no copy claims it was sent."""
    silent = spec_relay(silent=True)
    alice_key, bob_key = PrivateKey.generate(), PrivateKey.generate()
    alice = make_net(alice_key, relays=[silent.url], timeout=0.5, retry={"attempts": 1})
    with pytest.raises(NetworkUnavailable):
        alice.send_message(bob_key.public_key, "maybe lost")
    assert len(silent.received) == 1  # the recipient's wrap only, not the copy to self


def test_a_lost_ok_for_a_wrap_the_relay_serves(make_net: MakeNet, monkeypatch: pytest.MonkeyPatch) -> None:
    """The relay stored the recipient's wrap but its OK was lost: the relay, asked, serves it."""
    alice_key, bob_key = PrivateKey.generate(), PrivateKey.generate()
    alice, bob = make_net(alice_key), make_net(bob_key)
    publish = alice.publish_event
    lost: list[str] = []

    def publish_losing_the_first_ok(event: Event) -> tuple[PublishOutcome, ...]:
        outcomes = publish(event)
        if not lost:
            lost.append(event.id)
            alice.last_publish = ()
            raise NetworkUnavailable("no OK from the relay", network="nostr")
        return outcomes

    monkeypatch.setattr(alice, "publish_event", publish_losing_the_first_ok)
    with pytest.raises(NetworkUnavailable):
        alice.send_message(bob_key.public_key, "the parcel left today")
    [received] = bob.messages()
    assert [(m.id, m.text) for m in alice.messages()] == [(received.id, "the parcel left today")]
