"""Bluesky backend overhead against raw atproto calls, on the local reference AT Protocol stack.

Starts the stack from tests/servers/bluesky (run its install.sh first), or
uses a running PDS given with ``--base-url``. Prints, side by side:

* reading 1,000 posts of one account: ``posts(limit=1000)`` versus paging
  atproto's ``get_author_feed`` directly (same server, same run; median of runs);
* publishing 200 posts: ``publish`` versus atproto's ``send_post``, as
  per-post overhead.

    .venv/bin/python bench/bench_bluesky.py [--runs 5] [--base-url http://localhost:2583]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _table import Row, side_by_side

import decentsocial as ds

PASSWORD = "bench-password"
READ_COUNT = 1000
PUBLISH_COUNT = 200


def timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def publish_all(send: Callable[..., Any], texts: list[str]) -> None:
    for text in texts:
        send(text)


def create_account(base_url: str, name: str) -> str:
    handle = f"{name}-{uuid.uuid4().hex[:6]}.test"
    answer = httpx.post(
        f"{base_url}/xrpc/com.atproto.server.createAccount",
        json={"handle": handle, "email": f"{handle}@example.com", "password": PASSWORD},
        timeout=60,
    )
    answer.raise_for_status()
    return handle


def signed_in(base_url: str, handle: str) -> tuple[str, dict[str, str]]:
    """(DID, request headers) of a fresh session of ``handle`` (plain HTTP)."""
    session = httpx.post(
        f"{base_url}/xrpc/com.atproto.server.createSession",
        json={"identifier": handle, "password": PASSWORD},
        timeout=60,
    ).json()
    return str(session["did"]), {"Authorization": f"Bearer {session['accessJwt']}"}


def seed_posts(base_url: str, handle: str, count: int) -> str:
    """``count`` posts in batches of 200 with applyWrites (plain HTTP); returns the DID."""
    did, headers = signed_in(base_url, handle)
    for start in range(0, count, 200):
        writes = [
            {
                "$type": "com.atproto.repo.applyWrites#create",
                "collection": "app.bsky.feed.post",
                "value": {
                    "$type": "app.bsky.feed.post",
                    "text": f"bench post {i} #bench",
                    "createdAt": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z"),
                },
            }
            for i in range(start, min(count, start + 200))
        ]
        answer = httpx.post(
            f"{base_url}/xrpc/com.atproto.repo.applyWrites",
            json={"repo": did, "writes": writes},
            headers=headers,
            timeout=120,
        )
        answer.raise_for_status()
    return did


def wait_indexed(client: Any, did: str, count: int, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        profile = client.app.bsky.actor.get_profile({"actor": did})
        if (profile.posts_count or 0) >= count:
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"the AppView indexed only {profile.posts_count} of {count} posts")
        time.sleep(0.5)


def raw_read(client: Any, did: str, count: int) -> list[Any]:
    """Page atproto's get_author_feed directly, as a user of atproto would, keeping the posts."""
    posts: list[Any] = []
    cursor = None
    while len(posts) < count:
        page = client.get_author_feed(
            actor=did, limit=min(100, count - len(posts)), cursor=cursor, filter="posts_with_replies"
        )
        posts += [item.post for item in page.feed]
        cursor = page.cursor
        if not cursor or not page.feed:
            break
    return posts


def reader(base_url: str, count: int) -> tuple[Any, str, Any]:
    """An account with ``count`` indexed posts: atproto's client, its DID and our connection, each
    having read the posts once (checked, and warmed up)."""
    from atproto import Client

    handle = create_account(base_url, "benchread")
    did = seed_posts(base_url, handle, count)
    raw = Client(base_url=base_url)
    raw.login(handle, PASSWORD, fetch_bsky_profile=False)
    wait_indexed(raw, did, count)
    net = ds.connect("bluesky", base_url=base_url, handle=handle, password=PASSWORD)
    assert len(list(net.posts(limit=count))) == count
    assert len(raw_read(raw, did, count)) == count
    return raw, did, net


def run(base_url: str, runs: int) -> None:
    from atproto import Client

    raw, did, net = reader(base_url, READ_COUNT)

    ours: list[float] = []
    theirs: list[float] = []
    for i in range(runs):  # back to back, which side goes first alternating (as in ``rows``)
        if i % 2:
            ours.append(timed(lambda: list(net.posts(limit=READ_COUNT))))
            theirs.append(timed(lambda: raw_read(raw, did, READ_COUNT)))
        else:
            theirs.append(timed(lambda: raw_read(raw, did, READ_COUNT)))
            ours.append(timed(lambda: list(net.posts(limit=READ_COUNT))))
    read_ratio = statistics.median(ours) / statistics.median(theirs)

    print(
        f"read {READ_COUNT} posts (median of {runs}): "
        f"posts(limit={READ_COUNT}) {statistics.median(ours):.3f}s"
        f" | atproto get_author_feed {statistics.median(theirs):.3f}s"
        f" | ratio {read_ratio:.2f} (goal <= 1.10)",
        flush=True,
    )

    writer_handle = create_account(base_url, "benchwrite")
    raw_writer = Client(base_url=base_url)
    raw_writer.login(writer_handle, PASSWORD, fetch_bsky_profile=False)
    writer = ds.connect("bluesky", base_url=base_url, handle=writer_handle, password=PASSWORD)
    writer_did = writer.me().id
    raw_send = partial(raw_writer.send_post, profile_identify=writer_did)
    writer.publish("warm up")
    raw_send("warm up")
    raw_times: list[float] = []
    our_times: list[float] = []
    rounds = 20  # alternate small batches, so both see the same server state and machine load
    for round_ in range(rounds):
        # Plain text: no facets on either side, so both write the same kind of record.
        texts = [f"round {round_} post {i}" for i in range(PUBLISH_COUNT // rounds)]
        raw_times.append(timed(partial(publish_all, raw_send, texts)))
        our_times.append(timed(partial(publish_all, writer.publish, texts)))
    raw_publish, our_publish = sum(raw_times), sum(our_times)
    overhead_ms = (our_publish - raw_publish) / PUBLISH_COUNT * 1000

    print(
        f"publish {PUBLISH_COUNT} posts: publish() {our_publish:.2f}s | atproto send_post {raw_publish:.2f}s"
        f" | overhead {overhead_ms:+.2f} ms/post ({our_publish / raw_publish:.2f}x)"
    )


def rows(quick: bool) -> list[Row]:
    """For ``run_all``: reading ÷ atproto per round, on the local stack (minutes to start)."""
    from tests.servers.bluesky import BlueskyStack

    count = 200 if quick else READ_COUNT
    stack = BlueskyStack.start()
    try:
        raw, did, net = reader(stack.pds_url, count)
        # Which side goes first alternates, as in every other bench: on this stack the second read
        # of a round is served from warmer caches (a fixed order favoured the baseline).
        ratios = side_by_side(
            lambda: list(net.posts(limit=count)), lambda: raw_read(raw, did, count), 4 if quick else 10
        )
    finally:
        stack.stop()
    return [Row(f"Bluesky read {count:,} ÷ atproto", ratios, ("<=", 1.05))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base-url", help="a running PDS (default: start the local stack)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if args.base_url:
        run(args.base_url, args.runs)
        return
    from tests.servers.bluesky import BlueskyStack

    stack = BlueskyStack.start()
    try:
        run(stack.pds_url, args.runs)
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
