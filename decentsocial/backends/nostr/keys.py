"""Nostr keys and NIP-19 identifiers: nsec/npub/note/nevent, BIP-340 signatures.

Bech32 (BIP-173) is small enough to carry here, which keeps the backend's
dependencies to ``websockets`` and ``coincurve``. NIP-19 strings can exceed
BIP-173's 90-character cap (``nevent`` with relay hints), so no cap applies.
"""

from __future__ import annotations

import functools
import os
import re
from typing import Any

import coincurve

try:  # the library under coincurve, to sign with a key pair derived once (``PrivateKey.sign``)
    from coincurve._libsecp256k1 import ffi as _ffi
    from coincurve._libsecp256k1 import lib as _lib
except ImportError:  # another coincurve layout: its own sign_schnorr serves
    _ffi = _lib = None

__all__ = [
    "InvalidKey",
    "PrivateKey",
    "bech32_decode",
    "bech32_encode",
    "decode_tlv",
    "encode_nevent",
    "encode_note",
    "encode_npub",
    "is_hex64",
    "parse_event_id",
    "parse_public_key",
    "verify_signature",
]

_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_HEX = re.compile(r"^[0-9a-fA-F]+$")


class InvalidKey(ValueError):
    """A key or identifier is malformed; the message never repeats the input (it may be a secret)."""


def is_hex64(value: str) -> bool:
    """Whether ``value`` is 64 lower-case hex characters (a key or event id)."""
    return bool(_HEX64.match(value))


def _polymod_table() -> tuple[int, ...]:
    table = []
    for top in range(32):
        value = 0
        for i in range(5):
            if (top >> i) & 1:
                value ^= _GENERATOR[i]
        table.append(value)
    return tuple(table)


_POLYMOD_TABLE = _polymod_table()


def _polymod(values: list[int]) -> int:
    """BCH checksum of BIP-173, one table look-up per 5-bit value."""
    checksum = 1
    table = _POLYMOD_TABLE
    for value in values:
        checksum = ((checksum & 0x1FFFFFF) << 5) ^ value ^ table[checksum >> 25]
    return checksum


@functools.lru_cache(maxsize=64)
def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def convert_bits(data: bytes | list[int], from_bits: int, to_bits: int, pad: bool) -> list[int]:
    """Regroup a sequence of ``from_bits``-bit values into ``to_bits``-bit values."""
    acc = 0
    bits = 0
    out: list[int] = []
    maxv = (1 << to_bits) - 1
    # Only the bits not yet written out are kept: an unmasked accumulator grows with the input,
    # and a long token (in a note's text) would take quadratic time.
    max_acc = (1 << (from_bits + to_bits - 1)) - 1
    for value in data:
        if value < 0 or value >> from_bits:
            raise InvalidKey("invalid bech32 data")
        acc = ((acc << from_bits) | value) & max_acc
        bits += from_bits
        while bits >= to_bits:
            bits -= to_bits
            out.append((acc >> bits) & maxv)
    if pad:
        if bits:
            out.append((acc << (to_bits - bits)) & maxv)
    elif bits >= from_bits or ((acc << (to_bits - bits)) & maxv):
        raise InvalidKey("invalid bech32 padding")
    return out


def _pair_table() -> tuple[int, ...]:
    """Two polymod steps at once: the checksum's top 10 bits -> what they feed back."""
    single = _POLYMOD_TABLE
    pairs = []
    for top in range(1024):
        first = single[top >> 5]
        pairs.append(((first & 0x1FFFFFF) << 5) ^ single[(top & 31) ^ (first >> 25)])
    return tuple(pairs)


_PAIR_TABLE = _pair_table()
#: Two 5-bit words (10 bits) -> their two characters.
_PAIR_CHARS = tuple(_CHARSET[i >> 5] + _CHARSET[i & 31] for i in range(1024))


@functools.lru_cache(maxsize=64)
def _hrp_checksum(hrp: str) -> int:
    return _polymod(_hrp_expand(hrp))


def bech32_encode(hrp: str, data: bytes) -> str:
    """Encode ``data`` under human-readable part ``hrp`` (BIP-173 checksum).

    Ids and keys are encoded for every note read, so this works ten bits
    (two characters) at a time from a table, from the hrp's cached checksum state.
    """
    bits = len(data) * 8
    words = (bits + 4) // 5  # the data zero-padded to whole 5-bit words
    number = int.from_bytes(data, "big") << (words * 5 - bits)
    checksum = _hrp_checksum(hrp)
    pair_table, pair_chars = _PAIR_TABLE, _PAIR_CHARS
    out = [hrp, "1"]
    for shift in range(words * 5 - 10, 4 if words % 2 else -1, -10):
        pair = (number >> shift) & 1023
        checksum = ((checksum & 0xFFFFF) << 10) ^ pair ^ pair_table[checksum >> 20]
        out.append(pair_chars[pair])
    if words % 2:
        last = number & 31
        checksum = ((checksum & 0x1FFFFFF) << 5) ^ last ^ _POLYMOD_TABLE[checksum >> 25]
        out.append(_CHARSET[last])
    for _ in range(3):  # six zero words close the checksum
        checksum = ((checksum & 0xFFFFF) << 10) ^ pair_table[checksum >> 20]
    checksum ^= 1
    out += (pair_chars[checksum >> 20], pair_chars[(checksum >> 10) & 1023], pair_chars[checksum & 1023])
    return "".join(out)


