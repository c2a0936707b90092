"""Monitoring benchmarks (a script, not a timed test).

1. Latency from publish to yield, per streaming network on its local server:
   ``ds.monitor`` against the raw stream of the same server, both watching
   at once, so each post is timed on both sides under the same load: the
   sandbox's own ``stream()``, a websocket ``REQ`` subscription sent
   straight to nostr-relay, Mastodon.py's ``stream_public``. Prints the
   median of each side in ms and the median of the per-post ratios.
2. Memory while monitoring ``--posts`` sandbox posts (default 100,000),
   after 10 % of them were yielded and after all of them: the Python heap
   (tracemalloc: the monitor's own structures are bounded, so it should
   stay flat) and the process's resident memory (which also holds SQLite's
   page cache of the growing database and the allocator's free lists).

Run from the repository root: ``python bench/bench_monitor.py [--rounds 20]
[--posts 100000] [--only sandbox,nostr,mastodon]``. Small sizes for a quick
look: ``--rounds 5 --posts 2000``. Servers are started here on loopback and
stopped when done.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import sys
import tempfile
import threading
import time
import tracemalloc
import uuid
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import decentsocial as ds  # noqa: E402
from decentsocial.base import BaseNetwork  # noqa: E402

#: How long one post may take on either side before the round counts as lost.
TIMEOUT = 15.0


class Watcher:
    """``ds.monitor`` in a thread: the arrival time of each post by its text's marker word."""

    def __init__(self, net: BaseNetwork[Any], word: str) -> None:
        self.arrivals: dict[str, float] = {}
        self.stop = threading.Event()
        self.asked = 0
        self.ready = threading.Event()

        def stopping() -> bool:
            self.asked += 1
            if self.asked >= 2:
                self.ready.set()
            return self.stop.is_set()

        def run() -> None:
            for post in ds.monitor([net], [word], stop=stopping):
                self.arrivals[post.text.split()[-1]] = time.perf_counter()

        threading.Thread(target=run, daemon=True).start()
        if not self.ready.wait(60):
            raise RuntimeError("the monitor did not start")
        time.sleep(2.5)  # past its first catch-up search: only the stream delivers from here


def _rounds(
    name: str,
    publish: Callable[[str], object],
    monitor_side: dict[str, float],
    raw_side: dict[str, float],
    rounds: int,
) -> None:
    """Publish ``rounds`` posts one by one; print both sides' median latency and the median ratio."""
    ours, theirs, ratios = [], [], []
    for _ in range(rounds):
        marker = uuid.uuid4().hex
        sent = time.perf_counter()
        publish(marker)
        deadline = sent + TIMEOUT
        while (marker not in monitor_side or marker not in raw_side) and time.perf_counter() < deadline:
            time.sleep(0.001)
        if marker not in monitor_side or marker not in raw_side:
            print(f"  {name}: a post was not seen by both sides within {TIMEOUT} s")
            continue
        a, b = monitor_side[marker] - sent, raw_side[marker] - sent
        ours.append(a)
        theirs.append(b)
        ratios.append(a / b)
        time.sleep(0.05)
    if not ratios:
        return
    print(
        f"{name:9s} monitor {statistics.median(ours) * 1000:7.1f} ms   raw stream "
        f"{statistics.median(theirs) * 1000:7.1f} ms   ratio {statistics.median(ratios):5.2f} "
        f"(median of {len(ratios)}; range {min(ratios):.2f}-{max(ratios):.2f})"
    )


