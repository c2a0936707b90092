"""Fixtures the scheduler tests share (a module may define its own ``profiles``, ``clock``, ``sched``,
``redis_url``, ``store``, ``user``, ``worker``)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from decentsocial.scheduler import Scheduler

from .profiles import Clock, write_profiles


@pytest.fixture
def profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder of a config file holding ``write_profiles``' profiles, named by DECENTSOCIAL_CONFIG.

    Idempotency records go to the test's own folder (workers started by a test share it), and
    the secret the needs-secret profile names is unset.
    """
    config = tmp_path / "config.toml"
    write_profiles(config, tmp_path)
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", str(config))
    monkeypatch.setenv("DECENTSOCIAL_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("NOT_SET_ON_THIS_WORKER", raising=False)
    return tmp_path


@pytest.fixture
def clock() -> Clock:
    """The scheduler's clock, at ``START`` until the test moves it (a module may start it elsewhere)."""
    return Clock()


@pytest.fixture
def sched(profiles: Path, clock: Clock) -> Iterator[Scheduler]:
    """An embedded scheduler on a SQLite store in the test's folder, on ``clock``."""
    s = Scheduler(profiles / "campaign.db", now=clock)
    yield s
    s.close()


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A redis-server on loopback for the run, started when a test first uses the Redis store.

    One for all the modules that share it: each test's ``store`` flushes the database first.
    """
    pytest.importorskip("redis", reason="the celery extra (redis) is not installed")
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed: the Redis store is not tested here")
    from .test_celery import RedisServer

    running = RedisServer()
    yield running.url(7)
    running.stop()


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.server)])
def store(request: pytest.FixtureRequest, profiles: Path) -> str:
    """A fresh store of either kind, beside this test's sandbox profiles (``indirect`` picks one)."""
    if request.param == "sqlite":
        return str(profiles / "campaign.db")
    url = str(request.getfixturevalue("redis_url"))
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()
    return url


@pytest.fixture
def user(store: str, clock: Clock) -> Iterator[Scheduler]:
    """The operator's scheduler: plans, changes, pauses and resumes jobs, starts and ends crises."""
    with Scheduler(store, now=clock) as s:
        yield s


@pytest.fixture
def worker(store: str, clock: Clock) -> Iterator[Scheduler]:
    """Another scheduler on the same store (another process): the one that runs the jobs."""
    with Scheduler(store, now=clock) as s:
        yield s


@pytest.fixture
def other(store: str, clock: Clock) -> Iterator[Scheduler]:
    """A second worker on the same store, claiming or polling while the first is at a job."""
    with Scheduler(store, now=clock) as s:
        yield s
