"""A Redis store holding a damaged job (its key another kind than a hash, its outcomes another kind,
a time that is no number on a job whose worker died) lists it as failed and keeps the others running:
before, that one key failed every listing, every worker's claim, the dispatcher and pause-all.

A redis-server of this module's own on loopback; the damage is written with raw commands.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial.scheduler import Scheduler

from .profiles import START, Clock

pytest.importorskip("redis", reason="the celery extra is not installed")
import redis

from decentsocial.redis_store import PREFIX, RedisStore

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    from .test_celery import RedisServer

    server = RedisServer()
    yield server.url(4)
    server.stop()


@pytest.fixture
def url(server_url: str) -> Iterator[str]:
    client = redis.Redis.from_url(server_url, decode_responses=True)
    client.flushdb()
    yield server_url
    client.close()


def texts(folder: Path) -> list[str]:
    with ds.connect("sandbox", path=folder / "a.db", account="brand") as net:
        return sorted(p.text for p in net.posts(limit=None))


def job_not_a_hash(client: redis.Redis, job_id: str) -> None:
    client.delete(PREFIX + "job:" + job_id)
    client.set(PREFIX + "job:" + job_id, "not a hash")


def outcomes_not_a_hash(client: redis.Redis, job_id: str) -> None:
    client.rpush(PREFIX + "out:" + job_id, "not a hash")


def died_with_its_time_damaged(client: redis.Redis, job_id: str) -> None:
    """Its worker died while running it (the lease expired), and its time is text since."""
    lease_end = START.timestamp() + 60
    client.hset(
        PREFIX + "job:" + job_id,
        mapping={"status": "running", "lease_owner": "gone", "lease_until": repr(lease_end), "at": "soon"},
    )
    client.zrem(PREFIX + "due", job_id)
    client.zadd(PREFIX + "leases", {job_id: lease_end})


DAMAGE: dict[str, Callable[[redis.Redis, str], None]] = {
    "job not a hash": job_not_a_hash,
    "outcomes not a hash": outcomes_not_a_hash,
    "died, time damaged": died_with_its_time_damaged,
}


def plan(url: str, clock: Clock, damage: Callable[[redis.Redis, str], None]) -> tuple[list[str], str]:
    """Three good jobs due after a damaged one; their ids and the damaged one's."""
    with Scheduler(url, now=clock) as sched:
        damaged = sched.schedule("damaged", ["brand-a"], at=START + timedelta(seconds=30)).id
        good = [
            sched.schedule(f"still goes out {n}", ["brand-a"], at=START + timedelta(minutes=1 + n)).id
            for n in range(3)
        ]
    client = redis.Redis.from_url(url, decode_responses=True)
    damage(client, damaged)
    client.close()
    return good, damaged


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_a_damaged_job_is_listed_failed_and_hides_no_other(
    url: str, profiles: Path, damage: Callable[[redis.Redis, str], None]
) -> None:
    clock = Clock()
    good, damaged = plan(url, clock, damage)
    with Scheduler(url, now=clock) as sched:
        listed = {job.id: job for job in sched.jobs()}
        assert set(listed) == {damaged, *good}
        assert listed[damaged].status == "failed"
        error = listed[damaged].error
        assert error is not None
        assert damaged in error.message
        assert [listed[i].status for i in good] == ["scheduled"] * 3
        assert sched.job(damaged).status == "failed"
        assert set(good) <= set(sched.pause())  # a crisis pauses every job the same way
        assert set(good) <= set(sched.resume())


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_workers_racing_past_a_damaged_job_post_every_other_once(
    url: str, profiles: Path, damage: Callable[[redis.Redis, str], None]
) -> None:
    clock = Clock()
    good, damaged = plan(url, clock, damage)
    clock.now = START + timedelta(hours=1)
    failures: list[Exception] = []
    start = threading.Barrier(3)

    def worker() -> None:
        with Scheduler(url, now=clock) as sched:
            start.wait()
            try:
                while sched.run_pending():
                    pass
            except Exception as exc:  # a worker that stops is the finding
                failures.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert texts(profiles) == [f"still goes out {n}" for n in range(3)]
    with Scheduler(url, now=clock) as sched:
        assert [sched.job(i).status for i in good] == ["done"] * 3
        assert sched.job(damaged).status == "failed"


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_the_dispatcher_sends_the_other_jobs(
    url: str, profiles: Path, damage: Callable[[redis.Redis, str], None]
) -> None:
    clock = Clock()
    good, damaged = plan(url, clock, damage)
    store = RedisStore(url)
    try:
        now = (START + timedelta(hours=1)).timestamp()
        sent = dict(store.dispatch(now, 100))
        assert set(good) <= set(sent)
        if damage is job_not_a_hash:  # no task can claim it: never sent
            assert damaged not in sent
        for job_id in good:
            assert store.claim_token(job_id, sent[job_id], now, now + 300, "worker")
    finally:
        store.close()
