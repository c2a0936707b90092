"""A job whose stored post ids are damaged into text or an object (not a list) reads as a job that
cannot be read, in either store: before, the store made a tuple of them, so ``"abc"`` read as the
post ids ``a``, ``b`` and ``c`` (and a retraction deleted what those name), ``{"x": 1}`` as ``x``."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial.scheduler import Scheduler

from .profiles import START, Clock

DAMAGED = ['"abc"', '{"x": 1}']


def run_once(sched: Scheduler) -> str:
    job = sched.schedule("damaged later", ["brand-a"], at=START)
    assert sched.run_pending() == 1
    assert len(sched.job(job.id).post_ids) == 1
    return job.id


def check_unreadable(sched: Scheduler, job_id: str) -> None:
    job = sched.job(job_id)
    assert isinstance(job.error, ds.InvalidInput)
    assert job.post_ids == []
    assert not ds.retract(job).ok


@pytest.mark.parametrize("post_ids", DAMAGED)
def test_sqlite(sched: Scheduler, profiles: Path, post_ids: str) -> None:
    job_id = run_once(sched)
    db = sqlite3.connect(profiles / "campaign.db")
    with db:
        db.execute("UPDATE outcomes SET post_ids = ?", (post_ids,))
    db.close()
    check_unreadable(sched, job_id)


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    pytest.importorskip("redis", reason="the celery extra is not installed")
    from .test_celery import RedisServer

    server = RedisServer()
    yield server.url(5)
    server.stop()


@pytest.mark.server
@pytest.mark.parametrize("post_ids", DAMAGED)
def test_redis(redis_url: str, profiles: Path, clock: Clock, post_ids: str) -> None:
    import redis

    from decentsocial.redis_store import PREFIX

    client = redis.Redis.from_url(redis_url, decode_responses=True)
    client.flushdb()
    sched = Scheduler(redis_url, now=clock)
    try:
        job_id = run_once(sched)
        key = PREFIX + "out:" + job_id
        for field, text in client.hgetall(key).items():
            outcome = json.loads(text)
            outcome["post_ids"] = json.loads(post_ids)
            client.hset(key, field, json.dumps(outcome))
        check_unreadable(sched, job_id)
    finally:
        sched.close()
        client.close()