def bech32_decode_words(text: str) -> tuple[str, list[int]]:
    """The hrp and 5-bit words (checksum removed) of a bech32 string."""
    if text.lower() != text and text.upper() != text:
        raise InvalidKey("mixed-case bech32 string")
    text = text.lower()
    pos = text.rfind("1")
    if pos < 1 or pos + 7 > len(text):
        raise InvalidKey("not a bech32 string")
    hrp = text[:pos]
    try:
        words = [_CHARSET.index(c) for c in text[pos + 1 :]]
    except ValueError:
        raise InvalidKey("invalid bech32 character") from None
    if _polymod(_hrp_expand(hrp) + words) != 1:
        raise InvalidKey("bech32 checksum mismatch")
    return hrp, words[:-6]


def bech32_decode(text: str) -> tuple[str, bytes]:
    hrp, words = bech32_decode_words(text)
    return hrp, bytes(convert_bits(words, 5, 8, False))


def decode_tlv(data: bytes) -> dict[int, list[bytes]]:
    """NIP-19 type-length-value records."""
    out: dict[int, list[bytes]] = {}
    i = 0
    while i + 2 <= len(data):
        kind, length = data[i], data[i + 1]
        value = data[i + 2 : i + 2 + length]
        if len(value) != length:
            raise InvalidKey("truncated NIP-19 TLV record")
        out.setdefault(kind, []).append(value)
        i += 2 + length
    return out


@functools.lru_cache(maxsize=4096)
def encode_npub(pubkey_hex: str) -> str:
    return bech32_encode("npub", bytes.fromhex(pubkey_hex))


def encode_note(event_id: str) -> str:
    return bech32_encode("note", bytes.fromhex(event_id))


def encode_nevent(event_id: str, relays: tuple[str, ...] = (), author: str | None = None) -> str:
    data = bytes([0, 32]) + bytes.fromhex(event_id)
    for relay in relays:
        raw = relay.encode()
        if len(raw) < 256:  # a TLV length is one byte; a hint is optional, so a longer URL is left out
            data += bytes([1, len(raw)]) + raw
    if author:
        data += bytes([2, 32]) + bytes.fromhex(author)
    return bech32_encode("nevent", data)


def _nip19(text: str, allowed: tuple[str, ...], what: str) -> tuple[str, bytes]:
    digits = text[2:] if text[:2] in ("0x", "0X") else text
    if digits and _HEX.match(digits):  # hex, not bech32: say what is wrong with it (never the value)
        without = ", without 0x" if digits is not text else ""
        raise InvalidKey(f"invalid {what}: hex must be exactly 64 characters{without} (got {len(text)})")
    try:
        hrp, data = bech32_decode(text)
    except InvalidKey as exc:
        raise InvalidKey(f"invalid {what}: {exc}") from None
    if hrp not in allowed:
        raise InvalidKey(f"invalid {what}: expected {' or '.join(allowed)}, got a {hrp} string")
    return hrp, data


def _without_scheme(text: str) -> str:
    """``text`` without a NIP-21 ``nostr:`` scheme, in any case (a QR code writes ``NOSTR:NPUB1…``)."""
    return text[6:] if text[:6].lower() == "nostr:" else text


def parse_public_key(text: str) -> str:
    """A public key as 64 lower-case hex, from hex, ``npub1…`` or ``nprofile1…``."""
    if not isinstance(text, str):
        raise InvalidKey("a public key must be a string")
    value = _without_scheme(text.strip()).removeprefix("@")
    if _HEX64.match(value.lower()):
        return value.lower()
    if len(value) <= _CACHED_KEY_TEXT:
        return _remembered_public_key(value)
    return _bech32_public_key(value)


#: The longest key text remembered (an npub is 63 characters; a long nprofile is decoded each time,
#: so a hostile note's huge ones cannot fill the memory).
_CACHED_KEY_TEXT = 200


