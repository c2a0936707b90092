"""Zap receipts without Lightning: throwaway keys sign the invoice (node) and the receipt (LNURL)."""

from __future__ import annotations

import hashlib
import json
import os
import time

import bolt11
from bolt11.models.tags import TagChar, Tags
from bolt11.types import MilliSatoshi

from decentsocial.backends.nostr import Event, LnurlPay, PrivateKey
from decentsocial.backends.nostr.events import sign_event


class LnurlServer:
    """What a recipient's LNURL server does after an invoice is paid: sign a receipt."""

    def __init__(self) -> None:
        self.key = PrivateKey.generate()  # signs receipts (nostrPubkey)
        self.node_key = os.urandom(32).hex()  # signs invoices (the Lightning node)
        self.pay = LnurlPay(
            callback="https://ln.example.test/callback",
            min_sendable=1_000,
            max_sendable=10_000_000,
            allows_nostr=True,
            nostr_pubkey=self.key.public_key,
            lnurl="LNURL1TEST",
        )

    def invoice(self, amount_msat: int | None, description: str, node_key: str | None = None) -> str:
        tags = Tags()
        tags.add(TagChar.payment_hash, os.urandom(32).hex())
        tags.add(TagChar.payment_secret, os.urandom(32).hex())
        tags.add(TagChar.description_hash, hashlib.sha256(description.encode()).hexdigest())
        invoice = bolt11.Bolt11(
            currency="bc",
            date=int(time.time()),
            tags=tags,
            amount_msat=MilliSatoshi(amount_msat) if amount_msat else None,
        )
        return bolt11.encode(invoice, private_key=node_key or self.node_key)

    def receipt(
        self,
        request: Event,
        amount_msat: int,
        *,
        signer: PrivateKey | None = None,
        invoice_description: str | None = None,
    ) -> Event:
        description = json.dumps(request.to_json(), separators=(",", ":"))
        invoice = self.invoice(amount_msat, invoice_description or description)
        tags: list[tuple[str, ...]] = [("p", request.tag_values("p")[0])]
        tags += [("e", e) for e in request.tag_values("e")[:1]]
        tags += [("P", request.pubkey), ("bolt11", invoice), ("description", description)]
        return sign_event(signer or self.key, 9735, "", tuple(tags), int(time.time()))
