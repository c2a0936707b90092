"""A note's engagement on nostr-relay: likes, reposts, replies, quotes and zaps counted from real events."""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable
from decimal import Decimal

import pytest

import decentsocial as ds
from decentsocial.backends.nostr import NostrNetwork
from decentsocial.backends.nostr.events import KIND_REACTION
from tests.servers.nostr import LnurlDirectory

from .spec_relay import SpecRelay
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


def _engage(
    make_net: Callable[..., NostrNetwork], relays: list[str]
) -> tuple[str, NostrNetwork, NostrNetwork]:
    """A note on ``relays`` with 2 live quotes, 1 deleted quote, a reply, a reply to it and 2 likes."""
    alice, bob, carol = (make_net(relays=relays) for _ in range(3))
    note = alice.publish("a note to quote, مرحبا")
    bob.publish(ds.Draft(text="quoting it", quote_of=note.id))
    carol.publish(ds.Draft(text="quoting it too", quote_of=note.id))
    gone = carol.publish(ds.Draft(text="a quote regretted", quote_of=note.id))
    carol.delete(gone)
    reply = bob.reply(note, "a reply")
    alice.reply(reply, "a reply to the reply: it names the note as its root")
    bob.like(note)
    carol.like(note)
    return note.id, alice, bob


def test_quotes_counted_by_the_relay_agree_with_the_bounded_query(
    make_net: Callable[..., NostrNetwork], spec_relay: Callable[..., SpecRelay]
) -> None:
    counting = spec_relay(nip45=True, nip09=True)  # exact: it announces NIP-45 and drops deleted events
    plain = spec_relay()  # neither: the deleted quote stays there, the client hides it
    note_id, _, _ = _engage(make_net, [counting.url, plain.url])

    by_count = make_net(relays=[counting.url]).get_post(note_id).metrics
    by_query = make_net(relays=[plain.url]).get_post(note_id).metrics
    assert by_count == by_query == ds.Engagement(likes=2, reposts=0, replies=1, quotes=2)

    (counted,) = counting.count_requests  # bounded as a query is: test_future_dated_quote_count.py
    assert counted == [{"kinds": [1], "#q": [note_id], "limit": 5000, "until": counted[0]["until"]}]
    assert counted[0]["until"] > time.time()
    asked = [f for request in counting.requests for f in request]
    assert not any("#q" in f for f in asked), "the quotes came from COUNT, not from the query"
    assert plain.count_requests == [], "a relay not announcing NIP-45 is never sent COUNT"
    assert any("#q" in f for request in plain.requests for f in request)


def test_count_is_asked_only_where_it_is_exact(
    make_net: Callable[..., NostrNetwork], spec_relay: Callable[..., SpecRelay]
) -> None:
    keeps_deleted = spec_relay(nip45=True)  # counts, but would count the deleted quote
    first, second = spec_relay(nip45=True, nip09=True), spec_relay(nip45=True, nip09=True)
    note_id, _, _ = _engage(make_net, [keeps_deleted.url, first.url, second.url])

    expected = ds.Engagement(likes=2, reposts=0, replies=1, quotes=2)
    assert make_net(relays=[keeps_deleted.url]).get_post(note_id).metrics == expected
    # Two relays: their counts cannot be merged (an event on both would count twice).
    assert make_net(relays=[first.url, second.url]).get_post(note_id).metrics == expected
    assert keeps_deleted.count_requests == first.count_requests == second.count_requests == []


def test_a_relay_that_announces_count_but_answers_none_falls_back_to_the_query(
    make_net: Callable[..., NostrNetwork], spec_relay: Callable[..., SpecRelay]
) -> None:
    liar = spec_relay(nip09=True, supported_nips=[1, 9, 11, 45])  # announces 45, answers CLOSED
    note_id, _, _ = _engage(make_net, [liar.url])
    assert make_net(relays=[liar.url]).get_post(note_id).metrics == ds.Engagement(
        likes=2, reposts=0, replies=1, quotes=2
    )
    assert len(liar.count_requests) == 1
    assert any("#q" in f for request in liar.requests for f in request)


@pytest.mark.parametrize(
    "body",
    [
        {"count": 99, "approximate": True},  # NIP-45: an estimate is not the figure
        {"count": "99"},
        {"count": -1},
        {"count": True},
        {"count": 2.5},
        {},
        [99],
    ],
)
def test_a_count_that_is_not_exact_falls_back_to_the_query(
    make_net: Callable[..., NostrNetwork], spec_relay: Callable[..., SpecRelay], body: object
) -> None:
    relay = spec_relay(nip45=True, nip09=True, count_body=body)
    note_id, _, _ = _engage(make_net, [relay.url])
    assert make_net(relays=[relay.url]).get_post(note_id).metrics == ds.Engagement(
        likes=2, reposts=0, replies=1, quotes=2
    )
    assert len(relay.count_requests) == 1


@pytest.mark.parametrize("nip09", [False, True])
def test_like_unlike_like_in_one_second_leaves_a_like(
    make_net: Callable[..., NostrNetwork], spec_relay: Callable[..., SpecRelay], nip09: bool
) -> None:
    """The second like used to be the deleted first one again (same second, same id): a relay
    keeping deleted events answered "duplicate" and the like was lost. Reposts alike."""
    relay = spec_relay(nip09=nip09)
    author, fan = make_net(relays=[relay.url]), make_net(relays=[relay.url])
    note = author.publish("like me")
    second = int(note.created_at.timestamp()) + 5
    fan._now = functools.partial(int, second)  # type: ignore[method-assign]
    fan.like(note.id)
    fan.unlike(note.id)
    fan.like(note.id)
    metrics = fan.get_post(note.id).metrics
    assert metrics is not None
    assert metrics.likes == 1
    repost = fan.repost(note.id)
    assert repost is not None
    fan.delete(repost.id)
    again = fan.repost(note.id)
    assert again is not None
    assert again.id != repost.id
    metrics = fan.get_post(note.id).metrics
    assert metrics is not None
    assert metrics.reposts == 1
