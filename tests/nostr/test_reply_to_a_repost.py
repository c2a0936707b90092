"""A repost reads as the note it reposts (by its author, ``reposted_by`` the reposter): a reply to it, or
a quote of it, answers that note, so it shows in the note's thread and counts among its replies; a like,
a repost or a zap of it is of that note too, as a boost is on other networks."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

import decentsocial as ds
from decentsocial.backends.nostr import NostrNetwork, PrivateKey
from decentsocial.backends.nostr.events import KIND_DELETE, KIND_REPOST
from decentsocial.backends.nostr.keys import encode_note
from tests.servers.nostr import LnurlDirectory

from .spec_relay import SpecRelay
from .zapkit import LnurlServer

Make = Callable[..., NostrNetwork]


def test_a_reply_to_a_repost_answers_the_reposted_note(
    make_net: Make, spec_relay: Callable[..., SpecRelay]
) -> None:
    relay = spec_relay()
    alice, bob, carol = (make_net(relays=[relay.url]) for _ in range(3))
    note = alice.publish("the note")
    repost = bob.repost(note.id)
    assert repost is not None
    assert (repost.author.id, repost.text) == (alice.public_key, "the note")  # what carol sees and answers
    reply = carol.reply(repost, "an answer to alice")
    quote = carol.publish(ds.Draft(text="look", quote_of=repost.id))
    assert (reply.reply_to, reply.root_id, quote.quote_of) == (note.id, note.id, note.id)
    assert [p.id for p in alice.thread(note.id)] == [note.id, reply.id]
    metrics = alice.get_post(note.id).metrics
    assert metrics is not None
    assert (metrics.replies, metrics.quotes) == (1, 1)


def test_a_like_repost_or_zap_of_a_repost_is_of_the_reposted_note(
    make_net: Make, spec_relay: Callable[..., SpecRelay], lnurl: LnurlDirectory
) -> None:
    relay = spec_relay()
    alice, bob, carol = (make_net(relays=[relay.url]) for _ in range(3))
    lnurl.entries["alice@ln.example.test"] = LnurlServer().pay
    alice.set_profile(lud16="alice@ln.example.test")
    note = alice.publish("the note")
    repost = bob.repost(note.id)
    assert repost is not None
    carol.like(repost)
    again = carol.repost(repost)
    assert again is not None
    assert again.raw is not None
    assert again.raw["reposted"] == note.id
    metrics = alice.get_post(note.id).metrics
    assert metrics is not None
    assert (metrics.likes, metrics.reposts) == (1, 2)
    assert sorted(n.kind for n in alice.notifications(limit=None)) == ["like", "repost", "repost"]
    for to in (repost, repost.id, encode_note(repost.id)):
        request = carol.zap_request(to, "21 SAT")
        assert (request.recipient, request.event.tag_values("e")) == (alice.public_key, [note.id])
    carol.unlike(repost)
    metrics = alice.get_post(note.id).metrics
    assert metrics is not None
    assert metrics.likes == 0


def test_a_repost_of_a_note_the_relays_do_not_hold_is_answered_from_its_signed_copy(
    make_net: Make, spec_relay: Callable[..., SpecRelay]
) -> None:
    elsewhere, here = spec_relay(), spec_relay()
    key = PrivateKey.generate()
    alice, alice_here = make_net(key, relays=[elsewhere.url]), make_net(key, relays=[here.url])
    bob, carol = make_net(relays=[here.url]), make_net(relays=[here.url])
    note = alice.publish("published elsewhere")
    repost = bob.sign(
        KIND_REPOST, json.dumps(elsewhere.events[note.id]), (("e", note.id), ("p", key.public_key))
    )
    bob.publish_event(repost)
    reply = carol.reply(repost.id, "an answer")
    assert (reply.reply_to, reply.root_id) == (note.id, note.id)
    alice_here.publish_event(alice_here.sign(KIND_DELETE, "", (("e", note.id),)))
    with pytest.raises(ds.NotFound):
        carol.reply(repost.id, "too late: alice deleted it")
