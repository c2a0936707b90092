"""A flood of quotes dated ahead of the clock cannot inflate a note's quote count.

Every relay query asks for nothing dated past what the client keeps (its
``until``: now + ``max_clock_lead`` + 60 s), and drops what comes dated later.
The NIP-45 ``COUNT`` of a note's quotes (asked of a single relay announcing
NIP-45 and NIP-09) had no ``until``: an author publishing validly signed
quotes dated a year ahead made ``get_post`` report every one of them.

The session's nostr-relay does not do NIP-45 (it neither announces 45 nor
answers ``COUNT``), so there the quotes are counted from the bounded query;
the ``COUNT`` itself is tested on the spec relay (``spec_relay.py``, a real
websocket relay written to NIP-01 and NIP-45), which counts what a ``COUNT``'s
filters match, ``until`` included.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

import decentsocial as ds
from decentsocial.backends.nostr import NostrNetwork

from .spec_relay import SpecRelay

Make = Callable[..., NostrNetwork]

FLOOD = 30
#: nostr-relay refuses notes dated over an hour ahead; the spec relay stores any date.
HALF_AN_HOUR, A_YEAR = 1800, 365 * 24 * 3600


def _quoted_under_a_flood(make_net: Make, relay: str, ahead: int) -> str:
    """A note on ``relay`` with 2 real quotes and ``FLOOD`` signed quotes dated ``ahead`` seconds on."""
    alice, bob, mallory = (make_net(relays=[relay]) for _ in range(3))
    note = alice.publish("a note to quote, مرحبا")
    bob.publish(ds.Draft(text="quoting it", quote_of=note.id))
    bob.publish(ds.Draft(text="quoting it again", quote_of=note.id))
    later = int(time.time()) + ahead
    for i in range(FLOOD):
        tags = (("q", note.id, relay, alice.public_key), ("p", alice.public_key))
        mallory.publish_event(mallory.sign(1, f"from the future {i} nostr:{note.id}", tags, later + i))
    return note.id


def test_a_relay_count_leaves_out_quotes_dated_ahead(
    make_net: Make, spec_relay: Callable[..., SpecRelay]
) -> None:
    relay = spec_relay(nip45=True, nip09=True)
    note_id = _quoted_under_a_flood(make_net, relay.url, A_YEAR)
    reader = make_net(relays=[relay.url], max_clock_lead=60)
    asked_at = int(time.time())
    metrics = reader.get_post(note_id).metrics
    assert metrics is not None
    assert metrics.quotes == 2
    # The quotes came from COUNT (not from the query), bounded as a query is.
    assert len(relay.count_requests) == 1
    (counted,) = relay.count_requests[0]
    assert counted["#q"] == [note_id]
    assert asked_at + 60 + 60 <= counted["until"] <= int(time.time()) + 60 + 60
    assert not any("#q" in f for request in relay.requests for f in request)


def test_a_count_keeps_an_earlier_until_of_its_own(
    make_net: Make, spec_relay: Callable[..., SpecRelay]
) -> None:
    """A filter asking for less than the bound keeps its own ``until`` (it is only ever lowered)."""
    relay = spec_relay(nip45=True, nip09=True)
    reader = make_net(relays=[relay.url])
    assert reader.transport.count([{"kinds": [1], "until": 1_000}], relay.url) == 0
    assert relay.count_requests == [[{"kinds": [1], "until": 1_000}]]


def test_on_nostr_relay_the_quotes_are_counted_from_the_bounded_query(make_net: Make, relay_url: str) -> None:
    info = httpx.get(
        relay_url.replace("ws", "http", 1), headers={"Accept": "application/nostr+json"}, timeout=10
    )
    assert 45 not in info.json().get("supported_nips", []), "nostr-relay now does NIP-45: test COUNT on it"
    note_id = _quoted_under_a_flood(make_net, relay_url, HALF_AN_HOUR)
    metrics = make_net().get_post(note_id).metrics
    assert metrics is not None
    assert metrics.quotes == 2
