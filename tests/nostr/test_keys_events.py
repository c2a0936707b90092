"""Keys, NIP-19 identifiers and event ids/signatures, checked against published vectors and an
independent implementation (aionostr, the library nostr-relay itself validates events with)."""

from __future__ import annotations

import hashlib
import json

import pytest
from aionostr.event import Event as OracleEvent  # type: ignore[import-untyped]

import decentsocial as ds
from decentsocial.backends.nostr.events import Event, event_id, sign_event
from decentsocial.backends.nostr.keys import (
    InvalidKey,
    PrivateKey,
    bech32_encode,
    encode_nevent,
    encode_note,
    encode_npub,
    parse_event_id,
    parse_public_key,
)
from tests.servers.nostr import CLOSED_PORT

# NIP-19's own examples.
NPUB = "npub10elfcs4fr0l0r8af98jlmgdh9c8tcxjvz9qkw038js35mp4dma8qzvjptg"
NPUB_HEX = "7e7e9c42a91bfef19fa929e5fda1b72e0ebc1a4c1141673e2794234d86addf4e"
NSEC = "nsec1vl029mgpspedva04g90vltkh6fvh240zqtv9k0t9af8935ke9laqsnlfe5"
NSEC_HEX = "67dea2ed018072d675f5415ecfaed7d2597555e202d85b3d65ea4e58d2d92ffa"
NPROFILE = (
    "nprofile1qqsrhuxx8l9ex335q7he0f09aej04zpazpl0ne2cgukyawd24mayt8gpp4mhxue69uhhytnc9e3k7mgpz4mhxue69"
    "uhkg6nzv9ejuumpv34kytnrdaksjlyr9p"
)
NPROFILE_HEX = "3bf0c63fcb93463407af97a5e5ee64fa883d107ef9e558472c4eb9aaaefa459d"


def test_nip19_vectors() -> None:
    assert parse_public_key(NPUB) == NPUB_HEX
    assert encode_npub(NPUB_HEX) == NPUB
    assert PrivateKey.parse(NSEC).hex == NSEC_HEX
    assert PrivateKey.parse(NSEC_HEX).nsec == NSEC
    assert parse_public_key(NPROFILE) == NPROFILE_HEX
    assert parse_public_key("nostr:" + NPUB) == NPUB_HEX


def test_bip340_public_key_vector() -> None:
    # BIP-340 test vector 0: secret key 3.
    key = PrivateKey(bytes(31) + b"\x03")
    assert key.public_key == "f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9"


@pytest.mark.parametrize("length", [0, 1, 2, 3, 4, 5, 31, 32, 33, 34, 40, 64, 75, 100])
def test_bech32_agrees_with_the_reference_implementation(length: int) -> None:
    """Our table-driven encoder against BIP-173's reference code (the ``bech32`` package)."""
    reference = pytest.importorskip("bech32")
    data = (hashlib.sha512(str(length).encode()).digest() * 2)[:length]
    for hrp in ("npub", "note", "nevent", "nprofile", "lnurl"):
        expected = reference.bech32_encode(hrp, reference.convertbits(data, 8, 5))
        assert bech32_encode(hrp, data) == expected


def test_event_ids_as_note_and_nevent() -> None:
    eid = "a" * 64
    assert parse_event_id(encode_note(eid)) == eid
    assert parse_event_id(encode_nevent(eid, ("ws://127.0.0.1:1",), NPUB_HEX)) == eid
    assert parse_event_id(eid.upper()) == eid


@pytest.mark.parametrize(
    "text",
    [
        NPUB[:-1] + ("q" if NPUB[-1] != "q" else "p"),  # checksum
        "npub1",
        "nsec1notvalid",
        NSEC,  # not a public key
        "z" * 64,
        "",
    ],
)
def test_bad_public_keys(text: str) -> None:
    with pytest.raises(InvalidKey):
        parse_public_key(text)


@pytest.mark.parametrize(
    "text", [NPUB, NSEC[:-2] + "qq", "0" * 64, "f" * 64, "nsec1", "hello", NSEC_HEX[:-2]]
)
def test_bad_private_keys(text: str) -> None:
    with pytest.raises(InvalidKey) as info:
        PrivateKey.parse(text)
    assert text not in str(info.value) or text in ("nsec1",)


def test_connect_rejects_a_bad_key_without_showing_it() -> None:
    secret = NSEC[:-1] + ("q" if NSEC[-1] != "q" else "p")
    with pytest.raises(ds.ConfigurationError) as info:
        ds.connect("nostr", private_key=secret, relays=[f"ws://127.0.0.1:{CLOSED_PORT}"])
    assert "private_key" in str(info.value)
    assert secret not in str(info.value)
    assert secret not in repr(info.value)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:1", "127.0.0.1:38200", "ws://", "ws://127.0.0.1:99999", "wss://host?x=1", ""]
)
def test_connect_rejects_malformed_relay_urls(url: str) -> None:
    with pytest.raises(ds.ConfigurationError, match="relays"):
        ds.connect("nostr", private_key=NSEC, relays=[url])


def test_connect_needs_a_relay() -> None:
    with pytest.raises(ds.ConfigurationError, match="relays"):
        ds.connect("nostr", private_key=NSEC, relays=[])


def test_secret_never_in_repr() -> None:
    net = ds.connect("nostr", private_key=NSEC, relays=[f"ws://127.0.0.1:{CLOSED_PORT}"])
    key = PrivateKey.parse(NSEC)
    for text in (repr(net), str(net), repr(key), str(key), repr(net.settings)):
        assert NSEC not in text
        assert NSEC_HEX not in text


