"""The Redis store under a crisis, on a real redis-server: no claim, dispatch or task claim while the
crisis note exists (checked inside the Lua scripts), and who paused a job is kept with it. Also: a
Redis URL's password never shows in an error, however it is written."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

pytest.importorskip("redis", reason="the celery extra is not installed")
import redis

import decentsocial as ds
from decentsocial.redis_store import PREFIX, RedisStore
from decentsocial.scheduler import Scheduler

from .test_celery import RedisServer

pytestmark = pytest.mark.server

START = datetime.now(timezone.utc).replace(microsecond=0)


@pytest.fixture(scope="module")
def server() -> Iterator[RedisServer]:
    running = RedisServer()
    yield running
    running.stop()


@pytest.fixture
def sched(server: RedisServer, profiles: Path) -> Iterator[Scheduler]:
    client = redis.Redis.from_url(server.url(5))
    for key in client.scan_iter(PREFIX + "*"):
        client.delete(key)
    client.close()
    s = Scheduler(server.url(5), now=lambda: START)
    yield s
    s.close()


def redis_store(sched: Scheduler) -> RedisStore:
    assert isinstance(sched.store, RedisStore)
    return sched.store


def test_nothing_is_claimed_or_dispatched_while_the_crisis_note_exists(sched: Scheduler) -> None:
    store = redis_store(sched)
    sent = sched.schedule("sent before the crisis", ["brand-a"], at=START)
    ((job_id, token),) = store.dispatch(START.timestamp(), 10)
    assert job_id == sent.id
    assert store.swap_note("crisis", None, '{"id": "x"}')  # another process's crisis begins
    due = sched.schedule("SALE! planned during the crisis", ["brand-a"], at=START)
    now = START.timestamp()
    assert store.claim_token(sent.id, token, now, now + 60, "w") is False
    assert store.claim(now, now + 60, "w", 10) == []
    assert store.dispatch(now + 600, 10) == []
    assert sched.run_pending() == 0
    assert sched.job(due.id).status == "scheduled"
    assert store.swap_note("crisis", '{"id": "x"}', None)
    assert store.claim_token(sent.id, token, now, now + 60, "w") is True  # the task's claim, once over
    assert [j.id for j in store.claim(now, now + 60, "w", 10)] == [due.id]


def test_a_job_held_by_hand_during_the_crisis_stays_held(sched: Scheduler) -> None:
    sale = sched.schedule("SALE! 50% off", ["brand-a"], at=START + timedelta(hours=1))
    other = sched.schedule("Tips for spring", ["brand-a"], at=START + timedelta(hours=1))
    c = ds.crisis("statement", ["brand-c"], scheduler=sched, pin=False)
    assert sorted(c.paused) == sorted([sale.id, other.id])
    assert sched.pause(sale.id) == [sale.id]
    assert sched.pause(sale.id) == [sale.id]
    assert c.end().resumed == (other.id,)
    assert sched.job(sale.id).status == "paused"
    assert sched.job(other.id).status == "scheduled"
    assert sched.resume(sale.id) == [sale.id]


@pytest.mark.parametrize(
    "url",
    [
        "redis://:Top#Secret99@127.0.0.1:6399/0",
        "redis://:Xy?pq77%40127.0.0.1%3A6399%2F0=",
        "redis://:Xy/pq77@127.0.0.1:6399/0",
        "redis://u:Xy#pq77@127.0.0.1:6399/0",
        "redis://:Xy77@[::1/0",
        "redis://:Xy77@127.0.0.1:notaport/0",
    ],
)
def test_a_password_never_shows_in_a_bad_url_error(url: str) -> None:
    with pytest.raises(ds.ConfigurationError) as caught:
        Scheduler(url)
    shown = str(caught.value) + repr(caught.value)
    assert "bad Redis URL" in shown
    for piece in ("Top", "Secret", "Xy", "pq77"):
        assert piece not in shown
