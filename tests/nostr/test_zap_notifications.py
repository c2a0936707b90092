"""Zaps: one paid invoice is one notification, and a note is zapped however its id is written."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import decentsocial as ds
from decentsocial.backends.nostr import NostrNetwork
from decentsocial.backends.nostr.events import sign_event
from decentsocial.backends.nostr.keys import encode_note
from tests.servers.nostr import LnurlDirectory

from .zapkit import LnurlServer


def _zappable(
    make_net: Callable[..., NostrNetwork], lnurl: LnurlDirectory
) -> tuple[NostrNetwork, NostrNetwork, NostrNetwork, LnurlServer]:
    """Alice, whose LNURL server takes zaps; Bob; the server's publishing connection; the server."""
    server = LnurlServer()
    address = f"alice{os.urandom(4).hex()}@ln.example.test"
    lnurl.entries[address] = server.pay
    alice, bob, publisher = make_net(), make_net(), make_net(key=server.key)
    alice.set_profile(name="أليس", lud16=address)
    return alice, bob, publisher, server


def test_a_receipt_published_again_is_notified_once(
    make_net: Callable[..., NostrNetwork], lnurl: LnurlDirectory
) -> None:
    alice, bob, publisher, server = _zappable(make_net, lnurl)
    post = alice.publish("zap me 🎉")
    receipt = server.receipt(bob.zap_request(post, "21 SAT", "great").event, 21_000)
    again = sign_event(server.key, 9735, "", receipt.tags, receipt.created_at + 1)  # a retried publish
    publisher.publish_event(receipt)
    publisher.publish_event(again)
    publisher.publish_event(server.receipt(bob.zap_request(post, "5 SAT").event, 5_000))  # another payment

    zaps = [n for n in alice.notifications(limit=None) if n.kind == "zap"]
    assert sorted(n.amount.value for n in zaps if n.amount) == [Decimal(5), Decimal(21)]
    assert alice.rewards(post).total("SAT") == ds.Amount(value=Decimal(26), asset="SAT")  # the same figure


def test_a_note_given_as_an_upper_case_id_is_zapped(
    make_net: Callable[..., NostrNetwork], lnurl: LnurlDirectory
) -> None:
    """QR codes write NIP-19 ids in upper case: ``NOTE1…`` is the note, not an account."""
    alice, bob, _, _ = _zappable(make_net, lnurl)
    post = alice.publish("zap me")
    note = encode_note(post.id)
    for ref in (note.upper(), f"NOSTR:{note.upper()}"):
        request = json.loads(parse_qs(urlsplit(bob.tip(ref, "21 SAT")).query)["nostr"][0])
        assert ["e", post.id] in request["tags"]
        assert ["p", alice.public_key] in request["tags"]
