"""NIP-57 zaps: reading BOLT11 invoices, checking zap receipts, building zap requests.

A zap receipt (kind 9735) is published by the recipient's LNURL server once
an invoice is paid. It is only worth counting when

* its ``bolt11`` invoice is well formed, signed, and carries an amount;
* the invoice's description hash is the sha256 of the receipt's
  ``description`` (the zap request the payer signed);
* that zap request (kind 9734) has a sound id and signature, zaps the same
  recipient (and event) as the receipt, and asked for the invoiced amount;
* the receipt is signed by the ``nostrPubkey`` the recipient's LNURL server
  announces (looked up through a pluggable resolver).

Paying is the wallet's job: ``tip`` only builds the zap request and the
callback URL that a wallet calls to get the invoice.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

import coincurve

from ...errors import InvalidInput
from ...models import Amount, Reward, RewardPart
from .events import Event
from .keys import InvalidKey, bech32_decode_words, bech32_encode, convert_bits, encode_npub

__all__ = [
    "Invoice",
    "LnurlPay",
    "LnurlResolver",
    "ZapCheck",
    "ZapRequest",
    "check_zap_receipt",
    "decode_invoice",
    "lnurl_encode",
    "sats",
    "to_msat",
    "zap_callback_url",
    "zap_reward",
]

_HRP = re.compile(r"^ln(bc|tb|bcrt|tbs|sb)(?P<amount>[0-9]+[munp]?)?$")
_MULTIPLIER_MSAT = {
    "": Decimal(10) ** 11,
    "m": Decimal(10) ** 8,
    "u": Decimal(10) ** 5,
    "n": Decimal(100),
    "p": Decimal("0.1"),
}
_TAG_DESCRIPTION_HASH = 23  # 'h'
_TAG_PAYEE = 19  # 'n'


@dataclass(frozen=True)
class Invoice:
    """The parts of a BOLT11 invoice a zap check needs."""

    amount_msat: int | None
    description_hash: str | None
    payee: str  # node public key (hex, compressed), recovered from the signature
    timestamp: int


def decode_invoice(text: str) -> Invoice:
    """Decode a BOLT11 invoice and check its signature; ``ValueError`` when it is not sound."""
    try:
        hrp, words = bech32_decode_words(text.strip())
    except InvalidKey as exc:
        raise ValueError(f"invoice is not bech32: {exc}") from None
    match = _HRP.match(hrp)
    if not match:
        raise ValueError("invoice has an unknown prefix")
    amount_msat: int | None = None
    if match["amount"]:
        raw = match["amount"]
        unit = raw[-1] if raw[-1] in "munp" else ""
        value = Decimal(raw[:-1] if unit else raw) * _MULTIPLIER_MSAT[unit]
        if value != value.to_integral_value():
            raise ValueError("invoice amount is not a whole number of millisatoshis")
        amount_msat = int(value)
    if len(words) < 7 + 104:
        raise ValueError("invoice is too short")
    data, sig_words = words[:-104], words[-104:]
    timestamp = 0
    for w in data[:7]:
        timestamp = timestamp * 32 + w
    description_hash = None
    payee_tag = None
    i = 7
    while i + 3 <= len(data):
        tag, length = data[i], data[i + 1] * 32 + data[i + 2]
        field = data[i + 3 : i + 3 + length]
        if len(field) != length:
            raise ValueError("invoice field is truncated")
        if tag == _TAG_DESCRIPTION_HASH and length == 52:
            description_hash = bytes(convert_bits(field, 5, 8, False)).hex()
        elif tag == _TAG_PAYEE and length == 53:
            payee_tag = bytes(convert_bits(field, 5, 8, False)).hex()
        i += 3 + length
    signature = bytes(convert_bits(sig_words, 5, 8, False))
    message = hrp.encode() + bytes(convert_bits(data, 5, 8, True))
    try:
        key = coincurve.PublicKey.from_signature_and_message(
            signature, hashlib.sha256(message).digest(), hasher=None
        )
    except (ValueError, TypeError) as exc:
        raise ValueError(f"invoice signature is invalid: {exc}") from None
    payee = key.format(compressed=True).hex()
    if payee_tag is not None and payee_tag != payee:
        raise ValueError("invoice signature does not match its payee")
    return Invoice(amount_msat, description_hash, payee, timestamp)


@dataclass(frozen=True)
class LnurlPay:
    """What a recipient's LNURL-pay endpoint announces (LUD-06, with NIP-57's fields)."""

    callback: str
    min_sendable: int = 1_000  # msat
    max_sendable: int = 10**11  # msat
    allows_nostr: bool = False
    nostr_pubkey: str | None = None
    lnurl: str | None = None  # the bech32 ``lnurl1…`` of the pay endpoint


#: Given a kind-0 profile's content (dict), the recipient's LNURL-pay data, or None.
LnurlResolver = Callable[[dict[str, object]], "LnurlPay | None"]


def lnurl_encode(url: str) -> str:
    """The bech32 ``LNURL1…`` form of an LNURL-pay URL (what a zap request's ``lnurl`` tag carries)."""
    return bech32_encode("lnurl", url.encode()).upper()


@dataclass(frozen=True)
class ZapCheck:
    """A receipt judged: ``amount_msat`` and ``sender`` when valid, ``problem`` when not."""

    receipt: Event
    amount_msat: int | None = None
    sender: str | None = None
    recipient: str | None = None
    target: str | None = None
    problem: str | None = None

    @property
    def valid(self) -> bool:
        return self.problem is None


def check_zap_receipt(receipt: Event, lnurl_pubkey: str | None, recipient: str | None = None) -> ZapCheck:
    """Judge one zap receipt (already id- and signature-checked) against NIP-57's rules.

    ``recipient``: the account the zap must pay (a note's author). A custodial LNURL server signs
    every user's receipts with one key, so its signature alone does not say who was paid.
    """

    def bad(why: str) -> ZapCheck:
        return ZapCheck(receipt=receipt, problem=why)

    if receipt.kind != 9735:
        return bad("not a zap receipt")
    if lnurl_pubkey is None:
        return bad("recipient has no LNURL server that signs zaps (no nostrPubkey)")
    if receipt.pubkey != lnurl_pubkey:
        return bad("receipt is not signed by the recipient's LNURL server")
    bolt11 = receipt.tag_values("bolt11")
    description = receipt.tag_values("description")
    if not bolt11 or not description:
        return bad("receipt lacks bolt11 or description")
    try:
        invoice = decode_invoice(bolt11[0])
    except ValueError as exc:
        return bad(str(exc))
    if invoice.amount_msat is None:
        return bad("invoice has no amount")
    if invoice.description_hash != hashlib.sha256(description[0].encode("utf-8")).hexdigest():
        return bad("invoice description hash does not match the zap request")
    try:
        request = Event.from_json(json.loads(description[0]))
    except ValueError as exc:
        return bad(f"zap request unreadable: {exc}")
    if request.kind != 9734:
        return bad("description is not a zap request")
    problem = request.problem()
    if problem is not None:
        return bad(f"zap request {problem}")
    recipients = receipt.tag_values("p")
    if not recipients or request.tag_values("p")[:1] != recipients[:1]:
        return bad("zap request and receipt name different recipients")
    if recipient is not None and recipients[0] != recipient:
        return bad("receipt pays another account than the one zapped")
    target = receipt.tag_values("e")[:1]
    if target and request.tag_values("e")[:1] != target:
        return bad("zap request and receipt name different events")
    asked = request.tag_values("amount")
    if asked and asked[0] != str(invoice.amount_msat):
        return bad("invoice amount differs from the zap request's")
    return ZapCheck(
        receipt=receipt,
        amount_msat=invoice.amount_msat,
        sender=request.pubkey,
        recipient=recipients[0],
        target=target[0] if target else None,
    )


def zap_callback_url(pay: LnurlPay, request: Event, amount_msat: int) -> str:
    """The URL a wallet calls to get the invoice for this zap (NIP-57 appendix B)."""
    query = {"amount": str(amount_msat), "nostr": json.dumps(request.to_json(), separators=(",", ":"))}
    if pay.lnurl:
        query["lnurl"] = pay.lnurl
    separator = "&" if "?" in pay.callback else "?"
    return pay.callback + separator + urlencode(query)


@dataclass(frozen=True)
class ZapRequest:
    """A signed zap request and the URL a wallet calls to get its invoice (paying is the wallet's job)."""

    event: Event
    callback_url: str
    amount_msat: int
    recipient: str
    pay: LnurlPay


def sats(msat: int) -> Amount:
    """Millisatoshis as an ``Amount`` in sats (what ``Reward``s and zap notifications carry)."""
    return Amount(value=Decimal(msat) / Decimal(1000), asset="SAT")


def to_msat(amount: Amount | str, network: str = "nostr") -> int:
    """A zap amount (SAT, MSAT or BTC) in whole millisatoshis; ``InvalidInput`` otherwise."""
    value = Amount.parse(amount)
    factor = {"MSAT": Decimal(1), "SAT": Decimal(1000), "SATS": Decimal(1000), "BTC": Decimal(10) ** 11}
    multiplier = factor.get(value.asset.upper())
    if multiplier is None:
        raise InvalidInput(f"zaps are in SAT, MSAT or BTC, not {value.asset}", network=network)
    msat = value.value * multiplier
    if msat <= 0 or msat != msat.to_integral_value():
        raise InvalidInput(f"{value} is not a positive whole number of millisatoshis", network=network)
    return int(msat)


def zap_reward(
    subject: str,
    receipts: list[Event],
    signer: str | None,
    ignored: Callable[[Event, str | None], None],
    recipient: str,
    note: str | None = None,
) -> Reward:
    """The valid zaps among ``receipts`` paid to ``recipient`` as a paid ``Reward`` in sats, one
    count per invoice.

    ``signer`` is the key the recipient's LNURL server signs receipts with;
    ``ignored`` hears of every receipt that does not count, and why. ``note``: only zaps of that
    note count (a relay's ``#e`` filter also finds a receipt naming it in a later ``e`` tag, while
    the zapped note is its first).
    """
    total = 0
    by_sender: dict[str, int] = {}
    seen: set[str] = set()
    for receipt in receipts:
        check = check_zap_receipt(receipt, signer, recipient)
        if check.valid and note is not None and check.target != note:
            check = ZapCheck(receipt=receipt, problem="receipt zaps another note")
        if not check.valid or check.amount_msat is None or check.sender is None:
            ignored(receipt, check.problem)
            continue
        invoice = receipt.tag_values("bolt11")[0]
        if invoice in seen:  # one payment, one count, however many receipts claim it
            continue
        seen.add(invoice)
        total += check.amount_msat
        by_sender[check.sender] = by_sender.get(check.sender, 0) + check.amount_msat
    parts = tuple(
        RewardPart(role="tipper", account=encode_npub(sender), amounts=(sats(msat),))
        for sender, msat in by_sender.items()
    )
    return Reward(
        network="nostr",
        subject=subject,
        status="paid" if total else "none",
        amounts=(sats(total),) if total else (),
        parts=parts,
        raw={"receipts": len(receipts), "valid": len(seen)},
    )
