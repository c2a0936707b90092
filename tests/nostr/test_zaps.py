"""NIP-57 zaps: invoices checked against the bolt11 package, receipts against the rules, and the
whole flow (zap request -> receipt on the relay -> rewards) against nostr-relay."""

from __future__ import annotations

import http.server
import json
import os
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import bolt11
import coincurve
import pytest
from bolt11.models.tags import TagChar

import decentsocial as ds
from decentsocial.backends.nostr import Event, NostrNetwork, PrivateKey
from decentsocial.backends.nostr.events import sign_event
from decentsocial.backends.nostr.zaps import check_zap_receipt, decode_invoice, lnurl_encode
from tests.servers.nostr import LnurlDirectory, port_is_free

from .conftest import SPEC_PORTS
from .zapkit import LnurlServer

ZapSetup = tuple[NostrNetwork, NostrNetwork, LnurlServer, NostrNetwork]


@pytest.mark.parametrize("msat", [1_000, 21_000, 1_234_567, 50_000_000_000, 100])
def test_invoice_amount_and_hash_agree_with_bolt11(msat: int) -> None:
    server = LnurlServer()
    text = server.invoice(msat, "a description")
    ours = decode_invoice(text)
    theirs = bolt11.decode(text)
    assert ours.amount_msat == theirs.amount_msat == msat
    assert ours.description_hash == theirs.description_hash
    node = coincurve.PrivateKey(bytes.fromhex(server.node_key)).public_key.format().hex()
    assert ours.payee == node == theirs.payee


def test_invoice_without_amount() -> None:
    assert decode_invoice(LnurlServer().invoice(None, "x")).amount_msat is None


def test_damaged_invoices_are_refused() -> None:
    text = LnurlServer().invoice(21_000, "x")
    flipped = text[:-10] + ("q" if text[-10] != "q" else "p") + text[-9:]
    with pytest.raises(ValueError):
        decode_invoice(flipped)
    with pytest.raises(ValueError):
        decode_invoice("lnxx1" + text[5:])


def test_invoice_whose_payee_tag_is_not_its_signer_is_refused() -> None:
    server = LnurlServer()
    invoice = bolt11.decode(server.invoice(21_000, "x"))
    stranger = coincurve.PrivateKey().public_key.format().hex()
    invoice.tags.add(TagChar.payee, stranger)
    invoice.signature = None
    text = bolt11.encode(invoice, private_key=server.node_key, keep_payee=True)
    with pytest.raises(ValueError, match="payee"):
        decode_invoice(text)


def _request(sender: PrivateKey, recipient: str, msat: int, target: str | None = None) -> Event:
    tags: list[tuple[str, ...]] = [("relays", "ws://127.0.0.1:1"), ("amount", str(msat)), ("p", recipient)]
    if target:
        tags.append(("e", target))
    return sign_event(sender, 9734, "zap!", tuple(tags), 1_700_000_000)


def test_receipt_rules() -> None:
    server, sender, recipient = LnurlServer(), PrivateKey.generate(), PrivateKey.generate()
    target = "d" * 64
    request = _request(sender, recipient.public_key, 21_000, target)
    good = server.receipt(request, 21_000)
    check = check_zap_receipt(good, server.key.public_key)
    assert check.valid
    assert check.amount_msat == 21_000
    assert check.sender == sender.public_key
    assert check.target == target
    assert check.recipient == recipient.public_key

    def problem(receipt: Event, signer: str | None = server.key.public_key) -> str:
        result = check_zap_receipt(receipt, signer)
        assert not result.valid
        return result.problem or ""

    assert "LNURL" in problem(good, signer=None)
    assert "not signed" in problem(server.receipt(request, 21_000, signer=PrivateKey.generate()))
    assert "hash" in problem(server.receipt(request, 21_000, invoice_description="another request"))
    assert "amount" in problem(server.receipt(request, 42_000))
    tampered = Event.from_json({**request.to_json(), "content": "changed"})
    assert "zap request" in problem(server.receipt(tampered, 21_000))
    other = _request(sender, PrivateKey.generate().public_key, 21_000, target)
    mixed = server.receipt(other, 21_000)
    wrong_p = sign_event(
        server.key,
        9735,
        "",
        (("p", recipient.public_key), *[t for t in mixed.tags if t[0] != "p"]),
        1_700_000_000,
    )
    assert "recipients" in problem(wrong_p)


