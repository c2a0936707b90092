"""Publish 500 notes and read them back: decentsocial versus direct websocket + coincurve calls.

Both sides talk to the same nostr-relay (started here on loopback, SQLite in a
temporary directory), one note at a time, waiting for each ``OK``; both
verify every event they read (id recomputed, BIP-340 signature checked),
since a client that skips that is not a fair baseline. Each round uses fresh
keys; rounds alternate which side goes first; medians and best times are
reported (the machine's other load makes single runs noisy).

    .venv/bin/python bench/bench_nostr.py [--notes 500] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import coincurve
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import decentsocial as ds
from decentsocial.backends.nostr import NostrNetwork, PrivateKey
from tests.servers.nostr import start_relay

# ------------------------------------------------------------------ the direct baseline


def _event(secret: bytes, pubkey: str, content: str) -> dict[str, Any]:
    created_at = int(time.time())
    serial = json.dumps([0, pubkey, created_at, 1, [], content], separators=(",", ":"), ensure_ascii=False)
    eid = hashlib.sha256(serial.encode()).digest()
    sig = coincurve.PrivateKey(secret).sign_schnorr(eid, os.urandom(32))
    return {
        "id": eid.hex(),
        "pubkey": pubkey,
        "created_at": created_at,
        "kind": 1,
        "tags": [],
        "content": content,
        "sig": sig.hex(),
    }


def _verified(event: dict[str, Any]) -> bool:
    serial = json.dumps(
        [0, event["pubkey"], event["created_at"], event["kind"], event["tags"], event["content"]],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    eid = hashlib.sha256(serial.encode()).digest()
    if eid.hex() != event["id"]:
        return False
    key = coincurve.PublicKeyXOnly(bytes.fromhex(event["pubkey"]))
    return bool(key.verify(bytes.fromhex(event["sig"]), eid))


async def _direct(url: str, notes: int) -> tuple[float, float, int]:
    secret = os.urandom(32)
    pubkey = coincurve.PublicKeyXOnly.from_secret(secret).format().hex()
    async with websockets.connect(url, max_size=2**24) as ws:
        started = time.perf_counter()
        for i in range(notes):
            await ws.send(json.dumps(["EVENT", _event(secret, pubkey, f"direct note {i}")]))
            while True:
                reply = json.loads(await ws.recv())
                if reply[0] == "OK":
                    assert reply[2] is True, reply
                    break
        published = time.perf_counter() - started
        started = time.perf_counter()
        sub = uuid.uuid4().hex[:16]
        await ws.send(json.dumps(["REQ", sub, {"authors": [pubkey], "kinds": [1], "limit": notes}]))
        events = []
        while True:
            reply = json.loads(await ws.recv())
            if reply[0] == "EOSE":
                break
            if reply[0] == "EVENT" and _verified(reply[2]):
                events.append(reply[2])
        await ws.send(json.dumps(["CLOSE", sub]))
        read = time.perf_counter() - started
    return published, read, len(events)


# ------------------------------------------------------------------ decentsocial


def _decentsocial(url: str, notes: int) -> tuple[float, float, int]:
    net = ds.connect("nostr", private_key=PrivateKey.generate().nsec, relays=[url], page_size=notes)
    assert isinstance(net, NostrNetwork)
    try:
        net.me()  # connect first, as the direct side's `websockets.connect` is outside its timing
        started = time.perf_counter()
        for i in range(notes):
            net.publish(f"decentsocial note {i}")
        published = time.perf_counter() - started
        started = time.perf_counter()
        count = sum(1 for _ in net.posts(limit=None))
        read = time.perf_counter() - started
    finally:
        net.close()
    return published, read, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        relay = start_relay(Path(tmp))
        try:
            ours: list[tuple[float, float, int]] = []
            direct: list[tuple[float, float, int]] = []
            for round_ in range(args.rounds):
                if round_ % 2:
                    ours.append(_decentsocial(relay.url, args.notes))
                    direct.append(asyncio.run(_direct(relay.url, args.notes)))
                else:
                    direct.append(asyncio.run(_direct(relay.url, args.notes)))
                    ours.append(_decentsocial(relay.url, args.notes))
        finally:
            relay.stop()
    for name, rows in (("decentsocial", ours), ("direct", direct)):
        assert all(count == args.notes for *_, count in rows), f"{name} read back {[r[2] for r in rows]}"

    def pick(rows: list[tuple[float, float, int]], i: int, how: str) -> float:
        values = [r[i] if i < 2 else r[0] + r[1] for r in rows]
        return statistics.median(values) if how == "median" else min(values)

    print(f"nostr-relay 1.14 on loopback, {args.notes} notes, {args.rounds} rounds (median; best)")
    print(f"{'':12}{'decentsocial':>14}{'direct':>10}{'ratio':>8}   {'best ratio':>10}")
    for label, i in (("publish", 0), ("read back", 1), ("total", 2)):
        a, b = pick(ours, i, "median"), pick(direct, i, "median")
        best = pick(ours, i, "min") / pick(direct, i, "min")
        print(f"{label:12}{a:>13.3f}s{b:>9.3f}s{a / b:>8.2f}   {best:>10.2f}")


if __name__ == "__main__":
    main()
