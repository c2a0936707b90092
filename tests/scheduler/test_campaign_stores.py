"""The same scenarios on the SQLite store and on the Redis store (a real redis-server on loopback):
the key of a cancelled job, retrying a failed job without posting twice, bad input; and the Celery
engine's settings and task messages."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("redis", reason="the celery extra is not installed")
import redis

import decentsocial as ds
from decentsocial.jobs import TargetOutcome
from decentsocial.redis_store import PREFIX
from decentsocial.scheduler import Scheduler

from .test_celery import Clock, RedisServer, texts

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def server() -> Iterator[RedisServer]:
    running = RedisServer()
    yield running
    running.stop()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=["sqlite", "redis"])
def store(request: pytest.FixtureRequest, server: RedisServer, profiles: Path) -> str:
    """A fresh store of either kind, and this test's sandbox profiles and state store."""
    if request.param == "sqlite":
        return str(profiles / "campaign.db")
    client = redis.Redis.from_url(server.url(6))
    for key in client.scan_iter(PREFIX + "*"):
        client.delete(key)
    client.close()
    return server.url(6)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def sched(store: str, clock: Clock) -> Iterator[Scheduler]:
    s = Scheduler(store, now=clock)
    yield s
    s.close()


def test_the_key_of_a_cancelled_job_is_refused_not_returned_as_planned(
    sched: Scheduler, clock: Clock
) -> None:
    at = clock.now + timedelta(hours=1)
    job = sched.schedule("Launch day!", ["brand-a"], at=at, key="launch")
    sched.cancel(job.id)
    with pytest.raises(ds.InvalidInput, match=rf"key 'launch' \({job.id}\) was cancelled"):
        sched.schedule("Launch day!", ["brand-a"], at=at, key="launch")
    assert [(j.id, j.status) for j in sched.jobs()] == [(job.id, "cancelled")]
    again = sched.schedule("Launch day!", ["brand-a"], at=at, key="launch-2")
    assert again.status == "scheduled"


def test_a_limit_that_is_not_a_whole_number_is_a_typed_error(sched: Scheduler) -> None:
    for bad in ("3", 1.5, True):
        with pytest.raises(ds.InvalidInput, match="limit must be a whole number"):
            sched.run_pending(limit=bad)  # type: ignore[arg-type]


def test_a_failed_job_is_retried_for_the_targets_refused_outright_only(
    sched: Scheduler, clock: Clock, folder: Path
) -> None:
    config = folder / "config.toml"
    planned = config.read_text()
    job = sched.schedule("Launch day!", ["brand-a", "brand-c"], at=clock.now)
    config.write_text(planned.replace("[profiles.brand-c]", "[profiles.renamed]"))  # gone on the worker
    assert sched.run_pending() == 1
    failed = sched.job(job.id)
    assert failed.status == "failed"
    assert [type(o.error) for o in failed.outcomes] == [type(None), ds.ConfigurationError]
    with pytest.raises(ds.InvalidInput, match="only a failed job can be retried"):
        sched.retry(sched.schedule("later", ["brand-a"], at=clock.now + timedelta(hours=1)).id)
    config.write_text(planned)  # the profile is back: nothing was published for it, so it can go out
    assert sched.retry(job.id).status == "scheduled"
    assert sched.run_pending() == 1
    done = sched.job(job.id)
    assert done.status == "done"
    assert [(o.target, o.occurrence, o.ok) for o in done.outcomes] == [
        ("brand-a", 0, True),
        ("brand-c", 0, True),
    ]
    assert texts(folder) == ["Launch day!"]  # brand-a was not sent again
    assert texts(folder, "c.db") == ["Launch day!"]
    with pytest.raises(ds.InvalidInput, match="is done"):
        sched.retry(job.id)


def test_a_target_that_may_have_been_published_is_never_retried(
    sched: Scheduler, clock: Clock, folder: Path
) -> None:
    job = sched.schedule("Launch day!", ["brand-a"], at=clock.now)
    now = clock.now.timestamp()
    (claimed,) = sched.store.claim(now, now + 60, "a-worker-that-lost-the-answer")
    lost = ds.NetworkUnavailable("the answer was lost: may have been published", retryable=False)
    outcome = TargetOutcome("brand-a", 0, "sandbox", (), lost)
    assert sched.store.finish("a-worker-that-lost-the-answer", [(claimed.id, (0, outcome, now), now)], now)
    assert sched.job(job.id).status == "failed"
    with pytest.raises(ds.InvalidInput, match="no failed target that can safely be sent again"):
        sched.retry(job.id)
    assert sched.job(job.id).status == "failed"
    assert sched.run_pending() == 0
    assert texts(folder) == []


