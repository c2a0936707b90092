"""Celery tasks run side by side in one worker process (``--pool threads``, gevent, eventlet).

The docs say a worker's ``--pool`` works as usual. Its tasks then run in threads of one process,
each calling ``decentsocial.run_job`` there: a task that took a job over from another (whose lease
expired during a long publish) must make that other one stop before its next target, as a worker
in another process would. A real redis-server (as in test_celery.py), the task function itself
called from two threads as Celery's thread pool calls it, sandbox profiles.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("celery", reason="the celery extra is not installed")
import redis

from decentsocial import scheduler
from decentsocial.crosspost import plan_outcome
from decentsocial.redis_store import PREFIX, RedisStore
from decentsocial.scheduler import Scheduler

from .test_celery import RedisServer, server, texts, wait_for  # noqa: F401

pytestmark = pytest.mark.server

#: Far longer than any step here takes: only a thread that never gets there reaches it.
NEVER = 60.0


@pytest.fixture
def celery_app(
    server: RedisServer,  # noqa: F811
    profiles: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Any]:
    """``decentsocial.celery_app`` configured as a worker on database 3 (wiped), lease of 1 s."""
    client = redis.Redis.from_url(server.url(3))
    client.flushdb()
    client.close()
    monkeypatch.setenv("DECENTSOCIAL_SCHEDULER_STORE", server.url(3))
    monkeypatch.setenv("DECENTSOCIAL_CELERY_BROKER", server.url(3))
    monkeypatch.setenv("DECENTSOCIAL_SCHEDULER_LEASE", "1")
    from decentsocial import celery_app as module

    monkeypatch.setattr(module, "_schedulers", {})  # this test's workers, on its store
    yield module
    for kept in module._schedulers.values():
        for one in kept if isinstance(kept, list) else [kept]:
            one.close()


def test_a_task_taken_over_on_another_thread_stops_before_its_next_target(
    celery_app: Any,
    server: RedisServer,  # noqa: F811
    profiles: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    planner = Scheduler(server.url(3))
    store = planner.store
    assert isinstance(store, RedisStore)
    try:
        planner.schedule("one post each", ["brand-a", "brand-b"], at=datetime.now(timezone.utc))
        ((job_id, first_token),) = store.dispatch(time.time(), 10)

        calls: list[tuple[str, str | None]] = []  # (thread, target) of each publish begun
        first_in, release_first = threading.Event(), threading.Event()
        second_in, release_second = threading.Event(), threading.Event()
        real = plan_outcome

        def held(*args: Any, **kwargs: Any) -> Any:
            name, target = threading.current_thread().name, kwargs.get("target")
            calls.append((name, target))
            if name == "first" and len(calls) == 1:  # a publish that outlives its lease
                first_in.set()
                release_first.wait(NEVER)
            if name == "second" and target != calls[0][1]:  # the first one it publishes again, at once
                second_in.set()
                release_second.wait(NEVER)
            return real(*args, **kwargs)

        monkeypatch.setattr(scheduler, "plan_outcome", held)
        ran: dict[str, object] = {}

        def task(name: str, token: str) -> threading.Thread:
            def run() -> None:
                ran[name] = celery_app.run_job(job_id, token)

            thread = threading.Thread(target=run, name=name, daemon=True)
            thread.start()
            return thread

        first = task("first", first_token)
        assert first_in.wait(NEVER)
        record = f"{PREFIX}job:{job_id}"
        wait_for(
            lambda: float(store._redis.hget(record, "lease_until") or "inf") < time.time(),
            what="the first task's lease to end",
        )
        ((again, second_token),) = store.dispatch(time.time(), 10)  # its lease expired: sent again
        assert again == job_id
        assert second_token != first_token
        second = task("second", second_token)
        assert second_in.wait(NEVER)  # the second task holds the job: it is at the second target
        release_first.set()
        first.join(NEVER)
        release_second.set()
        second.join(NEVER)
        assert not first.is_alive()
        assert not second.is_alive()

        assert ran == {"first": True, "second": True}
        by_first = [t for name, t in calls if name == "first"]
        by_second = [t for name, t in calls if name == "second"]
        # The task whose job was taken over finished the publish in flight and stopped there: the
        # second target was published by the task that holds the job, never by both at once.
        first_target = calls[0][1]
        (second_target,) = {t for _, t in calls} - {first_target}
        assert by_first == [first_target]
        assert by_second == [first_target, second_target]
        done = planner.job(job_id)
        assert done.status == "done"
        assert [o.target for o in done.outcomes if o.ok] == ["brand-a", "brand-b"]
        assert texts(profiles) == ["one post each"]
        assert texts(profiles, account="brand-b") == ["one post each"]
    finally:
        planner.close()
