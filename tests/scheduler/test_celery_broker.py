"""The Celery broker as users meet it: a URL they mistyped on a worker, a broker that stops answering.

Real redis-servers (started as in test_celery.py) and real ``celery worker`` processes; nothing of ours
is stood in for. A frozen broker is a redis-server stopped with SIGSTOP: its connections stay open and
nothing answers, as in a network partition or on a frozen machine.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("celery", reason="the celery extra is not installed")

import decentsocial as ds
from decentsocial import redis_store
from decentsocial.redis_store import RedisStore
from decentsocial.scheduler import Scheduler

from .profiles import write_profiles
from .test_celery import (  # noqa: F401
    CELERY_WORKER,
    ROOT,
    RedisServer,
    free_port,
    server,
    stop_worker,
    wait_for,
)

pytestmark = pytest.mark.server

#: Far longer than anything here takes once it returns: only a call that never returns reaches it.
NEVER = 120.0


@pytest.fixture
def frozen_later() -> Iterator[RedisServer]:
    """A redis-server the test may freeze (SIGSTOP); thawed and stopped after it."""
    running = RedisServer()
    yield running
    os.kill(running.process.pid, signal.SIGCONT)
    running.stop()


def outcome_of(call: object) -> tuple[threading.Thread, list[BaseException | object]]:
    """Run ``call`` in a thread, waiting for it at most :data:`NEVER`; the thread and what it gave."""
    found: list[BaseException | object] = []

    def run() -> None:
        try:
            found.append(call())  # type: ignore[operator]
        except BaseException as exc:  # what it raised is the outcome looked at
            found.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(NEVER)
    return thread, found


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("redis://:hunter2#x@127.0.0.1:{port}/0", "a password holding '#'"),  # '#' not %-encoded
        ("redis://127.0.0.1:{port}/0?password=hunter2", "Celery cannot take the settings in its query"),
    ],
)
def test_a_worker_given_a_broker_url_it_cannot_read_says_why_and_never_the_password(
    tmp_path: Path, url: str, said: str
) -> None:
    """A worker reads its broker URL from the environment: one it cannot read is a ConfigurationError that
    says what to fix, not a traceback of Celery's quoting the piece of the password it read as the port."""
    write_profiles(tmp_path / "config.toml", tmp_path)
    store = url.format(port=free_port())
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DECENTSOCIAL_CONFIG": str(tmp_path / "config.toml"),
        "DECENTSOCIAL_SCHEDULER_STORE": store,  # the broker too: DECENTSOCIAL_CELERY_BROKER is not set
    }
    env.pop("DECENTSOCIAL_CELERY_BROKER", None)
    done = subprocess.run(
        [*CELERY_WORKER, "-n", "badurl@%h"],
        env=env,
        capture_output=True,
        text=True,
        timeout=NEVER,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert "ConfigurationError: bad Celery broker URL" in output
    assert said in output
    assert "hunter2" not in output


def test_a_broker_that_stops_answering_is_a_typed_error_and_the_job_stays_due(
    server: RedisServer,  # noqa: F811
    frozen_later: RedisServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Sending to a broker whose connection stays open and silent ends in NetworkUnavailable (run() waits
    and tries again); the job not sent is due at the next dispatch. It used to wait for ever."""
    write_profiles(tmp_path / "config.toml", tmp_path)
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setattr(redis_store, "SOCKET_TIMEOUT", 0.5)  # the broker's answer too: 60 s by default
    store_url = server.url(8)
    sched = Scheduler(store_url, engine="celery", broker=frozen_later.url())
    try:
        job = sched.schedule("sent once the broker answers", ["brand-a"], at=sched._now())
        os.kill(frozen_later.process.pid, signal.SIGSTOP)

        thread, found = outcome_of(sched.run_pending)
        assert not thread.is_alive(), "run_pending still waits for a broker that stopped answering"
        (error,) = found
        assert isinstance(error, ds.NetworkUnavailable), error
        assert error.retryable
        assert "broker" in str(error)
        assert sched.job(job.id).status == "scheduled"
        store = sched.store
        assert isinstance(store, RedisStore)
        assert [i for i, _ in store.dispatch(sched._now().timestamp(), 10)] == [job.id]  # due again

        thread, found = outcome_of(lambda: Scheduler(store_url, engine="celery", broker=frozen_later.url()))
        assert not thread.is_alive(), "Scheduler() still waits for a broker that stopped answering"
        (error,) = found
        assert isinstance(error, ds.NetworkUnavailable), error
        assert error.retryable
    finally:
        os.kill(frozen_later.process.pid, signal.SIGCONT)
        sched.close()


def test_a_publish_under_way_when_the_broker_restarts_finishes_on_a_prefork_worker(
    server: RedisServer,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Celery's default pool (prefork), the broker on a server of its own. A job's publish is under way
    (its sandbox file held by another writer for a moment) when the broker goes down: the publish ends
    and is recorded, and the job is done, once. It used to be terminated by Celery, leaving the job
    running, unpublished, until its lease (here 600 s) ended."""
    import sqlite3

    broker = RedisServer()
    config = tmp_path / "config.toml"
    profile = f'network = "sandbox"\npath = "{tmp_path / "a.db"}"\naccount = "brand"\ntimeout = 120\n'
    config.write_text(f"[profiles.held-a]\n{profile}")
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", str(config))
    with ds.connect("sandbox", path=tmp_path / "a.db", account="brand"):
        pass  # the sandbox file made, so another writer can hold it
    store_url = server.url(10)
    sched = Scheduler(store_url, engine="celery", broker=broker.url())
    log = tmp_path / "worker.log"
    prefork = [arg for arg in CELERY_WORKER if not arg.startswith(("--pool", "--concurrency"))]
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DECENTSOCIAL_SCHEDULER_STORE": store_url,
        "DECENTSOCIAL_CELERY_BROKER": broker.url(),
        "DECENTSOCIAL_SCHEDULER_LEASE": "600",
    }
    writer = sqlite3.connect(tmp_path / "a.db", isolation_level=None)
    with log.open("ab") as out:
        worker = subprocess.Popen(
            [*prefork, "--pool=prefork", "--concurrency=1", "-n", "prefork@%h"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        job = sched.schedule("one post, once", ["held-a"], at=sched._now())
        writer.execute("BEGIN EXCLUSIVE")  # another writer holds the file: the publish waits for it
        assert sched.run_pending() == 1
        wait_for(lambda: any(o.publishing for o in sched.job(job.id).outcomes), NEVER, "the publish to begin")
        os.kill(broker.process.pid, signal.SIGKILL)
        broker.process.wait()
        wait_for(
            lambda: "Connection to broker lost" in log.read_text(), NEVER, f"the worker to lose it; {log}"
        )
        writer.execute("COMMIT")  # the publish goes on
        broker = RedisServer(port=broker.port)  # back at the same address
        wait_for(lambda: sched.job(job.id).status != "running", NEVER, f"the job to end; {log}")
        done = sched.job(job.id)
        assert done.status == "done"
        (outcome,) = done.outcomes
        assert outcome.ok
        assert len(outcome.post_ids) == 1
        with ds.connect("sandbox", path=tmp_path / "a.db", account="brand") as net:
            assert [p.text for p in net.posts(limit=None)] == ["one post, once"]
    finally:
        writer.close()
        stop_worker(worker)
        sched.close()
        broker.stop()
