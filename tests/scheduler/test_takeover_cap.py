"""A job that kills every worker that runs it is given up after a bounded number of takeovers.

Each worker here is a real process, killed with SIGKILL while it publishes one
target (``brand-c``: the crash a C library or the out-of-memory killer would
bring, every time), in both stores (a SQLite file; the real redis-server of
tests/scheduler/test_celery.py). Workers are given their time on the command
line (an injected clock), so each next one starts after the previous one's
lease ended without the test waiting for it. The Celery path (a task's token,
a redelivered task) runs as the Celery task does, and once on a real Celery
worker whose pool loses a process to every run of the job.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial.scheduler import Scheduler

ROOT = Path(__file__).resolve().parents[2]
START = datetime.now(timezone.utc).replace(microsecond=0)
LEASE = 60.0
TEXT = "Spring sale starts Monday"
MAX_TAKEOVERS = 3  # the default cap (Scheduler's max_takeovers)
STOPPED_4_TIMES = "the workers running this job stopped 4 times"

# A worker process: argv = store, its time (a timestamp), "crash" or "live", then what it runs: "due"
# (the jobs due, as `decentsocial worker` does) or a job id and a task's token (as a Celery task does).
WORKER = """
import os, signal, sys
from datetime import datetime, timezone
import decentsocial.scheduler as s

real = s.publish_planned


def publish(outcome):
    done = real(outcome)  # on the network (a key that finds the post, on a worker after the first)
    if sys.argv[3] == "crash" and str(outcome.connection.settings.path).endswith("c.db"):
        os.kill(os.getpid(), signal.SIGKILL)  # its outcome is never recorded
    return done


s.publish_planned = publish
now = datetime.fromtimestamp(float(sys.argv[2]), timezone.utc)
with s.Scheduler(sys.argv[1], lease=float(sys.argv[4]), now=lambda: now) as worker:
    worker._batch = int(os.environ.get("TEST_BATCH", "1"))  # as many as it would claim once jobs ran fast
    if sys.argv[5] == "due":
        print(worker.run_pending())
    else:
        print(worker._run_dispatched(sys.argv[5], sys.argv[6]))