def bench_sandbox(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        watcher_net = ds.connect("sandbox", path=path, account="brand")
        raw_net = ds.connect("sandbox", path=path, account="raw")
        writer = ds.connect("sandbox", path=path, account="fan")
        word = "benchword"
        raw: dict[str, float] = {}
        stream = raw_net.stream()

        def read_raw() -> None:
            with suppress(ds.DecentSocialError):  # ends when the connection closes
                for post in stream:
                    raw[post.text.split()[-1]] = time.perf_counter()

        threading.Thread(target=read_raw, daemon=True).start()
        watcher = Watcher(watcher_net, word)
        _rounds("sandbox", lambda m: writer.publish(f"{word} {m}"), watcher.arrivals, raw, rounds)
        watcher.stop.set()
        for net in (watcher_net, raw_net, writer):
            net.close()


def bench_nostr(rounds: int) -> None:
    import websockets

    from tests.servers.nostr import start_relay

    with tempfile.TemporaryDirectory() as folder:
        relay = start_relay(Path(folder))
        try:
            brand = ds.connect("nostr", relays=[relay.url], private_key=os.urandom(32).hex())
            fan = ds.connect("nostr", relays=[relay.url], private_key=os.urandom(32).hex())
            word = "benchword"
            raw: dict[str, float] = {}
            ready = threading.Event()

            async def subscribe() -> None:
                async with websockets.connect(relay.url) as ws:
                    await ws.send(json.dumps(["REQ", "raw", {"kinds": [1], "since": int(time.time())}]))
                    ready.set()
                    async for message in ws:
                        data = json.loads(message)
                        if data[0] == "EVENT":
                            raw[data[2]["content"].split()[-1]] = time.perf_counter()

            def listen() -> None:
                with suppress(websockets.exceptions.ConnectionClosed):  # the relay stops at the end
                    asyncio.run(subscribe())

            threading.Thread(target=listen, daemon=True).start()
            ready.wait(10)
            watcher = Watcher(brand, word)
            _rounds("nostr", lambda m: fan.publish(f"{word} {m}"), watcher.arrivals, raw, rounds)
            watcher.stop.set()
            brand.close()
            fan.close()
        finally:
            relay.stop()


def bench_mastodon(rounds: int) -> None:
    import re

    from mastodon import Mastodon, StreamListener

    from tests.servers.mastodon import PORT, start_server

    with start_server(PORT + 5, ratelimit=False) as server:
        brand, fan = server.connect("alice"), server.connect("bob")
        word = "benchword"
        raw: dict[str, float] = {}

        class Listener(StreamListener):
            def on_update(self, status: dict[str, Any]) -> None:
                text = re.sub(r"<[^>]+>", " ", str(status.get("content", ""))).split()
                if text:
                    raw[text[-1]] = time.perf_counter()

        api = Mastodon(access_token=server.tokens["alice"], api_base_url=server.base_url)
        handle = api.stream_public(Listener(), run_async=True)
        watcher = Watcher(brand, word)
        _rounds("mastodon", lambda m: fan.publish(f"{word} {m}"), watcher.arrivals, raw, rounds)
        watcher.stop.set()
        handle.close()


def _rss_mb() -> float:
    """This process's resident memory (Linux ``/proc``), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _publish(path: Path, count: int) -> None:
    with ds.connect("sandbox", path=path, account="fan") as fan:
        for n in range(count):
            fan.publish(f"acme post {n}")


def bench_memory(posts: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "memory.db"
        cursor = Path(folder) / "monitor.json"
        brand = ds.connect("sandbox", path=path, account="brand")
        asked = 0

        def stopping() -> bool:
            nonlocal asked
            asked += 1
            if asked == 2:  # the monitor made its first search: publish from now on
                threading.Thread(target=_publish, args=(path, posts), daemon=True).start()
            return False

        tenth = max(1, posts // 10)
        at_tenth = heap_at_tenth = float("nan")
        tracemalloc.start()
        started = time.perf_counter()
        for yielded, _ in enumerate(ds.monitor([brand], ["acme"], cursor=cursor, stop=stopping), start=1):
            if yielded == tenth:
                at_tenth, heap_at_tenth = _rss_mb(), tracemalloc.get_traced_memory()[0] / 2**20
            if yielded >= posts:
                break
        at_end, heap_at_end = _rss_mb(), tracemalloc.get_traced_memory()[0] / 2**20
        took = time.perf_counter() - started
        tracemalloc.stop()
        print(
            f"memory    {posts:,} sandbox posts monitored (a cursor file), after {tenth:,} -> {posts:,}: "
            f"Python heap {heap_at_tenth:.1f} -> {heap_at_end:.1f} MB "
            f"(growth {heap_at_end - heap_at_tenth:+.1f} MB), process RSS {at_tenth:.1f} -> {at_end:.1f} MB "
            f"(SQLite's page cache and the allocator included; {posts / took:,.0f} posts/s, traced)"
        )
        brand.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=20, help="posts timed per network")
    parser.add_argument("--posts", type=int, default=100_000, help="sandbox posts for the memory run")
    parser.add_argument("--only", default="sandbox,nostr,mastodon,memory", help="comma list of parts")
    args = parser.parse_args()
    parts = {p.strip() for p in args.only.split(",")}
    os.environ.setdefault("DECENTSOCIAL_STATE_DIR", tempfile.mkdtemp(prefix="decentsocial-bench-"))
    # Servers are stopped while monitor threads may still be reconnecting: their warnings are not results.
    logging.getLogger("decentsocial").setLevel(logging.ERROR)
    print("publish-to-yield latency, ds.monitor with default settings vs the raw stream (median):")
    for name, bench in (("sandbox", bench_sandbox), ("nostr", bench_nostr), ("mastodon", bench_mastodon)):
        if name in parts:
            bench(args.rounds)
    if "memory" in parts:
        bench_memory(args.posts)


if __name__ == "__main__":
    main()
