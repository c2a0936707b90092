"""NIP-19 references written into notes stay valid whatever the relay URLs."""

from __future__ import annotations

import time
from collections.abc import Callable

import decentsocial as ds
from decentsocial.backends.nostr import NostrNetwork, PrivateKey
from decentsocial.backends.nostr.events import sign_event
from decentsocial.backends.nostr.keys import bech32_encode, convert_bits, encode_note, parse_event_id

from .spec_relay import SpecRelay


def test_a_quote_through_a_relay_url_too_long_for_a_hint_is_published(
    make_net: Callable[..., NostrNetwork], spec_relay: Callable[..., SpecRelay]
) -> None:
    relay = spec_relay()
    net = make_net(relays=[relay.url + "/" + "r" * 300])  # a TLV record holds at most 255 bytes
    quoted = net.publish("quoted")
    post = net.publish(ds.Draft(text="اقتباس", quote_of=quoted.id))
    reference = post.text.rsplit("nostr:", 1)[1]
    assert parse_event_id(reference) == quoted.id
    assert post.quote_of == quoted.id


class _Spy(int):
    """A 5-bit word that records how large the accumulator it is merged into has grown."""

    widest = 0

    def __ror__(self, other: int) -> int:
        _Spy.widest = max(_Spy.widest, other.bit_length())
        return int(other) | int(self)


def test_decoding_a_long_token_keeps_a_bounded_accumulator() -> None:
    """A note can hold a checksummed ``nostr:npub1…`` of a megabyte: decoding it must stay linear,
    which it is only while the bits being regrouped do not pile up."""
    _Spy.widest = 0
    words: list[int] = [_Spy(w) for w in convert_bits(b"\x01" * 20_000, 8, 5, True)]
    assert bytes(convert_bits(words, 5, 8, False)) == b"\x01" * 20_000
    assert _Spy.widest < 32


def test_a_note_with_a_huge_bech32_token_is_read(
    make_net: Callable[..., NostrNetwork], spec_relay: Callable[..., SpecRelay]
) -> None:
    relay = spec_relay()
    token = bech32_encode("npub", b"\x01" * 100_000)  # sound checksum, but no 32-byte key
    note = sign_event(PrivateKey.generate(), 1, f"مرحبا nostr:{token} 🎉", (), int(time.time()) - 60)
    relay.store(note.to_json())
    post = make_net(relays=[relay.url]).get_post(note.id)
    assert post.mentions == ()
    assert post.text == note.content


def test_upper_case_nip21_uris_from_a_qr_code_are_read(
    make_net: Callable[..., NostrNetwork], spec_relay: Callable[..., SpecRelay]
) -> None:
    """QR codes write URIs in upper case (a denser code): ``NOSTR:NPUB1…`` is the same account."""
    relay = spec_relay()
    alice, bob = make_net(relays=[relay.url]), make_net(relays=[relay.url])
    note = alice.publish("مرحبا")
    alice_key = alice.me().handle
    assert bob.account(f"NOSTR:{alice_key.upper()}").id == alice.public_key
    assert bob.get_post(f"NOSTR:{encode_note(note.id).upper()}").id == note.id