def test_the_retry_command_and_a_cancelled_key_from_the_command_line(store: str, folder: Path) -> None:
    from typer.testing import CliRunner

    from decentsocial.cli import app

    runner = CliRunner()

    def invoke(*args: str) -> Any:
        return runner.invoke(app, [*args, "--store", store], env={"COLUMNS": "200"})

    config = folder / "config.toml"
    planned = config.read_text()
    scheduled = invoke("schedule", "Launch day!", "--to", "brand-a", "--to", "brand-c", "--key", "launch")
    assert scheduled.exit_code == 0, scheduled.output
    job_id = scheduled.output.split()[1]
    config.write_text(planned.replace("[profiles.brand-c]", "[profiles.renamed]"))
    assert f"{job_id} failed: 1 post(s)" in invoke("worker", "--once").output
    config.write_text(planned)
    retried = invoke("retry", job_id)
    assert retried.exit_code == 0, retried.output
    assert f"{job_id} done: 2 post(s)" in invoke("worker", "--once").output  # the occurrence's posts
    assert texts(folder) == texts(folder, "c.db") == ["Launch day!"]
    again = invoke("retry", job_id)
    assert again.exit_code != 0
    assert "only a failed job can be retried" in again.output
    when = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()  # a fixed time: run again, the same
    later = invoke("schedule", "Later", "--to", "brand-a", "--at", when, "--key", "later")
    later_id = later.output.split()[1]
    assert invoke("cancel", later_id).exit_code == 0
    replanned = invoke("schedule", "Later", "--to", "brand-a", "--at", when, "--key", "later")
    assert replanned.exit_code != 0
    assert "was cancelled" in replanned.output


def test_a_broker_url_with_settings_celery_cannot_take_is_a_configuration_error(server: RedisServer) -> None:
    """Celery's Redis transport cannot take ``?password=`` (redis-py, the store's client, can): the URL is
    wrong, not the broker out of reach (that would be retried for ever), and the password is not shown."""
    for query in ("?password=s3cret-broker-pass", "?socket_timeout=s3cret-broker-pass"):
        with pytest.raises(ds.ConfigurationError, match="bad Celery broker URL") as caught:
            Scheduler(server.url(6), engine="celery", broker=server.url(6) + query)
        assert "s3cret" not in str(caught.value)


@pytest.mark.parametrize("value", ["-5", "nan", "inf"])
def test_a_bad_visibility_timeout_is_a_configuration_error_not_an_unreachable_broker(
    server: RedisServer, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    import decentsocial.celery_app  # noqa: F401 - imported already, as in a process that dispatched before

    monkeypatch.setenv("DECENTSOCIAL_CELERY_VISIBILITY_TIMEOUT", value)
    with pytest.raises(ds.ConfigurationError, match="must be a positive number of seconds"):
        Scheduler(server.url(6), engine="celery")


def test_a_task_message_names_the_job_and_its_token_only(
    server: RedisServer, store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What travels through the broker: the job's id and token, never a draft, a profile or a secret."""
    if not store.startswith("redis"):
        pytest.skip("the Celery engine keeps its jobs in Redis")
    monkeypatch.setenv("SOME_TOKEN", "s3cret-token-value")
    client = redis.Redis.from_url(store)
    client.delete("decentsocial")  # the queue: no worker consumes this database
    with Scheduler(store, engine="celery") as dispatcher:
        job = dispatcher.schedule("Launch day! #acme", ["brand-a", "needs-secret"], at=dispatcher._now())
        assert dispatcher.run_pending() == 1
    (sent,) = client.lrange("decentsocial", 0, -1)
    client.close()
    raw = sent.decode() if isinstance(sent, bytes) else str(sent)
    message = json.loads(raw)
    args, kwargs, _ = json.loads(base64.b64decode(message["body"]))
    assert (args[0], kwargs) == (job.id, {})
    assert len(args) == 2
    for forbidden in ("Launch", "brand-a", "needs-secret", "s3cret", "NOT_SET_ON_THIS_WORKER"):
        assert forbidden not in raw


def test_scheduling_the_same_plan_again_after_its_time_returns_its_job(
    sched: Scheduler, clock: Clock, folder: Path
) -> None:
    """A script that plans its campaign run again (a deploy, a cron) gets the job back, posted once."""
    at = clock.now + timedelta(minutes=10)
    job = sched.schedule("Launch day!", ["brand-a"], at=at, key="launch")
    clock.advance(minutes=11)
    assert sched.run_pending() == 1
    again = sched.schedule("Launch day!", ["brand-a"], at=at, key="launch")
    assert (again.id, again.status) == (job.id, "done")
    assert sched.run_pending() == 0
    assert texts(folder) == ["Launch day!"]
    with pytest.raises(ds.InvalidInput, match=r"already planned .* with another content"):
        sched.schedule("Launch day, edited", ["brand-a"], at=at, key="launch")
    with pytest.raises(ds.InvalidInput, match="at is in the past"):
        sched.schedule("Launch day!", ["brand-a"], at=at, key="a-new-key")
    assert [j.id for j in sched.jobs()] == [job.id]