def _bech32_public_key(value: str) -> str:
    """The key of an ``npub1…``/``nprofile1…``; ``InvalidKey`` otherwise."""
    hrp, data = _nip19(value, ("npub", "nprofile"), "public key")
    if hrp == "nprofile":
        found = decode_tlv(data).get(0)
        if not found or len(found[0]) != 32:
            raise InvalidKey("invalid public key: nprofile without a key")
        data = found[0]
    if len(data) != 32:
        raise InvalidKey("invalid public key: not 32 bytes")
    return data.hex()


#: A feed mentions the same few accounts in note after note, and a publish reads its draft's
#: mentions twice (for its tags, then for its ``Post``): each is decoded once (an error is not kept).
_remembered_public_key = functools.lru_cache(maxsize=4096)(_bech32_public_key)


def parse_event_id(text: str) -> str:
    """An event id as 64 lower-case hex, from hex, ``note1…`` or ``nevent1…``."""
    if not isinstance(text, str):
        raise InvalidKey("an event id must be a string")
    value = _without_scheme(text.strip())
    if _HEX64.match(value.lower()):
        return value.lower()
    hrp, data = _nip19(value, ("note", "nevent"), "event id")
    if hrp == "nevent":
        found = decode_tlv(data).get(0)
        if not found:
            raise InvalidKey("invalid event id: nevent without an id")
        data = found[0]
    if len(data) != 32:
        raise InvalidKey("invalid event id: not 32 bytes")
    return data.hex()


@functools.lru_cache(maxsize=1024)
def _xonly_key(pubkey_hex: str) -> coincurve.PublicKeyXOnly:
    """A parsed public key; a feed holds many events from few authors, so each is parsed once."""
    return coincurve.PublicKeyXOnly(bytes.fromhex(pubkey_hex))


def verify_signature(pubkey_hex: str, message: bytes, signature_hex: str) -> bool:
    """BIP-340 check; any malformed part counts as a bad signature."""
    try:
        return bool(_xonly_key(pubkey_hex).verify(bytes.fromhex(signature_hex), message))
    except (ValueError, TypeError):
        return False


class PrivateKey:
    """A secp256k1 secret key; its repr and str never show the secret."""

    __slots__ = ("_key", "_keypair", "public_key")

    def __init__(self, secret: bytes) -> None:
        if len(secret) != 32:
            raise InvalidKey("invalid private key: not 32 bytes")
        try:
            self._key = coincurve.PrivateKey(secret)
        except ValueError:
            raise InvalidKey("invalid private key: out of the curve's range") from None
        self.public_key: str = coincurve.PublicKeyXOnly.from_secret(secret).format().hex()
        self._keypair: Any = None
        if _lib is not None:
            keypair = _ffi.new("secp256k1_keypair *")
            if _lib.secp256k1_keypair_create(self._key.context.ctx, keypair, secret):
                self._keypair = keypair

    @classmethod
    def parse(cls, text: str) -> PrivateKey:
        """From ``nsec1…`` or 64 hex characters."""
        if not isinstance(text, str):
            raise InvalidKey("invalid private key: must be a string")
        value = text.strip()
        if _HEX64.match(value.lower()):
            return cls(bytes.fromhex(value))
        if value.lower().startswith("npub1"):
            raise InvalidKey("invalid private key: this is a public key (npub); give the nsec")
        _, data = _nip19(value, ("nsec",), "private key")
        return cls(data)

    @classmethod
    def generate(cls) -> PrivateKey:
        return cls(os.urandom(32))

    def sign(self, message: bytes, aux: bytes | None = None) -> str:
        """A BIP-340 Schnorr signature (hex) of a 32-byte message, with fresh auxiliary randomness
        (or the 32 bytes ``aux``: the same message and ``aux`` give the same signature).

        The key pair is derived once per key (coincurve derives it again for every signature,
        a quarter of the cost of a publish's signing); as coincurve does, the signature is
        verified before it is returned.
        """
        aux = aux if aux is not None else os.urandom(32)
        if self._keypair is None or len(message) != 32 or len(aux) != 32:
            return self._key.sign_schnorr(message, aux).hex()
        ctx = self._key.context.ctx
        signature = _ffi.new("unsigned char[64]")
        if not _lib.secp256k1_schnorrsig_sign32(ctx, signature, message, self._keypair, aux):
            raise ValueError("signing failed")
        if not _lib.secp256k1_schnorrsig_verify(
            ctx, signature, message, 32, self._key.public_key_xonly.public_key
        ):
            raise ValueError("the signature made does not verify")
        return bytes(_ffi.buffer(signature)).hex()

    @property
    def nsec(self) -> str:
        return bech32_encode("nsec", self._key.secret)

    @property
    def hex(self) -> str:
        return self._key.secret.hex()

    @property
    def npub(self) -> str:
        return encode_npub(self.public_key)

    def __repr__(self) -> str:
        return f"<PrivateKey for {self.npub}>"

    __str__ = __repr__
