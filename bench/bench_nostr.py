"""Publish 500 notes and read them back: decentsocial versus direct websocket + coincurve calls.

Both sides talk to the same nostr-relay (started here on loopback, SQLite in a
temporary directory), one note at a time, waiting for each ``OK``; both
verify every event they read (id recomputed, BIP-340 signature checked),
since a client that skips that is not a fair baseline. The two sides publish
in alternating batches, so a busy machine slows both alike; each round uses
fresh keys. Each round gives its own ratio (its two sides ran under the same
load); the median of those ratios is reported, with their range, and the
median times.

    .venv/bin/python bench/bench_nostr.py [--notes 500] [--rounds 9] [--batch 25]
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
from collections.abc import Callable
from pathlib import Path
from typing import Any

import coincurve
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _table import Row

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


class Direct:
    """The baseline: one websocket and coincurve, driven from this thread by its own event loop."""

    def __init__(self, url: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.secret = os.urandom(32)
        self.pubkey = coincurve.PublicKeyXOnly.from_secret(self.secret).format().hex()
        self.ws = self.loop.run_until_complete(websockets.connect(url, max_size=2**24))

    def publish(self, texts: list[str]) -> None:
        self.loop.run_until_complete(self._publish(texts))

    async def _publish(self, texts: list[str]) -> None:
        for text in texts:
            await self.ws.send(json.dumps(["EVENT", _event(self.secret, self.pubkey, text)]))
            while True:
                reply = json.loads(await self.ws.recv())
                if reply[0] == "OK":
                    assert reply[2] is True, reply
                    break

    def read(self, notes: int) -> int:
        return self.loop.run_until_complete(self._read(notes))

    async def _read(self, notes: int) -> int:
        sub = uuid.uuid4().hex[:16]
        await self.ws.send(json.dumps(["REQ", sub, {"authors": [self.pubkey], "kinds": [1], "limit": notes}]))
        events = []
        while True:
            reply = json.loads(await self.ws.recv())
            if reply[0] == "EOSE":
                break
            if reply[0] == "EVENT" and _verified(reply[2]):
                events.append(reply[2])
        await self.ws.send(json.dumps(["CLOSE", sub]))
        return len(events)

    def close(self) -> None:
        self.loop.run_until_complete(self.ws.close())
        self.loop.close()


# ------------------------------------------------------------------ one round, interleaved


def _timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _round(url: str, notes: int, batch: int, ours_first: bool) -> dict[str, float]:
    """Both sides publish ``notes`` in alternating batches (same machine load), then read back."""
    net = ds.connect("nostr", private_key=PrivateKey.generate().nsec, relays=[url], page_size=notes)
    assert isinstance(net, NostrNetwork)
    direct = Direct(url)
    times = {"ours publish": 0.0, "direct publish": 0.0, "ours read": 0.0, "direct read": 0.0}
    try:
        net.me()  # connected, as the direct side is, before timing starts
        for start in range(0, notes, batch):
            numbers = range(start, min(start + batch, notes))

            def ours(numbers: range = numbers) -> None:
                for i in numbers:
                    net.publish(f"decentsocial note {i}")

            def theirs(numbers: range = numbers) -> None:
                direct.publish([f"direct note {i}" for i in numbers])

            for side in ("ours", "direct") if ours_first else ("direct", "ours"):
                times[f"{side} publish"] += _timed(ours if side == "ours" else theirs)
            ours_first = not ours_first
        counts: dict[str, int] = {}

        def read_ours() -> None:
            counts["ours"] = sum(1 for _ in net.posts(limit=None))

        def read_direct() -> None:
            counts["direct"] = direct.read(notes)

        for side in ("ours", "direct") if ours_first else ("direct", "ours"):
            times[f"{side} read"] = _timed(read_ours if side == "ours" else read_direct)
        assert counts == {"ours": notes, "direct": notes}, counts
    finally:
        net.close()
        direct.close()
    return times


def rows(quick: bool) -> list[Row]:
    """For ``run_all``: publish+read ÷ the direct baseline, per round."""
    notes, count = (100, 3) if quick else (500, 9)
    with tempfile.TemporaryDirectory() as tmp:
        relay = start_relay(Path(tmp))
        try:
            rounds = [_round(relay.url, notes, 25, r % 2 == 0) for r in range(count)]
        finally:
            relay.stop()
    ratios = [(r["ours publish"] + r["ours read"]) / (r["direct publish"] + r["direct read"]) for r in rounds]
    return [Row(f"Nostr publish+read {notes} ÷ raw websockets+coincurve", ratios, ("<=", 1.10))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--batch", type=int, default=25, help="notes per side before switching")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        relay = start_relay(Path(tmp))
        try:
            rounds = [_round(relay.url, args.notes, args.batch, r % 2 == 0) for r in range(args.rounds)]
        finally:
            relay.stop()
    for r in rounds:
        r["ours total"] = r["ours publish"] + r["ours read"]
        r["direct total"] = r["direct publish"] + r["direct read"]

    print(f"nostr-relay 1.14 on loopback, {args.notes} notes, {args.rounds} rounds")
    print(f"{'':12}{'decentsocial':>14}{'direct':>10}{'ratio':>8}   range of the rounds' ratios")
    for phase in ("publish", "read", "total"):
        ours = statistics.median(r[f"ours {phase}"] for r in rounds)
        theirs = statistics.median(r[f"direct {phase}"] for r in rounds)
        ratios = [r[f"ours {phase}"] / r[f"direct {phase}"] for r in rounds]
        spread = f"{min(ratios):.2f}-{max(ratios):.2f}"
        print(f"{phase:12}{ours:>13.3f}s{theirs:>9.3f}s{statistics.median(ratios):>8.2f}   {spread}")


if __name__ == "__main__":
    main()
