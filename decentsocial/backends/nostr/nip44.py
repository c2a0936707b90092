"""NIP-44 version 2: the encryption Nostr's private messages (NIP-17, NIP-59) use.

Written from the specification (nostr-protocol/nips, 44.md):

* conversation key: HKDF-extract(salt ``"nip44-v2"``, the x coordinate of
  the secp256k1 ECDH point), the same for both parties;
* per message: a random 32-byte nonce; HKDF-expand(conversation key,
  info=nonce, 76 bytes) gives the ChaCha20 key (32), ChaCha20 nonce (12)
  and HMAC key (32);
* the UTF-8 plaintext (1 to 65535 bytes) is prefixed with its length (u16,
  big-endian) and zero-padded to a power-of-two-ish size, so lengths leak
  little; ChaCha20 (counter 0) encrypts it; HMAC-SHA256 over nonce and
  ciphertext authenticates it;
* payload: base64 of version byte 2, nonce, ciphertext, MAC.

Errors are :class:`Nip44Error` (a ``ValueError``) and never contain the
plaintext or a key. ChaCha20 and HKDF come from ``cryptography``; ECDH from
``coincurve`` (libsecp256k1), like the rest of the backend.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

import coincurve
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

__all__ = [
    "MAX_PLAINTEXT",
    "Nip44Error",
    "calc_padded_len",
    "conversation_key",
    "decrypt",
    "encrypt",
    "message_keys",
    "pad",
    "unpad",
]

VERSION = 2
MIN_PLAINTEXT, MAX_PLAINTEXT = 1, 65_535
_SALT = b"nip44-v2"
#: Base64 payload and decoded sizes the specification allows (1 to 65535 plaintext bytes).
_MIN_PAYLOAD, _MAX_PAYLOAD = 132, 87_472
_MIN_DATA, _MAX_DATA = 99, 65_603


class Nip44Error(ValueError):
    """A key, plaintext or payload NIP-44 refuses; the message never repeats secrets or text."""


def conversation_key(secret: bytes, public_key_hex: str) -> bytes:
    """The 32-byte key two accounts share: ECDH of ``secret`` with the x-only ``public_key_hex``."""
    try:
        coincurve.PrivateKey(secret)  # 0 < secret < n, or ValueError
    except (ValueError, TypeError):
        raise Nip44Error("invalid private key for NIP-44") from None
    try:
        point = coincurve.PublicKey(b"\x02" + bytes.fromhex(public_key_hex))
        shared_x = point.multiply(secret).format(compressed=True)[1:]
    except (ValueError, TypeError):
        raise Nip44Error("invalid public key for NIP-44: not a point on secp256k1") from None
    return hmac.new(_SALT, shared_x, hashlib.sha256).digest()  # HKDF-extract


def message_keys(conversation: bytes, nonce: bytes) -> tuple[bytes, bytes, bytes]:
    """(ChaCha20 key, ChaCha20 nonce, HMAC key) for one message."""
    if len(conversation) != 32:
        raise Nip44Error("the conversation key must be 32 bytes")
    if len(nonce) != 32:
        raise Nip44Error("the nonce must be 32 bytes")
    keys = HKDFExpand(algorithm=hashes.SHA256(), length=76, info=nonce).derive(conversation)
    return keys[:32], keys[32:44], keys[44:]


def calc_padded_len(unpadded: int) -> int:
    """The padded size of ``unpadded`` bytes: 32 at least, then steps of 1/8 of the next power of 2."""
    if unpadded <= 32:
        return 32
    next_power = 1 << (unpadded - 1).bit_length()
    chunk = 32 if next_power <= 256 else next_power // 8
    return chunk * ((unpadded - 1) // chunk + 1)


def pad(plaintext: str) -> bytes:
    """Length prefix, UTF-8 bytes, zeros; ``Nip44Error`` for an empty or too long plaintext."""
    data = plaintext.encode("utf-8")
    if not MIN_PLAINTEXT <= len(data) <= MAX_PLAINTEXT:
        raise Nip44Error(
            f"NIP-44 encrypts {MIN_PLAINTEXT} to {MAX_PLAINTEXT} bytes; this plaintext is {len(data)}"
        )
    return struct.pack(">H", len(data)) + data + bytes(calc_padded_len(len(data)) - len(data))


def unpad(padded: bytes) -> str:
    """The plaintext of ``pad``; ``Nip44Error`` when the length or padding is not exactly as padded."""
    if len(padded) < 2:
        raise Nip44Error("invalid padding")
    (length,) = struct.unpack(">H", padded[:2])
    data = padded[2 : 2 + length]
    if length < MIN_PLAINTEXT or len(data) != length or len(padded) != 2 + calc_padded_len(length):
        raise Nip44Error("invalid padding")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise Nip44Error("the plaintext is not UTF-8") from None


def _chacha20(key: bytes, nonce: bytes, data: bytes) -> bytes:
    # cryptography's ChaCha20 takes a 16-byte nonce: the 32-bit little-endian counter (0) first.
    cipher = Cipher(algorithms.ChaCha20(key, b"\x00\x00\x00\x00" + nonce), mode=None)
    return cipher.encryptor().update(data)


def _mac(key: bytes, nonce: bytes, ciphertext: bytes) -> bytes:
    return hmac.new(key, nonce + ciphertext, hashlib.sha256).digest()


def encrypt(plaintext: str, conversation: bytes, nonce: bytes | None = None) -> str:
    """The base64 payload of ``plaintext``; ``nonce`` (32 bytes) only for test vectors, else random."""
    nonce = os.urandom(32) if nonce is None else nonce
    chacha_key, chacha_nonce, hmac_key = message_keys(conversation, nonce)
    ciphertext = _chacha20(chacha_key, chacha_nonce, pad(plaintext))
    data = bytes([VERSION]) + nonce + ciphertext + _mac(hmac_key, nonce, ciphertext)
    return base64.b64encode(data).decode("ascii")


def decrypt(payload: str, conversation: bytes) -> str:
    """The plaintext of a payload, after checking its version, size and MAC (in constant time)."""
    if not payload or payload[0] == "#":
        raise Nip44Error("unknown NIP-44 version")
    if not _MIN_PAYLOAD <= len(payload) <= _MAX_PAYLOAD:
        raise Nip44Error("invalid NIP-44 payload size")
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise Nip44Error("the NIP-44 payload is not base64") from None
    if not _MIN_DATA <= len(data) <= _MAX_DATA:
        raise Nip44Error("invalid NIP-44 data size")
    if data[0] != VERSION:
        raise Nip44Error(f"unknown NIP-44 version {data[0]}")
    nonce, ciphertext, mac = data[1:33], data[33:-32], data[-32:]
    chacha_key, chacha_nonce, hmac_key = message_keys(conversation, nonce)
    if not hmac.compare_digest(_mac(hmac_key, nonce, ciphertext), mac):
        raise Nip44Error("invalid MAC: the payload was altered or is for another key")
    return unpad(_chacha20(chacha_key, chacha_nonce, ciphertext))
