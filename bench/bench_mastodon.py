"""Mastodon backend benchmarks (a script, not a timed test).

1. Reading 1,000 statuses: ``posts(limit=1000)`` against Mastodon.py's own
   paging (``account_statuses`` + ``fetch_next``, 40 a page) on the same
   ``mastodon_mock`` server; prints both times and the ratio (goal ≤ 1.10).
2. Converting every status in the recorded Mastodon 4.x cassettes
   (tests/fixtures/mastodon/cassettes): statuses per second.

Run from the repository root: ``python bench/bench_mastodon.py [--rounds 5]``.
It starts its own server on 127.0.0.1:38102 and stops it when done.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from _table import Row  # noqa: E402
from mastodon import Mastodon  # noqa: E402

from decentsocial.backends.mastodon.convert import to_post  # noqa: E402
from tests.mastodon.cassettes import recorded_statuses  # noqa: E402
from tests.servers.mastodon import MastodonServer, start_server  # noqa: E402

PORT = 38102
STATUSES = 1000
PAGE = 40


def seed(server: MastodonServer) -> None:
    headers = {"Authorization": f"Bearer {server.tokens['alice']}"}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as client:
        for i in range(STATUSES):
            text = f"Status {i} with a #benchmark tag and a link https://example.com/{i} &amp; more"
            client.post("/api/v1/statuses", data={"status": text}).raise_for_status()


def read_with_backend(server: MastodonServer) -> float:
    net = server.connect("alice")
    me = net.me()
    started = time.perf_counter()
    count = sum(1 for _ in net.posts(me, limit=STATUSES))
    elapsed = time.perf_counter() - started
    net.close()
    assert count == STATUSES, count
    return elapsed


def read_with_mastodon_py(server: MastodonServer) -> float:
    api = Mastodon(
        api_base_url=server.base_url, access_token=server.tokens["alice"], ratelimit_method="throw"
    )
    me = api.account_verify_credentials()
    started = time.perf_counter()
    count = 0
    page = api.account_statuses(me["id"], limit=PAGE)
    while page:
        count += len(page)
        if count >= STATUSES:
            break
        page = api.fetch_next(page)
    elapsed = time.perf_counter() - started
    assert count == STATUSES, count
    return elapsed


def bench_reading(rounds: int) -> None:
    with start_server(PORT, ratelimit=False) as server:
        seed(server)
        read_with_backend(server)  # warm up both paths (instance cache, imports)
        read_with_mastodon_py(server)
        ours, theirs = [], []
        for _ in range(rounds):  # interleaved, so a busy machine slows both alike
            theirs.append(read_with_mastodon_py(server))
            ours.append(read_with_backend(server))
        a, b = statistics.median(ours), statistics.median(theirs)
        print(f"read {STATUSES} statuses, median of {rounds}:")
        print(f"  Mastodon.py account_statuses + fetch_next : {b:.3f} s")
        print(f"  decentsocial posts(limit={STATUSES})          : {a:.3f} s")
        print(f"  ratio (decentsocial / Mastodon.py)        : {a / b:.3f}  (goal <= 1.10)")


def bench_conversion(rounds: int) -> None:
    statuses = recorded_statuses()
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for status in statuses:
            to_post(status)
        best = min(best, time.perf_counter() - started)
    print(f"convert {len(statuses)} recorded Mastodon 4.x statuses: best of {rounds} {best * 1000:.1f} ms")
    print(f"  {len(statuses) / best:,.0f} statuses per second")


def rows(quick: bool) -> list[Row]:
    """For ``run_all``: reading ÷ Mastodon.py per round, on a server on a free port."""
    global STATUSES
    if quick:
        STATUSES = 200
    with start_server(_free_port(), ratelimit=False) as server:
        seed(server)
        read_with_backend(server)
        read_with_mastodon_py(server)
        ratios = []
        for i in range(3 if quick else 9):
            if i % 2:
                ours = read_with_backend(server)
                theirs = read_with_mastodon_py(server)
            else:
                theirs = read_with_mastodon_py(server)
                ours = read_with_backend(server)
            ratios.append(ours / theirs)
    return [Row(f"Mastodon read {STATUSES:,} ÷ Mastodon.py", ratios, ("<=", 1.05))]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    bench_conversion(args.rounds)
    bench_reading(args.rounds)


if __name__ == "__main__":
    main()
