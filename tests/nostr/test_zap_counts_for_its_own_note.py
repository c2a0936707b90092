"""A zap counts for the note it zapped, not for every note its receipt's ``e`` tags name.

A relay finds a note's receipts by ``#e``, which matches any ``e`` tag. The
receipt's zapped note is its first ``e`` tag (the one its zap request names),
but every receipt the filter found was summed: a zap request naming two notes
of one author (NIP-57 allows one), copied by an LNURL server into its receipt,
made one payment count in full for both notes' ``rewards`` and ``get_post``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from decimal import Decimal

import decentsocial as ds
from decentsocial.backends.nostr import NostrNetwork, PrivateKey
from decentsocial.backends.nostr.events import sign_event
from tests.servers.nostr import LnurlDirectory

from .zapkit import LnurlServer


def test_a_receipt_naming_two_notes_counts_only_for_the_zapped_one(
    make_net: Callable[..., NostrNetwork], lnurl: LnurlDirectory
) -> None:
    alice, bob_key = make_net(), PrivateKey.generate()
    server = LnurlServer()
    address = f"alice{os.urandom(4).hex()}@ln.example.test"
    lnurl.entries[address] = server.pay
    alice.set_profile(name="alice", lud16=address)
    publisher = make_net(key=server.key)  # the LNURL server publishes its receipts
    zapped, other = alice.publish("zap this one"), alice.publish("not this one")

    tags = (("relays", "ws://127.0.0.1:1"), ("amount", "21000"), ("p", alice.public_key))
    request = sign_event(bob_key, 9734, "", (*tags, ("e", zapped.id), ("e", other.id)), 1_700_000_000)
    receipt = server.receipt(request, 21_000)  # the receipt's first e tag: the zapped note
    copied_all = sign_event(  # an LNURL server that copies every e tag of the request
        server.key, 9735, "", (*receipt.tags, ("e", other.id)), receipt.created_at
    )
    publisher.publish_event(copied_all)

    sats = ds.Amount(value=Decimal(21), asset="SAT")
    assert alice.rewards(zapped).total("SAT") == sats
    read = alice.get_post(zapped.id).reward
    assert read is not None
    assert read.total("SAT") == sats
    assert alice.rewards(other).status == "none"
    reward = alice.get_post(other.id).reward
    assert reward is None or reward.status == "none"
    assert alice.pending_rewards().total("SAT") == sats  # the account was paid once