"""


def run_worker(
    store: str, at: datetime, *, crash: bool, task: tuple[str, str] | None = None, batch: int = 1
) -> str:
    """Run one worker process at ``at``; what it printed, or "killed" when SIGKILL ended it."""
    args = [store, repr(at.timestamp()), "crash" if crash else "live", repr(LEASE), *(task or ("due",))]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TEST_BATCH": str(batch)}
    done = subprocess.run(
        [sys.executable, "-c", WORKER, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode == -signal.SIGKILL:
        return "killed"
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    pytest.importorskip("redis", reason="the celery extra is not installed")
    from .test_celery import RedisServer

    server = RedisServer()
    yield server.url(5)
    server.stop()


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.server)])
def store(request: pytest.FixtureRequest, profiles: Path) -> str:
    if request.param == "sqlite":
        return str(profiles / "campaign.db")
    url: str = request.getfixturevalue("redis_url")  # skipped without the celery extra
    import redis

    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture
def sched(store: str) -> Iterator[Scheduler]:
    s = Scheduler(store, lease=LEASE, now=lambda: START)
    yield s
    s.close()


def texts(profiles: Path, db: str = "a.db", account: str = "brand") -> list[str]:
    with ds.connect("sandbox", path=profiles / db, account=account) as net:
        return [p.text for p in net.posts(limit=None)]


def lease_after(n: int) -> datetime:
    """When the ``n``-th worker runs: the one before it (if any) has held its lease to the end."""
    return START + n * timedelta(seconds=LEASE + 1)


def test_a_job_that_kills_every_worker_is_given_up_after_the_cap(
    sched: Scheduler, store: str, profiles: Path
) -> None:
    assert sched.max_takeovers == MAX_TAKEOVERS
    job = sched.schedule(TEXT, ["brand-a", "brand-c", "brand-b"], at=START)
    for n in range(MAX_TAKEOVERS + 1):  # the first worker, then one per takeover the cap allows
        assert run_worker(store, lease_after(n), crash=True) == "killed"
        running = sched.job(job.id)
        assert (running.status, running.takeovers) == ("running", n)
    assert run_worker(store, lease_after(MAX_TAKEOVERS + 1), crash=True) == "1"  # not run: not killed

    ended = sched.job(job.id)
    assert (ended.status, ended.takeovers) == ("failed", 0)
    a, c, b = ended.outcomes
    assert a.ok
    assert len(a.post_ids) == 1
    assert isinstance(c.error, ds.NetworkUnavailable)
    assert not c.publishing
    assert not c.error.retryable  # its publish had begun: never sent again
    assert STOPPED_4_TIMES in str(c.error)
    assert "may have been published" in str(c.error)
    assert c.network == "sandbox"
    assert isinstance(b.error, ds.NetworkUnavailable)
    assert b.error.retryable  # never begun: nothing was published
    assert STOPPED_4_TIMES in str(b.error)
    assert "this target was not published" in str(b.error)
    assert texts(profiles) == [TEXT]  # once each, however many workers ran it
    assert texts(profiles, "c.db") == [TEXT]
    assert texts(profiles, account="brand-b") == []

    # retry() sends only the target that was surely not published; the count starts again.
    assert sched.retry(job.id).takeovers == 0
    assert run_worker(store, lease_after(MAX_TAKEOVERS + 2), crash=True) == "1"
    retried = sched.job(job.id)
    assert retried.status == "failed"  # brand-c stays "may have been published"
    assert [o.ok for o in retried.outcomes] == [True, False, True]
    assert texts(profiles, account="brand-b") == [TEXT]
    assert texts(profiles, "c.db") == [TEXT]


def test_decentsocial_jobs_shows_the_takeovers_so_far(sched: Scheduler, store: str) -> None:
    """An operator sees a job that is killing workers before the cap gives it up."""
    import json

    from typer.testing import CliRunner

    from decentsocial.cli import app

    job = sched.schedule(TEXT, ["brand-a", "brand-c"], at=START)
    for n in range(2):  # the first worker, then one takeover
        assert run_worker(store, lease_after(n), crash=True) == "killed"
    runner = CliRunner()
    as_json = runner.invoke(app, ["jobs", "--store", store, "--json"])
    as_table = runner.invoke(app, ["jobs", "--store", store], env={"COLUMNS": "200"})
    assert as_json.exit_code == 0, as_json.output
    (listed,) = [j for j in json.loads(as_json.output) if j["id"] == job.id]
    assert (listed["status"], listed["takeovers"]) == ("running", 1)
    assert "taken over 1× from stopped workers" in as_table.output


def test_a_job_taken_over_up_to_the_cap_completes_and_the_next_occurrence_counts_anew(
    sched: Scheduler, store: str, profiles: Path
) -> None:
    job = sched.schedule(TEXT, ["brand-a", "brand-c"], at=START, every=timedelta(days=1))
    for day in range(2):
        start = lease_after(0) + timedelta(days=day)
        for n in range(MAX_TAKEOVERS):
            assert run_worker(store, start + n * timedelta(seconds=LEASE + 1), crash=True) == "killed"
        assert sched.job(job.id).takeovers == MAX_TAKEOVERS - 1
        # Taken over a third time: as many as the cap allows, so it runs (and this worker lives).
        assert run_worker(store, start + MAX_TAKEOVERS * timedelta(seconds=LEASE + 1), crash=False) == "1"
        following = sched.job(job.id)
        assert (following.status, following.occurrence, following.takeovers) == ("scheduled", day + 1, 0)
    outcomes = sched.job(job.id).outcomes
    assert [(o.occurrence, o.ok, len(o.post_ids)) for o in outcomes] == [
        (0, True, 1),
        (0, True, 1),
        (1, True, 1),
        (1, True, 1),
    ]
    assert texts(profiles) == [TEXT, TEXT]  # one post per occurrence, never two
    assert texts(profiles, "c.db") == [TEXT, TEXT]


def test_the_jobs_claimed_in_a_batch_with_it_are_not_given_up_with_it(
    sched: Scheduler, store: str, profiles: Path
) -> None:
    """Workers that claim due jobs in batches (as they do while jobs run fast): the one job that kills
    them is given up alone; the others of its batch (run before it, or claimed and never run) end done."""
    texts_of = [f"{TEXT} #{n}" for n in range(6)]
    jobs = [
        sched.schedule(text, ["brand-c" if n == 2 else "brand-a"], at=START + timedelta(seconds=n))
        for n, text in enumerate(texts_of)
    ]
    ran = [run_worker(store, lease_after(n + 1), crash=True, batch=32) for n in range(MAX_TAKEOVERS + 2)]
    assert ran[:-1] == ["killed"] * (MAX_TAKEOVERS + 1)
    assert ran[-1] != "killed"  # it gave the job up (and ran what its batch-mates left, if any)
    ended = [sched.job(job.id) for job in jobs]
    assert [job.status for job in ended] == ["done", "done", "failed", "done", "done", "done"]
    assert STOPPED_4_TIMES in str(ended[2].outcomes[0].error)
    assert sorted(texts(profiles)) == sorted(texts_of[:2] + texts_of[3:])  # each once
    assert texts(profiles, "c.db") == [texts_of[2]]


def claim_and_stop(sched: Scheduler, n: int, owner: str) -> int:
    """The ``n``-th worker claims what is due and stops without a word; the takeovers it counted."""
    at = lease_after(n).timestamp()
    (claimed,) = sched.store.claim(at, at + LEASE, owner)
    return claimed.takeovers


def test_a_users_move_counts_the_takeovers_anew_and_a_finished_worker_is_no_takeover(
    sched: Scheduler, store: str
) -> None:
    job = sched.schedule(TEXT, ["brand-a"], at=START)
    assert [claim_and_stop(sched, n, f"w{n}") for n in range(3)] == [0, 1, 2]
    assert sched.pause(job.id) == [job.id]
    assert sched.job(job.id).takeovers == 2  # held, not moved on: kept
    assert sched.resume(job.id) == [job.id]
    assert sched.job(job.id).takeovers == 0
    assert [claim_and_stop(sched, n, f"v{n}") for n in range(2)] == [0, 1]
    sched.pause(job.id)
    assert sched.reschedule(job.id, START + timedelta(hours=1)).takeovers == 0
    # A worker that ends the job (as one stopped gracefully does: the job in flight first, see
    # `decentsocial worker`) leaves no lease behind: the next claim is no takeover.
    sched.resume(job.id)
    later = START + timedelta(hours=2)
    with Scheduler(store, lease=LEASE, now=lambda: later) as worker:
        assert worker.run_pending() == 1
    ended = sched.job(job.id)
    assert (ended.status, ended.takeovers) == ("done", 0)


def test_a_cap_of_zero_gives_up_at_the_first_takeover(sched: Scheduler, store: str, profiles: Path) -> None:
    job = sched.schedule(TEXT, ["brand-c"], at=START)
    assert run_worker(store, lease_after(0), crash=True) == "killed"
    with Scheduler(store, lease=LEASE, max_takeovers=0, now=lambda: lease_after(1)) as worker:
        assert worker.run_pending() == 1
    (outcome,) = sched.job(job.id).outcomes
    assert "stopped 1 times" in str(outcome.error)
    assert "may have been published" in str(outcome.error)
    assert texts(profiles, "c.db") == [TEXT]


@pytest.mark.parametrize("bad", [-1, 1.5, True, "3", None])
def test_a_bad_cap_is_refused(profiles: Path, bad: object) -> None:
    with pytest.raises(ds.InvalidInput, match="max_takeovers"):
        Scheduler(profiles / "campaign.db", max_takeovers=bad)  # type: ignore[arg-type]


def test_a_store_made_before_takeovers_were_counted_opens_and_counts(profiles: Path) -> None:
    path = profiles / "campaign.db"
    with Scheduler(path, lease=LEASE, now=lambda: START) as before:
        job = before.schedule(TEXT, ["brand-a"], at=START)
        claim_and_stop(before, 0, "stopped")
    with sqlite3.connect(path) as db:
        db.execute("ALTER TABLE jobs DROP COLUMN takeovers")  # the layout of an earlier version
    db.close()
    with Scheduler(path, lease=LEASE, now=lambda: lease_after(1)) as after:
        assert after.job(job.id).takeovers == 0
        assert claim_and_stop(after, 1, "next") == 1


# ---------------------------------------------------------------- the Celery engine's path


@pytest.mark.server
def test_a_celery_task_and_its_redeliveries_give_the_job_up_after_the_cap(
    redis_url: str, profiles: Path
) -> None:
    """As the Celery task runs a job: claimed with its token, by a redelivered task (the same token)
    or by the dispatcher's next send of a job whose lease expired (a new one)."""
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    with Scheduler(redis_url, lease=LEASE, now=lambda: START) as sched:
        job = sched.schedule(TEXT, ["brand-a", "brand-c"], at=START)
        store = sched._redis()
        ((_, token),) = store.dispatch(START.timestamp(), 10)
        for n in range(MAX_TAKEOVERS + 1):
            if n % 2 == 0 and n:  # the dispatcher sends it again once the lease expired
                ((_, token),) = store.dispatch(lease_after(n).timestamp(), 10)
            assert run_worker(redis_url, lease_after(n), crash=True, task=(job.id, token)) == "killed"
            assert sched.job(job.id).takeovers == n
        assert (
            run_worker(redis_url, lease_after(MAX_TAKEOVERS + 1), crash=True, task=(job.id, token)) == "True"
        )
        ended = sched.job(job.id)
    assert ended.status == "failed"
    a, c = ended.outcomes
    assert a.ok
    assert STOPPED_4_TIMES in str(c.error)
    assert "may have been published" in str(c.error)
    assert texts(profiles) == [TEXT]
    assert texts(profiles, "c.db") == [TEXT]


