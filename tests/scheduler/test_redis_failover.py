"""A Redis store failing over: its primary demoted to a read-only replica for a while, then back.

Managed Redis and Sentinel set-ups do this on maintenance; clients still connected to the old primary
see READONLY errors until they reconnect. Real redis-servers (started as in test_celery.py), the
demotion made with REPLICAOF, the Celery broker a redis-server of its own.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("celery", reason="the celery extra is not installed")
import redis

from decentsocial.redis_store import PREFIX
from decentsocial.scheduler import Scheduler

from .test_celery import RedisServer

pytestmark = pytest.mark.server

#: How long to wait for a step that takes a moment; only a step that never happens reaches it.
NEVER = 60.0


@pytest.fixture
def pair() -> Iterator[tuple[RedisServer, RedisServer]]:
    """A primary and a replica of it, in sync."""
    primary, replica = RedisServer(), RedisServer()
    client = redis.Redis(port=replica.port)
    client.replicaof("127.0.0.1", primary.port)
    client.close()
    yield primary, replica
    replica.stop()
    primary.stop()


def until(condition: object, what: str) -> None:
    deadline = time.monotonic() + NEVER
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.05)


def test_the_dispatcher_waits_out_a_failover_of_the_store(
    pair: tuple[RedisServer, RedisServer],
    profiles: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """While the store answers READONLY, run() logs and tries again (a NetworkUnavailable); once it is
    the primary again, the due job is sent. It used to end the dispatcher with a ConfigurationError."""
    from decentsocial.celery_app import QUEUE

    primary, replica = pair
    broker = RedisServer()
    sched = Scheduler(primary.url(), engine="celery", broker=broker.url(), poll_interval=0.05)
    on_primary, on_replica = redis.Redis(port=primary.port), redis.Redis(port=replica.port)
    queue = redis.Redis(port=broker.port)
    stop = threading.Event()
    ended: list[BaseException] = []

    def dispatch() -> None:
        try:
            sched.run(stop)
        except BaseException as exc:
            ended.append(exc)

    dispatcher = threading.Thread(target=dispatch, daemon=True)
    try:
        job = sched.schedule("sent once the failover is over", ["brand-a"], at=sched._now())
        until(lambda: on_replica.zcard(PREFIX + "due") == 1, "the replica has the job")
        on_replica.replicaof("no", "one")  # the failover: the replica promoted, the primary demoted
        on_primary.replicaof("127.0.0.1", replica.port)
        dispatcher.start()
        until(
            lambda: ended or any("read-only replica" in r.getMessage() for r in caplog.records),
            "the dispatcher met the demoted store",
        )
        assert not ended, ended
        assert dispatcher.is_alive()
        assert queue.llen(QUEUE) == 0  # nothing sent while the store refused the dispatch

        on_primary.replicaof("no", "one")  # primary again, as clients see it after the failover
        until(lambda: ended or queue.llen(QUEUE) >= 1, "the job sent once the store takes writes")
        assert not ended, ended
        assert sched.job(job.id).status == "scheduled"  # sent to the workers, not yet claimed
    finally:
        stop.set()
        dispatcher.join(NEVER)
        sched.close()
        for client in (on_primary, on_replica, queue):
            client.close()
        broker.stop()
    assert not dispatcher.is_alive()
    waits = [r.getMessage() for r in caplog.records if "trying again in" in r.getMessage()]
    assert waits
    assert "read-only replica" in waits[0]
