"""NIP-44 v2 (``backends/nostr/nip44.py``) against the official test vectors (tests/fixtures/nostr)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import coincurve
import pytest

from decentsocial.backends.nostr import nip44

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "nostr" / "nip44-vectors.json").read_text(encoding="utf-8")
)["v2"]
VALID, INVALID = VECTORS["valid"], VECTORS["invalid"]


def public_key(secret_hex: str) -> str:
    return coincurve.PublicKeyXOnly.from_secret(bytes.fromhex(secret_hex)).format().hex()


@pytest.mark.parametrize("case", VALID["get_conversation_key"])
def test_conversation_key(case: dict[str, str]) -> None:
    key = nip44.conversation_key(bytes.fromhex(case["sec1"]), case["pub2"])
    assert key.hex() == case["conversation_key"]


@pytest.mark.parametrize("case", INVALID["get_conversation_key"], ids=lambda c: c["note"])
def test_invalid_conversation_key(case: dict[str, str]) -> None:
    with pytest.raises(nip44.Nip44Error) as caught:
        nip44.conversation_key(bytes.fromhex(case["sec1"]), case["pub2"])
    assert case["sec1"] not in str(caught.value)


@pytest.mark.parametrize("case", VALID["get_message_keys"]["keys"])
def test_message_keys(case: dict[str, str]) -> None:
    conversation = bytes.fromhex(VALID["get_message_keys"]["conversation_key"])
    chacha_key, chacha_nonce, hmac_key = nip44.message_keys(conversation, bytes.fromhex(case["nonce"]))
    assert (chacha_key.hex(), chacha_nonce.hex(), hmac_key.hex()) == (
        case["chacha_key"],
        case["chacha_nonce"],
        case["hmac_key"],
    )


@pytest.mark.parametrize(("unpadded", "padded"), VALID["calc_padded_len"])
def test_calc_padded_len(unpadded: int, padded: int) -> None:
    assert nip44.calc_padded_len(unpadded) == padded


@pytest.mark.parametrize("case", VALID["encrypt_decrypt"])
def test_encrypt_decrypt(case: dict[str, str]) -> None:
    sec1, sec2 = bytes.fromhex(case["sec1"]), bytes.fromhex(case["sec2"])
    key = nip44.conversation_key(sec1, public_key(case["sec2"]))
    assert key.hex() == case["conversation_key"]
    assert nip44.conversation_key(sec2, public_key(case["sec1"])) == key  # the same from both sides
    payload = nip44.encrypt(case["plaintext"], key, bytes.fromhex(case["nonce"]))
    assert payload == case["payload"]
    assert nip44.decrypt(payload, key) == case["plaintext"]


@pytest.mark.parametrize("case", VALID["encrypt_decrypt_long_msg"])
def test_long_messages(case: dict[str, Any]) -> None:
    plaintext = case["pattern"] * case["repeat"]
    assert hashlib.sha256(plaintext.encode()).hexdigest() == case["plaintext_sha256"]
    key = bytes.fromhex(case["conversation_key"])
    payload = nip44.encrypt(plaintext, key, bytes.fromhex(case["nonce"]))
    assert hashlib.sha256(payload.encode()).hexdigest() == case["payload_sha256"]
    assert nip44.decrypt(payload, key) == plaintext


@pytest.mark.parametrize("length", INVALID["encrypt_msg_lengths"])
def test_invalid_plaintext_lengths(length: int) -> None:
    with pytest.raises(nip44.Nip44Error):
        nip44.pad("x" * length)


@pytest.mark.parametrize("case", INVALID["decrypt"], ids=lambda c: c["note"])
def test_invalid_payloads(case: dict[str, str]) -> None:
    with pytest.raises(nip44.Nip44Error) as caught:
        nip44.decrypt(case["payload"], bytes.fromhex(case["conversation_key"]))
    assert case["plaintext"] not in str(caught.value)


def test_random_nonces_and_tampering() -> None:
    key = nip44.conversation_key(bytes.fromhex("11" * 32), public_key("22" * 32))
    one, two = nip44.encrypt("مرحبا", key), nip44.encrypt("مرحبا", key)
    assert one != two  # a fresh nonce each time
    assert nip44.decrypt(one, key) == nip44.decrypt(two, key) == "مرحبا"
    flipped = one[:60] + ("A" if one[60] != "A" else "B") + one[61:]
    with pytest.raises(nip44.Nip44Error, match="MAC"):
        nip44.decrypt(flipped, key)
    other = nip44.conversation_key(bytes.fromhex("33" * 32), public_key("22" * 32))
    with pytest.raises(nip44.Nip44Error, match="MAC"):
        nip44.decrypt(one, other)
