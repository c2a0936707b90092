"""``Crisis.end(backlog="skip")`` on the Redis store, on a real redis-server: the same jobs are skipped."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

pytest.importorskip("redis", reason="the celery extra is not installed")

import decentsocial as ds
from decentsocial.scheduler import Scheduler

from .profiles import Clock
from .test_celery import RedisServer

pytestmark = pytest.mark.server

START = datetime.now(timezone.utc).replace(microsecond=0)


@pytest.fixture
def clock() -> Clock:
    """Campaigns start at the wall clock's time (a crisis reads it too)."""
    return Clock(START)


@pytest.fixture
def sched(profiles: Path, clock: Clock) -> Iterator[Scheduler]:
    server = RedisServer()
    s = Scheduler(server.url(0), now=clock)
    yield s
    s.close()
    server.stop()


def test_skip_cancels_what_the_crisis_held_past_its_time(sched: Scheduler, clock: Clock) -> None:
    day = timedelta(days=1)
    before = sched.schedule("planned before", ["brand-a"], at=START + timedelta(hours=1))
    sale = sched.schedule(
        "daily sale", ["brand-a"], at=START + timedelta(hours=1), every=day, until=START + day
    )
    tip = sched.schedule("weekly tip", ["brand-a"], at=START + timedelta(hours=1), every=7 * day)
    c = ds.crisis("statement", ["brand-c"], scheduler=sched, pin=False)
    during = sched.schedule("SALE! planned during", ["brand-a"], at=START + timedelta(hours=2))
    held = sched.schedule("held by hand", ["brand-a"], at=START + timedelta(hours=2))
    sched.pause(held.id)
    clock.now = START + 3 * day
    ended = c.end(backlog="skip")
    assert sorted(ended.skipped) == sorted([before.id, sale.id, during.id])
    assert ended.resumed == (tip.id,)
    statuses = [sched.job(j.id).status for j in (before, sale, during, held, tip)]
    assert statuses == ["cancelled", "cancelled", "cancelled", "paused", "scheduled"]