@pytest.mark.parametrize(
    "content",
    ["plain", 'quotes " and \\ backslash', "line\nbreak\ttab\r\x08\x0c", "emoji 🧑‍🚀 ünïcödé", ""],
)
def test_event_id_agrees_with_an_independent_implementation(content: str) -> None:
    tags = (("t", "tag"), ("p", NPUB_HEX, "ws://127.0.0.1:1"), ("e", "b" * 64, "", "root"))
    ours = event_id(NPUB_HEX, 1_700_000_000, 1, tags, content)
    oracle = OracleEvent(
        pubkey=NPUB_HEX, content=content, created_at=1_700_000_000, kind=1, tags=[list(t) for t in tags]
    )
    assert ours == oracle.id


def test_signed_events_verify_and_tampering_is_caught() -> None:
    key = PrivateKey.generate()
    event = sign_event(key, 1, "hello", (("t", "x"),), 1_700_000_000)
    assert event.problem() is None
    oracle = OracleEvent(**{k: v for k, v in event.to_json().items() if k != "tags"}, tags=[["t", "x"]])
    assert oracle.verify()
    data = event.to_json()
    assert Event.from_json({**data, "content": "HELLO"}).problem() is not None
    assert "does not match" in (Event.from_json({**data, "id": "c" * 64}).problem() or "")
    forged_sig = ("0" if data["sig"][0] != "0" else "1") + data["sig"][1:]
    assert Event.from_json({**data, "sig": forged_sig}).problem() == "signature does not verify"
    other = sign_event(PrivateKey.generate(), 1, "hello", (("t", "x"),), 1_700_000_000)
    assert Event.from_json({**data, "sig": other.sig}).problem() is not None


@pytest.mark.parametrize(
    "bad",
    [
        None,
        [],
        {"id": "x"},
        {"id": "a", "pubkey": "b", "created_at": "soon"},
        # json.loads accepts Infinity: a relay's event read as it arrives must not break the reader.
        {
            "id": "a",
            "pubkey": "b",
            "created_at": float("inf"),
            "kind": 1,
            "tags": [],
            "content": "",
            "sig": "c",
        },
    ],
)
def test_malformed_events_are_refused(bad: object) -> None:
    with pytest.raises(ValueError):
        Event.from_json(bad)


@pytest.mark.parametrize("content", ["ctrl \x01\x1f", "a literal \\u0001 and a real \x02"])
def test_other_serializations_of_control_characters_verify(content: str) -> None:
    """Clients disagree on rare control characters (NIP-01: verbatim; JSON libraries: \\u00xx)."""
    key = PrivateKey.generate()
    oracle = OracleEvent(pubkey=key.public_key, content=content, created_at=1_700_000_000, kind=1, tags=[])
    verbatim = json.dumps([0, key.public_key, 1_700_000_000, 1, [], "@"], separators=(",", ":"))
    verbatim = verbatim[: verbatim.rindex('"@"')] + '"' + content.replace("\\", "\\\\") + '"]'
    for claimed in (oracle.id, hashlib.sha256(verbatim.encode()).hexdigest()):
        event = Event(
            claimed, key.public_key, 1_700_000_000, 1, (), content, key.sign(bytes.fromhex(claimed))
        )
        assert event.problem() is None
    # The same signature does not carry over to other content.
    forged = Event(
        oracle.id, key.public_key, 1_700_000_000, 1, (), content + "!", key.sign(bytes.fromhex(oracle.id))
    )
    assert forged.problem() is not None


def test_signing_with_the_kept_key_pair_is_coincurves_bip340_signature() -> None:
    """``PrivateKey.sign`` derives its key pair once: the signature is the one coincurve makes."""
    import os

    import coincurve

    from decentsocial.backends.nostr.keys import verify_signature

    key = PrivateKey.generate()
    for _ in range(20):
        message, aux = os.urandom(32), os.urandom(32)
        signature = key.sign(message, aux)
        assert signature == coincurve.PrivateKey(bytes.fromhex(key.hex)).sign_schnorr(message, aux).hex()
        assert verify_signature(key.public_key, message, signature)
        assert verify_signature(key.public_key, message, key.sign(message))
    with pytest.raises(ValueError, match="32 bytes"):
        key.sign(b"short")


def test_a_tag_holding_a_number_is_refused_by_name() -> None:
    """Its id was computed over the number: read as text it could never verify, and the logs
    blamed a mismatched id."""
    key = PrivateKey.generate()
    serial = json.dumps([0, key.public_key, 1_700_000_000, 1, [["amount", 21]], "x"], separators=(",", ":"))
    claimed = hashlib.sha256(serial.encode()).hexdigest()
    raw = {
        "id": claimed,
        "pubkey": key.public_key,
        "created_at": 1_700_000_000,
        "kind": 1,
        "tags": [["amount", 21]],
        "content": "x",
        "sig": key.sign(bytes.fromhex(claimed)),
    }
    with pytest.raises(ValueError, match="a tag holds a number"):
        Event.from_json(raw)


@pytest.mark.parametrize(
    ("prefix", "cut", "shown"), [("", 1, "got 63"), ("", -1, "got 65"), ("0x", 0, "without 0x")]
)
def test_a_hex_key_of_the_wrong_length_is_described_as_hex(prefix: str, cut: int, shown: str) -> None:
    """It used to be reported as a bech32 checksum mismatch; the key itself is never shown."""
    key = PrivateKey.generate()
    for value, parse in ((key.hex, PrivateKey.parse), (key.public_key, parse_public_key)):
        text = prefix + (value[:-1] if cut == 1 else value + "0" if cut == -1 else value)
        with pytest.raises(InvalidKey, match="hex must be exactly 64 characters") as caught:
            parse(text)
        assert shown in str(caught.value)
        assert value[5:25] not in str(caught.value)
