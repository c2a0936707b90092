"""Mentioned keys are decoded once and remembered (a feed repeats its few accounts, and a publish
reads its draft's mentions twice), but never a failure nor a huge ``nprofile`` a hostile note holds."""

from __future__ import annotations

import pytest

from decentsocial.backends.nostr import PrivateKey
from decentsocial.backends.nostr.keys import (
    InvalidKey,
    _remembered_public_key,
    bech32_encode,
    encode_npub,
    parse_public_key,
)

_OTHER = PrivateKey.generate()
_NPROFILE = bech32_encode("nprofile", bytes([0, 32]) + bytes.fromhex(_OTHER.public_key))


def test_mentioned_keys_are_remembered_but_not_failures_nor_huge_nprofiles() -> None:
    _remembered_public_key.cache_clear()
    assert parse_public_key(_OTHER.npub) == _OTHER.public_key
    assert parse_public_key(f"nostr:{_OTHER.npub.upper()}") == _OTHER.public_key
    assert parse_public_key(_NPROFILE) == _OTHER.public_key
    assert parse_public_key(_OTHER.npub) == _OTHER.public_key
    assert _remembered_public_key.cache_info().hits == 1
    for _ in range(2):  # a failure is raised every time, never remembered as a key
        with pytest.raises(InvalidKey, match="checksum"):
            parse_public_key(_OTHER.npub[:-1] + ("q" if _OTHER.npub[-1] != "q" else "p"))
    held = _remembered_public_key.cache_info().currsize
    relays = b"".join(bytes([1, 200]) + b"w" * 200 for _ in range(3))
    huge = bech32_encode("nprofile", bytes([0, 32]) + bytes.fromhex(_OTHER.public_key) + relays)
    assert len(huge) > 1000
    assert parse_public_key(huge) == _OTHER.public_key
    assert _remembered_public_key.cache_info().currsize == held
    assert encode_npub(parse_public_key(_OTHER.npub)) == _OTHER.npub
