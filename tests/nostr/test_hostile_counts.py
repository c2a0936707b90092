"""A NIP-45 ``COUNT`` a relay answers is a count only if a signed 64-bit integer holds it: a relay's
``2**63`` or ``10**20`` quotes is no figure (it would break a SQLite write or a sum later), so the
quotes are counted from the events instead, as for any other answer that is not an exact count."""

from __future__ import annotations

from collections.abc import Callable

import pytest

import decentsocial as ds
from decentsocial.backends.nostr import NostrNetwork

from .spec_relay import SpecRelay
from .test_engagement import _engage


@pytest.mark.parametrize("count", [2**63, 10**20, 2**70])
def test_a_count_past_64_bits_falls_back_to_the_query(
    make_net: Callable[..., NostrNetwork], spec_relay: Callable[..., SpecRelay], count: int
) -> None:
    relay = spec_relay(nip45=True, nip09=True, count_body={"count": count})
    note_id, _, _ = _engage(make_net, [relay.url])
    assert make_net(relays=[relay.url]).get_post(note_id).metrics == ds.Engagement(
        likes=2, reposts=0, replies=1, quotes=2
    )
    assert len(relay.count_requests) == 1


def test_the_largest_count_is_taken(
    make_net: Callable[..., NostrNetwork], spec_relay: Callable[..., SpecRelay]
) -> None:
    relay = spec_relay(nip45=True, nip09=True, count_body={"count": 2**63 - 1})
    note_id, _, _ = _engage(make_net, [relay.url])
    assert make_net(relays=[relay.url]).get_post(note_id).metrics.quotes == 2**63 - 1