CRASHING_APP = """
import os, signal
import decentsocial.scheduler as s
from decentsocial.celery_app import app

real = s.publish_planned


def publish(outcome):
    done = real(outcome)
    if str(outcome.connection.settings.path).endswith("c.db"):
        os.kill(os.getpid(), signal.SIGKILL)  # the pool's process dies mid-job, every time
    return done


s.publish_planned = publish
"""


@pytest.mark.server
@pytest.mark.slow
def test_a_real_celery_worker_stops_losing_processes_to_a_job_after_the_cap(
    redis_url: str, profiles: Path, tmp_path: Path
) -> None:
    """A prefork worker whose process dies every time it runs the job (SIGKILL): the task comes
    back, the dispatcher sends it again when the lease expires, and after the cap it is given up
    instead of killing a process for ever. The worker itself lives on."""
    import redis

    from .test_celery import stop_worker, wait_for

    url = redis_url.rsplit("/", 1)[0] + "/6"  # broker and store of their own
    redis.Redis.from_url(url).flushdb()
    (tmp_path / "crashing_app.py").write_text(textwrap.dedent(CRASHING_APP))
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(tmp_path)]),
        "DECENTSOCIAL_SCHEDULER_STORE": url,
        "DECENTSOCIAL_CELERY_BROKER": url,
        "DECENTSOCIAL_SCHEDULER_LEASE": "1",
        "DECENTSOCIAL_SCHEDULER_MAX_TAKEOVERS": "2",
        "DECENTSOCIAL_CELERY_VISIBILITY_TIMEOUT": "5",
    }
    command = [sys.executable, "-m", "celery", "-A", "crashing_app", "worker", "--pool=prefork"]
    command += ["--concurrency=1", "--loglevel=WARNING", "--without-heartbeat", "--without-gossip"]
    command += ["--without-mingle", "-n", "crashing@%h"]
    log = tmp_path / "worker.log"
    plan = Scheduler(url, engine="celery", poll_interval=0.2)
    job = plan.schedule(TEXT, ["brand-a", "brand-c"], at=datetime.now(timezone.utc))
    stop = threading.Event()
    dispatcher = threading.Thread(target=plan.run, args=(stop,), daemon=True)
    with log.open("ab") as out:
        worker = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    dispatcher.start()
    try:
        wait_for(lambda: plan.job(job.id).status == "failed", timeout=120, what=f"the job to end; {log}")
        assert worker.poll() is None  # its pool lost a process per run, and it runs on
    finally:
        stop.set()
        dispatcher.join(timeout=10)
        stop_worker(worker)
        plan.close()
    with Scheduler(url) as look:
        a, c = look.job(job.id).outcomes
    assert a.ok
    assert "the workers running this job stopped 3 times" in str(c.error)
    assert "may have been published" in str(c.error)
    assert texts(profiles) == [TEXT]
    assert texts(profiles, "c.db") == [TEXT]
