"""The Celery engine's re-sends, on a real redis-server with a fake clock: a job that waits behind a long
backlog is sent again a handful of times (each wait twice the last, up to an hour), not every two
minutes, while a task the broker lost is still sent again after ``REDISPATCH_AFTER``. Also: a Redis
URL whose port is out of range says so, without its password."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("redis", reason="the celery extra is not installed")
import redis

import decentsocial as ds
from decentsocial.redis_store import PREFIX, REDISPATCH_AFTER, RedisStore
from decentsocial.scheduler import Scheduler

from .profiles import START
from .test_celery import RedisServer

pytestmark = pytest.mark.server

#: How often the simulated dispatcher looks (``run()`` looks every poll interval, a second by default).
STEP = 10.0


@pytest.fixture(scope="module")
def server() -> Iterator[RedisServer]:
    running = RedisServer()
    yield running
    running.stop()


@pytest.fixture
def sched(server: RedisServer, profiles: Path) -> Iterator[Scheduler]:
    client = redis.Redis.from_url(server.url(6))
    for key in client.scan_iter(PREFIX + "*"):
        client.delete(key)
    client.close()
    s = Scheduler(server.url(6), now=lambda: START)
    yield s
    s.close()


def redis_store(sched: Scheduler) -> RedisStore:
    assert isinstance(sched.store, RedisStore)
    return sched.store


def sends(store: RedisStore, job_id: str, start: float, seconds: float) -> list[tuple[float, str]]:
    """When (seconds after ``start``) and with which token the dispatcher, looking every ``STEP``
    seconds for ``seconds``, hands out ``job_id`` (never claimed meanwhile)."""
    handed: list[tuple[float, str]] = []
    for step in range(int(seconds / STEP) + 1):
        now = start + step * STEP
        handed += [(now - start, token) for found, token in store.dispatch(now, 100) if found == job_id]
    return handed


def test_a_job_waiting_behind_a_backlog_is_sent_again_only_a_handful_of_times(sched: Scheduler) -> None:
    store = redis_store(sched)
    job = sched.schedule("behind 10,000 others", ["brand-a"], at=START)
    handed = sends(store, job.id, START.timestamp(), 4 * 3600)
    assert len({token for _, token in handed}) == 1  # always the same token: one run at most
    # Every two minutes, this was 121 tasks; each wait doubles (up to an hour): 8.
    assert len(handed) <= 10, [when for when, _ in handed]
    when = [w for w, _ in handed]
    assert when[:2] == [0.0, REDISPATCH_AFTER]  # the first re-send still comes after two minutes
    gaps = [b - a for a, b in itertools.pairwise(when)]
    assert gaps == sorted(gaps)  # never sooner than the one before
    assert max(gaps) <= 3600 + STEP  # capped: a lost task still goes out again within the hour


def test_a_lost_task_is_still_sent_again_after_redispatch_after(sched: Scheduler) -> None:
    store = redis_store(sched)
    job = sched.schedule("lost with the broker", ["brand-a"], at=START)
    now = START.timestamp()
    ((_, token),) = store.dispatch(now, 10)
    assert store.dispatch(now + REDISPATCH_AFTER - 1, 10) == []
    assert store.dispatch(now + REDISPATCH_AFTER, 10) == [(job.id, token)]


def test_a_claim_or_a_reschedule_starts_the_count_again(sched: Scheduler) -> None:
    """Once a job is claimed (or moved), its next sending is a new one: its first re-send after two
    minutes again, however many times its earlier task was sent."""
    store = redis_store(sched)
    job = sched.schedule("sent often, then claimed", ["brand-a"], at=START)
    start = START.timestamp()
    ((_, token), *again) = sends(store, job.id, start, 3600)
    assert again  # re-sent meanwhile
    now = start + 3600
    assert store.claim_token(job.id, token, now, now + 60, "w")
    assert store.dispatch(now, 10) == []  # running, its lease alive
    later = now + 61  # the lease expired (its worker stopped): sent again, with a new token
    ((_, fresh),) = store.dispatch(later, 10)
    assert fresh != token
    assert store.dispatch(later + REDISPATCH_AFTER, 10) == [(job.id, fresh)]
    sched.pause(job.id)
    sched.resume(job.id)
    ((_, newest),) = store.dispatch(later, 10)
    assert store.dispatch(later + REDISPATCH_AFTER, 10) == [(job.id, newest)]


def test_records_of_either_version_are_re_sent_on_the_same_times(sched: Scheduler) -> None:
    """A count left by the previous version (which never clears it) for another token is not this
    token's; and the queued score stays "when it counts as sent", which the previous version's
    dispatcher reads too (it sends when that is ``REDISPATCH_AFTER`` ago): both wait alike."""
    store = redis_store(sched)
    job = sched.schedule("sent around an upgrade", ["brand-a"], at=START)
    now = START.timestamp()
    ((_, token),) = store.dispatch(now, 10)
    client = store._redis
    client.hset(PREFIX + "job:" + job.id, "resent", f"9 {int(token) - 1}")  # another token's count
    assert store.dispatch(now + REDISPATCH_AFTER, 10) == [(job.id, token)]  # the first re-send: 120 s
    next_at = now + 3 * REDISPATCH_AFTER  # the second: 240 s after the first (not an hour: not 9 before)
    assert client.zscore(PREFIX + "queued", job.id) == next_at - REDISPATCH_AFTER
    assert store.dispatch(next_at - 1, 10) == []
    assert store.dispatch(next_at, 10) == [(job.id, token)]


@pytest.mark.parametrize(
    "url",
    [
        "redis://127.0.0.1:99999/0",
        "redis://:Top%23Secret99@127.0.0.1:99999/0",
        "redis://u:TopSecret99@127.0.0.1:65536/0",
        "redis://:TopSecret99@[::1]:70000/0",
        "redis://127.0.0.1:99999/0?password=TopSecret99",
    ],
)
def test_a_port_out_of_range_is_named_without_the_password(url: str) -> None:
    with pytest.raises(ds.ConfigurationError) as caught:
        Scheduler(url)
    shown = str(caught.value) + repr(caught.value)
    assert "bad Redis URL" in shown
    assert "out of range" in shown
    assert "not a number" not in shown
    for piece in ("Top", "Secret"):
        assert piece not in shown


def test_a_port_out_of_range_shows_the_address_it_names() -> None:
    with pytest.raises(ds.ConfigurationError) as caught:
        Scheduler("redis://:TopSecret99@127.0.0.1:99999/0")
    assert "127.0.0.1:99999" in str(caught.value)
    assert "TopSecret99" not in str(caught.value)


@pytest.mark.parametrize(
    "url", ["redis://:TopSecret99@127.0.0.1:-1/0", "redis://:Top#Secret99@127.0.0.1:99999/0"]
)
def test_a_port_that_is_no_number_is_still_named_so(url: str) -> None:
    """A '#' in the password cuts the URL short there: redis-py reads "Top" as the port, not 99999."""
    with pytest.raises(ds.ConfigurationError, match="not a number") as caught:
        Scheduler(url)
    assert "Top" not in str(caught.value)
    assert "Secret" not in str(caught.value)
