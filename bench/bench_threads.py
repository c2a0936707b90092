"""Threads backend benchmarks (a script, not a timed test).

Against the Threads contract server (tests/servers/_threads_app.py), side by side:

1. Reading 500 posts: ``posts(limit=500)`` against plain httpx paging the same
   endpoint with the same fields (100 a page); prints both times and the ratio.
2. Publishing 50 text posts: ``publish`` (with its quota check and insights
   read, then without them) against the bare documented sequence over httpx
   (create container, read status, ``threads_publish``); prints the ratios.

Run from the repository root: ``python bench/bench_threads.py [--rounds 3]``.
It starts its own server on a free port of 127.0.0.1:38300-38309 and stops it.
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

from decentsocial.backends.threads.convert import MEDIA_FIELDS  # noqa: E402
from tests.servers._process import ContractServer, start_server  # noqa: E402
from tests.servers.threads import PORTS, threads_connect, threads_user  # noqa: E402

READ = 500
PUBLISH = 50


def read_backend(server: ContractServer, user: dict[str, str]) -> float:
    net = threads_connect(server, user)
    started = time.perf_counter()
    count = 0
    for _ in net.posts(limit=READ):  # each post visited in a plain loop, as read_raw visits its dicts
        count += 1
    elapsed = time.perf_counter() - started
    net.close()
    assert count == READ, count
    return elapsed


def read_raw(server: ContractServer, user: dict[str, str]) -> float:
    headers = {"Authorization": f"Bearer {user['access_token']}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
        started = time.perf_counter()
        count, after = 0, None
        while count < READ:
            params: dict[str, str | int] = {"fields": MEDIA_FIELDS, "limit": min(100, READ - count)}
            if after:
                params["after"] = after
            body = client.get(f"/v1.0/{user['id']}/threads", params=params).json()
            for _ in body["data"]:
                count += 1
            after = body.get("paging", {}).get("cursors", {}).get("after")
            if not body.get("paging", {}).get("next"):
                break
        elapsed = time.perf_counter() - started
    assert count == READ, count
    return elapsed


def publish_backend(server: ContractServer, **settings: object) -> float:
    net = threads_connect(server, threads_user(server), **settings)
    started = time.perf_counter()
    for i in range(PUBLISH):
        net.publish(f"bench post {i}")
    elapsed = time.perf_counter() - started
    net.close()
    return elapsed


def publish_raw(server: ContractServer) -> float:
    user = threads_user(server)
    headers = {"Authorization": f"Bearer {user['access_token']}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
        started = time.perf_counter()
        for i in range(PUBLISH):
            cid = client.post(
                f"/v1.0/{user['id']}/threads", data={"media_type": "TEXT", "text": f"bench post {i}"}
            ).json()["id"]
            status = client.get(f"/v1.0/{cid}", params={"fields": "status"}).json()["status"]
            assert status == "FINISHED", status
            client.post(f"/v1.0/{user['id']}/threads_publish", data={"creation_id": cid}).raise_for_status()
        return time.perf_counter() - started


def rows(quick: bool) -> list[Row]:
    """For ``run_all``: read ÷ raw httpx and lean publish ÷ raw httpx, one pair per round."""
    server = start_server("tests.servers._threads_app", PORTS)
    reads, publishes = [], []
    try:
        reader = threads_user(server)
        server.control("seed", {"user_id": reader["id"], "count": READ})
        for i in range(3 if quick else 15):  # reads are short (~45 ms): more rounds steady the median
            if i % 2:
                theirs = read_raw(server, reader)
                ours = read_backend(server, reader)
            else:
                ours = read_backend(server, reader)
                theirs = read_raw(server, reader)
            reads.append(ours / theirs)
            if i % 2:
                raw = publish_raw(server)
                lean = publish_backend(server, check_quota=False, fetch_insights=False)
            else:
                lean = publish_backend(server, check_quota=False, fetch_insights=False)
                raw = publish_raw(server)
            publishes.append(lean / raw)
    finally:
        server.stop()
    return [
        Row(f"Threads read {READ} ÷ raw httpx", reads, ("<=", 1.10)),
        Row(f"Threads publish {PUBLISH} ÷ raw httpx (no quota check, no insights)", publishes, ("<=", 1.10)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    server = start_server("tests.servers._threads_app", PORTS)
    try:
        reader = threads_user(server)
        server.control("seed", {"user_id": reader["id"], "count": READ})
        rb = [read_backend(server, reader) for _ in range(args.rounds)]
        rr = [read_raw(server, reader) for _ in range(args.rounds)]
        pb = [publish_backend(server) for _ in range(args.rounds)]
        pl = [publish_backend(server, check_quota=False, fetch_insights=False) for _ in range(args.rounds)]
        pr = [publish_raw(server) for _ in range(args.rounds)]
    finally:
        server.stop()
    b, r = statistics.median(rb), statistics.median(rr)
    print(f"read {READ} posts: backend {b:.3f}s, raw httpx {r:.3f}s, ratio {b / r:.2f}")
    full, lean, raw = statistics.median(pb), statistics.median(pl), statistics.median(pr)
    print(f"publish {PUBLISH} posts: raw httpx {raw:.3f}s")
    print(f"  backend (quota check + insights read) {full:.3f}s, ratio {full / raw:.2f}")
    print(f"  backend (check_quota=False, fetch_insights=False) {lean:.3f}s, ratio {lean / raw:.2f}")


if __name__ == "__main__":
    main()