# ------------------------------------------------------------------ against nostr-relay


@pytest.fixture
def zap_setup(make_net: Callable[..., NostrNetwork], lnurl: LnurlDirectory) -> ZapSetup:
    alice, bob = make_net(), make_net()
    server = LnurlServer()
    address = f"alice{os.urandom(4).hex()}@ln.example.test"
    lnurl.entries[address] = server.pay
    alice.set_profile(name="alice", lud16=address)
    publisher = make_net(key=server.key)  # the LNURL server publishes receipts to the relay
    return alice, bob, server, publisher


def test_tip_builds_a_zap_request_and_the_callback_to_pay(zap_setup: ZapSetup) -> None:
    alice, bob, server, _ = zap_setup
    post = alice.publish("zap me")
    url = bob.tip(post, "21 SAT", "thanks")
    parts = urlsplit(url)
    assert url.startswith(server.pay.callback + "?")
    query = parse_qs(parts.query)
    assert query["amount"] == ["21000"]
    assert query["lnurl"] == ["LNURL1TEST"]
    request = Event.from_json(json.loads(query["nostr"][0]))
    assert request.problem() is None
    assert request.kind == 9734
    assert request.pubkey == bob.public_key
    assert request.tag_values("p") == [alice.public_key]
    assert request.tag_values("e") == [post.id]
    assert request.tag_values("amount") == ["21000"]
    assert request.content == "thanks"
    assert alice.rewards(post).status == "none"  # nothing is paid until a wallet pays


def test_tip_refuses_bad_amounts_and_unzappable_recipients(
    zap_setup: ZapSetup, make_net: Callable[..., NostrNetwork]
) -> None:
    alice, bob, _, _ = zap_setup
    with pytest.raises(ds.InvalidInput, match="SAT"):
        bob.tip(alice.me(), "1.000 HIVE")
    with pytest.raises(ds.InvalidInput):
        bob.tip(alice.me(), "0.5 MSAT")
    with pytest.raises(ds.ContentRejected, match="range"):
        bob.tip(alice.me(), "20000 SAT")
    nobody = make_net()
    with pytest.raises(ds.ContentRejected, match="LNURL"):
        bob.tip(nobody.public_key, "21 SAT")


def test_rewards_sum_only_valid_receipts(zap_setup: ZapSetup) -> None:
    alice, bob, server, publisher = zap_setup
    post = alice.publish("zap me too")
    paid = bob.zap_request(post, "21 SAT", "great post")
    receipt = server.receipt(paid.event, 21_000)
    publisher.publish_event(receipt)
    publisher.publish_event(server.receipt(paid.event, 21_000))  # a second receipt is a second payment
    impostor = PrivateKey.generate()
    publisher_impostor = bob  # anyone can publish; the impostor's signature is what is wrong
    publisher_impostor.publish_event(server.receipt(paid.event, 500_000, signer=impostor))
    publisher.publish_event(server.receipt(paid.event, 21_000, invoice_description="not this request"))
    profile_zap = bob.zap_request(alice.me(), "100 SAT")
    publisher.publish_event(server.receipt(profile_zap.event, 100_000))

    reward = alice.rewards(post)
    assert reward.status == "paid"
    assert reward.total("SAT") == ds.Amount(value=Decimal(42), asset="SAT")
    assert [(p.role, p.account) for p in reward.parts] == [("tipper", bob.me().handle)]
    assert bob.rewards(post.id) == reward  # anyone reading sees the same

    received = alice.pending_rewards()
    assert received.total("SAT") == ds.Amount(value=Decimal(142), asset="SAT")
    assert bob.pending_rewards(alice.me()).total("SAT") == received.total("SAT")

    zaps = [n for n in alice.notifications(limit=None) if n.kind == "zap"]
    assert sorted(n.amount.value for n in zaps if n.amount) == [21, 21, 100]
    assert {n.account.id for n in zaps if n.account} == {bob.public_key}
    assert {n.post.id if n.post else None for n in zaps} == {post.id, None}
    assert receipt.id in {n.id for n in zaps}


