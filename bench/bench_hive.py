"""Hive/Steem benchmarks: reads through the backend vs raw JSON-RPC, and local signing.

Prints ratios measured side by side in one run against the recorded-answer
replay node on loopback (the machine is shared and noisy, so nothing here is
asserted). Run from the repository root: ``python bench/bench_hive.py``.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _table import Row

from tests.servers._jsonrpc_replay import ReplayServer, load_cases
from tests.servers.hive import FIXTURE, _free_port, hive_connection

ROUNDS = 200


def _median_ms(fn: Callable[[], object], rounds: int = ROUNDS) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def rows(quick: bool) -> list[Row]:
    """For ``run_all``: ``thread()`` ÷ one raw ``get_discussion`` call, per round of 20 calls each."""
    server = ReplayServer(load_cases(FIXTURE), port=_free_port()).start()
    net = hive_connection("hive", server, "alice")
    raw = httpx.Client()
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "bridge.get_discussion",
        "params": {"author": "steemit", "permlink": "firstpost"},
    }
    params = body["params"]
    try:
        net.thread("steemit/firstpost")
        raw.post(server.url, json=body).json()
        ratios, call_ratios = [], []
        for _ in range(5 if quick else 15):
            ours = _median_ms(lambda: net.thread("steemit/firstpost"), 20)
            theirs = _median_ms(lambda: raw.post(server.url, json=body).json(), 20)
            call = _median_ms(lambda: net._call("bridge.get_discussion", params), 20)
            ratios.append(ours / theirs)
            call_ratios.append(call / theirs)
    finally:
        raw.close()
        net.close()
        server.stop()
    return [
        Row("Hive `thread()` (37 posts) ÷ one raw call", ratios, ("<=", 1.2)),
        Row(
            "Hive: the same call through the backend, nothing converted ÷ one raw call",
            call_ratios,
            note="information: what `thread()` adds beyond it is converting the 37 posts",
        ),
    ]


def main() -> None:
    server = ReplayServer(load_cases(FIXTURE), port=_free_port()).start()
    net = hive_connection("hive", server, "alice")
    raw = httpx.Client()
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "bridge.get_discussion",
        "params": {"author": "steemit", "permlink": "firstpost"},
    }
    try:
        ours = _median_ms(lambda: net.thread("steemit/firstpost"))
        theirs = _median_ms(lambda: raw.post(server.url, json=body).json())
        print(f"thread() (37 posts, converted)  {ours:7.2f} ms (median of {ROUNDS})")
        print(f"raw JSON-RPC get_discussion     {theirs:7.2f} ms")
        print(f"ratio                           {ours / theirs:7.2f}  (conversion overhead)")

        def vote() -> None:
            net.vote("steemit/firstpost", 10)
            server.clear()

        signing = _median_ms(vote, 50)
        print(f"vote(): sign + broadcast        {signing:7.2f} ms (median of 50)")
        print(f"ratio to a raw read             {signing / theirs:7.2f}")
    finally:
        raw.close()
        net.close()
        server.stop()


if __name__ == "__main__":
    main()
