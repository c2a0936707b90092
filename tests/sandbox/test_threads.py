"""Thread safety: many threads publishing at once lose nothing and duplicate nothing."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from decentsocial import Draft
from decentsocial.backends.sandbox import SandboxNetwork

from .conftest import sandbox

THREADS = 8
POSTS = 500


def publish_many(net: SandboxNetwork, worker: int) -> list[str]:
    return [net.publish(f"worker {worker} post {i}").id for i in range(POSTS)]


def check(ids_by_worker: list[list[str]], texts: list[str]) -> None:
    every_id = [i for ids in ids_by_worker for i in ids]
    assert len(every_id) == THREADS * POSTS
    assert len(set(every_id)) == THREADS * POSTS, "duplicate post ids"
    assert len(texts) == THREADS * POSTS, "posts lost or duplicated in the database"
    assert sorted(texts) == sorted(f"worker {w} post {i}" for w in range(THREADS) for i in range(POSTS))


def test_eight_threads_share_one_connection() -> None:
    net = sandbox(account="busy")
    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(lambda w: publish_many(net, w), range(THREADS)))
    texts = [p.text for p in net.posts(limit=None)]
    check(results, texts)
    assert net.me().posts_count == THREADS * POSTS
    net.close()


def test_eight_connections_share_one_file(tmp_path: Path) -> None:
    path = tmp_path / "busy.db"
    nets = [sandbox(path=str(path), account=f"writer{w}", timeout=30) for w in range(THREADS)]
    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(lambda w: publish_many(nets[w], w), range(THREADS)))
    with sqlite3.connect(path) as db:
        texts = [row[0] for row in db.execute("SELECT text FROM posts")]
    check(results, texts)
    for net in nets:
        net.close()


def test_one_idempotency_key_from_many_threads_is_one_post() -> None:
    net = sandbox(account="racer")
    draft = Draft(text="exactly once", idempotency_key="race-1")
    with ThreadPoolExecutor(THREADS) as pool:
        ids = set(pool.map(lambda _: net.publish(draft).id, range(THREADS * 4)))
    assert len(ids) == 1
    assert [p.text for p in net.posts(limit=None)] == ["exactly once"]
    net.close()


def test_reading_while_writing() -> None:
    net = sandbox(account="reader")
    reader = net.as_account("other")

    def write(worker: int) -> int:
        for i in range(100):
            net.publish(f"#busy {worker} {i}")
        return worker

    def read(_: int) -> int:
        seen = 0
        for _ in range(20):
            seen = max(seen, sum(1 for _ in reader.search("#busy", limit=None)))
        return seen

    with ThreadPoolExecutor(4) as pool:
        writers = [pool.submit(write, w) for w in range(2)]
        readers = [pool.submit(read, r) for r in range(2)]
        for f in writers + readers:
            f.result()
    assert sum(1 for _ in reader.search("#busy", limit=None)) == 200
    reader.close()
    net.close()
