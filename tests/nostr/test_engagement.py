"""A note's engagement on nostr-relay: likes, reposts, replies, quotes and zaps counted from real events."""

from __future__ import annotations

import os
from collections.abc import Callable
from decimal import Decimal

import decentsocial as ds
from decentsocial.backends.nostr import NostrNetwork
from decentsocial.backends.nostr.events import KIND_REACTION
from tests.servers.nostr import LnurlDirectory

from .zapkit import LnurlServer


def test_every_kind_of_engagement_is_counted_once(
    make_net: Callable[..., NostrNetwork], lnurl: LnurlDirectory
) -> None:
    server = LnurlServer()
    alice, bob, carol = make_net(), make_net(), make_net()
    address = f"alice{os.urandom(4).hex()}@ln.example.test"
    lnurl.entries[address] = server.pay
    alice.set_profile(name="alice", lud16=address)
    receipts = make_net(key=server.key)  # the LNURL server publishes its receipts

    note = alice.publish("a note to engage with, مرحبا")
    assert alice.get_post(note.id).metrics == ds.Engagement(likes=0, reposts=0, replies=0, quotes=0)
    assert alice.get_post(note.id).reward is None

    bob.like(note)
    bob.like(note)  # one author, one like
    carol.like(note)
    dislike = carol.sign(KIND_REACTION, "-", (("e", note.id), ("p", alice.public_key)))
    carol.publish_event(dislike)  # a "-" reaction is not a like
    bob.repost(note)
    reply = bob.reply(note, "a reply")
    alice.reply(reply, "an answer to the reply: a reply to the reply, not to the note")
    carol.publish(ds.Draft(text="quoting it", quote_of=note.id))
    zap = bob.zap_request(note, "21 SAT", "great")
    receipts.publish_event(server.receipt(zap.event, 21_000))

    post = carol.get_post(note.id)  # anyone reading sees the counts
    assert post.metrics == ds.Engagement(likes=2, reposts=1, replies=1, quotes=1)
    assert post.reward is not None
    assert post.reward.total("SAT") == ds.Amount(value=Decimal(21), asset="SAT")

    carol.unlike(note)  # a NIP-09 deletion of carol's reactions
    assert alice.get_post(note.id).metrics.likes == 1
