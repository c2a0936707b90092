"""Paging against relays that forge events or cap a filter's ``limit`` (strfry's ``maxFilterLimit``)."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from decentsocial.backends.nostr import NostrNetwork, PrivateKey
from decentsocial.limits import Limits

from .spec_relay import SpecRelay

Make = Callable[..., NostrNetwork]
StartRelay = Callable[..., SpecRelay]


def test_wrongly_signed_events_do_not_hold_a_listing_in_place(make_net: Make, spec_relay: StartRelay) -> None:
    """A relay answering every page with forged events dated at the cursor's ``until`` used to
    move the listing back one second per page (until ``max_pages`` ran out)."""
    honest = spec_relay()
    forger = spec_relay(forge=True)
    key = PrivateKey.generate()
    writer = make_net(key, relays=[honest.url])
    now = int(time.time())
    for age in (5, 60, 300, 600, 1200, 1800, 3600, 5400, 7200):
        honest.store(writer.sign(1, f"note {age}", (), now - age).to_json())
    reader = make_net(key, relays=[honest.url, forger.url], page_size=5, limits=Limits(max_pages=40))
    texts = [p.text for p in reader.posts(limit=None)]
    assert len(texts) == 9
    assert texts[0] == "note 5"
    assert texts[-1] == "note 7200"
    assert len(forger.requests) < 20


@pytest.mark.parametrize(("cap", "announced"), [(450, True), (500, False)])
def test_a_relay_capping_the_limit_does_not_end_a_listing_early(
    make_net: Make, spec_relay: StartRelay, cap: int, announced: bool
) -> None:
    """700 notes on a relay sending at most ``cap`` per filter, read 1,000 a page: all 700 (its
    NIP-11 ``max_limit``, or a round figure it does not announce); the listing used to end at the cap."""
    relay = spec_relay(max_limit=cap, announce_max_limit=announced)
    key = PrivateKey.generate()
    writer = make_net(key, relays=[relay.url])
    now = int(time.time())
    for i in range(700):
        relay.store(writer.sign(1, f"n{i}", (), now - 3600 + i * 3).to_json())
    reader = make_net(key, relays=[relay.url], page_size=1000)
    assert len({p.id for p in reader.posts(limit=None)}) == 700


def test_a_burst_in_one_second_on_a_capped_relay_does_not_end_a_listing(
    make_net: Make, spec_relay: StartRelay
) -> None:
    """400 notes of one second, then 300 older, default settings, a relay capping at 500: the
    second page asks for 601, gets 500, and used to take that for the end."""
    relay = spec_relay(max_limit=500)
    key = PrivateKey.generate()
    writer = make_net(key, relays=[relay.url])
    now = int(time.time())
    tags = (("t", "launch"),)
    for i in range(400):
        relay.store(writer.sign(1, f"burst {i}", tags, now - 100).to_json())
    for i in range(300):
        relay.store(writer.sign(1, f"older {i}", tags, now - 5000 + i).to_json())
    reader = make_net(key, relays=[relay.url])
    assert len({p.id for p in reader.posts(limit=None)}) == 700
    assert len({p.id for p in reader.search("#launch", limit=None)}) == 700