def test_a_zap_paid_to_another_account_does_not_count_for_a_note(
    zap_setup: ZapSetup, make_net: Callable[..., NostrNetwork], lnurl: LnurlDirectory
) -> None:
    """A custodial LNURL server signs every user's receipts with one key: Mallory, on Alice's
    provider, paying herself with a zap request naming Alice's note used to count for the note."""
    alice, _bob, server, publisher = zap_setup
    mallory_key = PrivateKey.generate()
    mallory = make_net(mallory_key)
    lnurl.entries["mallory@ln.example.test"] = server.pay  # the same provider, the same key
    mallory.set_profile(name="mallory", lud16="mallory@ln.example.test")
    post = alice.publish("please zap me")
    to_self = _request(mallory_key, mallory.public_key, 5_000_000, post.id)
    publisher.publish_event(server.receipt(to_self, 5_000_000))
    assert alice.rewards(post).status == "none"
    reward = alice.get_post(post.id).reward
    assert reward is None or reward.status == "none"
    assert alice.pending_rewards().status == "none"
    assert [n for n in alice.notifications(limit=None) if n.kind == "zap"] == []
    assert mallory.pending_rewards().total("SAT") == ds.Amount(value=Decimal(5000), asset="SAT")
    check = check_zap_receipt(server.receipt(to_self, 5_000_000), server.key.public_key, alice.public_key)
    assert check.problem == "receipt pays another account than the one zapped"


# ------------------------------------------------------------------ the default LNURL resolver


class _LnurlPayEndpoint(http.server.BaseHTTPRequestHandler):
    """A recipient's LNURL-pay endpoint (LUD-06) that answers with ``document`` (a string: as it is)."""

    document: ClassVar[dict[str, object] | str] = {}

    def do_GET(self) -> None:
        document = self.document
        body = (document if isinstance(document, str) else json.dumps(document)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def lnurl_endpoint() -> Iterator[tuple[str, type[_LnurlPayEndpoint]]]:
    """An LNURL-pay endpoint on loopback; its URL and the handler class whose ``document`` it serves."""
    handler = type("Endpoint", (_LnurlPayEndpoint,), {"document": {}})
    port = next(p for p in SPEC_PORTS if port_is_free(p))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/lnurlp/alice", handler
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.mark.parametrize("bad", [None, "lots", [1000]])
def test_an_lnurl_endpoint_with_malformed_amounts_is_no_zap_endpoint(
    make_net: Callable[..., NostrNetwork],
    lnurl_endpoint: tuple[str, type[_LnurlPayEndpoint]],
    bad: object,
) -> None:
    """A broken LNURL server makes the recipient unzappable; no raw TypeError/ValueError escapes."""
    url, endpoint = lnurl_endpoint
    endpoint.document = {
        "tag": "payRequest",
        "callback": url + "/callback",
        "minSendable": bad,
        "maxSendable": 100_000_000,
        "allowsNostr": True,
        "nostrPubkey": PrivateKey.generate().public_key,
    }
    alice = make_net()
    alice.set_profile(name="alice", lud06=lnurl_encode(url))
    bob = make_net(lnurl_resolver=None, allow_private_fetch=True)  # the default resolver, loopback allowed
    with pytest.raises(ds.ContentRejected, match="LNURL"):
        bob.tip(alice.public_key, "21 SAT")
    post = alice.publish("zap me, if you can")
    assert bob.rewards(post).status == "none"
    endpoint.document = {**endpoint.document, "minSendable": 1000}
    assert bob.tip(alice.public_key, "21 SAT").startswith(url + "/callback?")  # the endpoint is read


def test_an_lnurl_endpoint_nested_too_deep_to_parse_is_no_zap_endpoint(
    make_net: Callable[..., NostrNetwork], lnurl_endpoint: tuple[str, type[_LnurlPayEndpoint]]
) -> None:
    url, endpoint = lnurl_endpoint
    endpoint.document = "[" * 100_000 + "]" * 100_000
    alice = make_net()
    alice.set_profile(name="alice", lud06=lnurl_encode(url))
    bob = make_net(lnurl_resolver=None, allow_private_fetch=True)
    with pytest.raises(ds.ContentRejected, match="LNURL"):
        bob.tip(alice.public_key, "21 SAT")
    assert bob.rewards(alice.publish("zap me, if you can")).status == "none"
