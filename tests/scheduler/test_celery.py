"""The Celery engine on a real redis-server and real Celery workers, publishing to sandbox profiles.

A redis-server (Debian's package; scripts/test installs it) listens on a free
loopback port with no persistence, started by a module fixture and stopped
after. Celery workers are real ``celery -A decentsocial.celery_app worker``
processes (solo pool). Most tests share one worker on database 0 and a
config.toml rewritten per test; the takeover test has its own database and
workers, one of which it kills with SIGKILL.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("celery", reason="the celery extra is not installed")
import redis

import decentsocial as ds
from decentsocial import redis_store
from decentsocial.redis_store import PREFIX, RedisStore
from decentsocial.scheduler import Scheduler

from .profiles import write_profiles
from .zoned import check_rhythms_on_berlin_time, check_zone_plans_refused

ROOT = Path(__file__).resolve().parents[2]
CELERY_WORKER = [
    *(sys.executable, "-m", "celery", "-A", "decentsocial.celery_app", "worker"),
    *("--pool=solo", "--concurrency=1", "--loglevel=WARNING"),
    *("--without-heartbeat", "--without-gossip", "--without-mingle"),
]

pytestmark = pytest.mark.server


class Clock:
    """The dispatcher's notion of now, moved by the test (workers keep real time for their leases)."""

    def __init__(self) -> None:
        self.now = datetime.now(timezone.utc).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class RedisServer:
    """A redis-server on loopback, no persistence, in a folder of its own (asking for ``password``)."""

    def __init__(self, port: int | None = None, *, password: str | None = None) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is missing: scripts/test installs it (apt-get install redis-server)")
        self.port = port or free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="redis-"))
        self.log = self.dir / "redis.log"
        args = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(
            [binary, *args, "--dir", str(self.dir), "--logfile", str(self.log)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        deadline = time.monotonic() + 15
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    pytest.fail(f"redis-server did not start: {self.log_tail()}")
                time.sleep(0.05)
            finally:
                client.close()
        if password is not None:
            client = redis.Redis(port=self.port)
            client.config_set("requirepass", password)
            client.close()

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


def start_worker(
    url: str, name: str, config: Path, log: Path, *, lease: float = 300
) -> subprocess.Popen[bytes]:
    """A real Celery worker (solo pool) on ``url`` as both broker and store."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DECENTSOCIAL_CONFIG": str(config),
        "DECENTSOCIAL_SCHEDULER_STORE": url,
        "DECENTSOCIAL_CELERY_BROKER": url,
        "DECENTSOCIAL_SCHEDULER_LEASE": str(lease),
        "DECENTSOCIAL_CELERY_VISIBILITY_TIMEOUT": "5",
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [*CELERY_WORKER, "-n", f"{name}@%h"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        worker.terminate()  # warm shutdown: the task in hand finishes
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)


def texts(folder: Path, db: str = "a.db", account: str = "brand") -> list[str]:
    with ds.connect("sandbox", path=folder / db, account=account) as net:
        return [p.text for p in net.posts(limit=None)]


def wait_for(condition: Callable[[], bool], timeout: float = 30.0, what: str = "the workers") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def server() -> Iterator[RedisServer]:
    running = RedisServer()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("celery-home")


@pytest.fixture(scope="module")
def worker(server: RedisServer, home: Path) -> Iterator[subprocess.Popen[bytes]]:
    """One worker on database 0 for the behaviour tests (each test points the shared config at its files)."""
    write_profiles(home / "config.toml", home)
    running = start_worker(server.url(0), "shared", home / "config.toml", home / "worker.log")
    yield running
    stop_worker(running)


@pytest.fixture
def profiles(server: RedisServer, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's sandbox files, in the config the shared worker reads; database 0's jobs wiped."""
    write_profiles(home / "config.toml", tmp_path)
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", str(home / "config.toml"))
    monkeypatch.delenv("NOT_SET_ON_THIS_WORKER", raising=False)
    client = redis.Redis.from_url(server.url(0))
    for key in client.scan_iter(PREFIX + "*"):
        client.delete(key)
    client.close()
    return tmp_path


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sched(
    server: RedisServer, worker: subprocess.Popen[bytes], profiles: Path, clock: Clock
) -> Iterator[Scheduler]:
    s = Scheduler(server.url(0), engine="celery", now=clock, poll_interval=0.1)
    yield s
    s.close()


def settled(sched: Scheduler, *job_ids: str) -> Callable[[], bool]:
    """Whether none of the jobs is queued for, or running on, a worker (queued read first: it comes first)."""
    return lambda: all(not _queued(sched, i) and sched.job(i).status != "running" for i in job_ids)


def _queued(sched: Scheduler, job_id: str) -> bool:
    store = sched._store
    assert isinstance(store, RedisStore)
    return store._redis.zscore(PREFIX + "queued", job_id) is not None


# ---------------------------------------------------------------- behaviours, as in the embedded engine


def test_a_due_job_goes_out_once_on_a_worker_and_its_record_stays(
    sched: Scheduler, clock: Clock, profiles: Path
) -> None:
    job = sched.schedule("Launch day #acme", ["brand-a", "brand-c"], at=clock.now + timedelta(hours=1))
    assert sched.run_pending() == 0  # not due yet
    clock.advance(hours=1)
    assert sched.run_pending() == 1
    assert sched.run_pending() == 0  # sent once: a due job is dispatched once
    wait_for(lambda: sched.job(job.id).status == "done")
    done = sched.job(job.id)
    assert [o.target for o in done.outcomes] == ["brand-a", "brand-c"]
    assert all(o.ok and o.network == "sandbox" and len(o.post_ids) == 1 for o in done.outcomes)
    assert texts(profiles) == ["Launch day #acme"] == texts(profiles, "c.db")
    assert sched.run_pending() == 0  # done jobs never run again
    assert [j.id for j in sched.jobs(status="done")] == [job.id]


def test_variants_are_kept_in_redis_and_each_worker_target_posts_its_own(
    sched: Scheduler, clock: Clock, profiles: Path
) -> None:
    job = sched.schedule(
        "the draft", ["brand-a", "brand-c"], at=clock.now, variants={"brand-c": {"text": "نسخة سي"}}
    )
    assert sched.job(job.id).variants["brand-c"].text == "نسخة سي"  # read back from Redis
    with pytest.raises(ds.InvalidInput, match="with another content"):
        sched.schedule("the draft", ["brand-a", "brand-c"], at=clock.now, key=job.key)
    assert sched.run_pending() == 1
    wait_for(lambda: sched.job(job.id).status == "done")
    assert texts(profiles) == ["the draft"]
    assert texts(profiles, "c.db") == ["نسخة سي"]


def test_pause_resume_cancel_and_reschedule(sched: Scheduler, clock: Clock, profiles: Path) -> None:
    soon = clock.now + timedelta(minutes=10)
    first, second, third = (sched.schedule(t, ["brand-a"], at=soon) for t in ("first", "second", "third"))
    assert sorted(sched.pause()) == sorted([first.id, second.id, third.id])
    clock.advance(minutes=30)
    assert sched.run_pending() == 0  # paused jobs wait
    assert sched.resume(first.id) == [first.id]
    sched.cancel(third.id)
    sched.reschedule(second.id, clock.now + timedelta(hours=2))
    assert sched.resume() == [second.id]
    assert sched.run_pending() == 1
    wait_for(settled(sched, first.id))
    assert texts(profiles) == ["first"]
    clock.advance(hours=2)
    assert sched.run_pending() == 1
    wait_for(settled(sched, second.id))
    assert texts(profiles) == ["second", "first"]
    assert [sched.job(j.id).status for j in (first, second, third)] == ["done", "done", "cancelled"]
    with pytest.raises(ds.InvalidInput):
        sched.cancel(first.id)  # done already
    with pytest.raises(ds.NotFound):
        sched.pause("no-such-job")


def test_a_recurring_job_posts_each_occurrence_once(sched: Scheduler, clock: Clock, profiles: Path) -> None:
    start = clock.now
    job = sched.schedule(
        "evergreen tip", ["brand-a"], at=start, every=timedelta(hours=1), until=start + timedelta(hours=2)
    )
    for _ in range(4):
        sched.run_pending()
        wait_for(settled(sched, job.id))
        clock.advance(hours=1)
    done = sched.job(job.id)
    assert done.status == "done"
    assert [o.occurrence for o in done.outcomes] == [0, 1, 2]
    assert len(set(done.post_ids)) == 3
    assert texts(profiles) == ["evergreen tip"] * 3


def test_a_target_that_cannot_connect_fails_alone(sched: Scheduler, profiles: Path) -> None:
    job = sched.schedule("hello", ["needs-secret", "brand-a"], at=sched._now())
    sched.run_pending()
    wait_for(settled(sched, job.id))
    failed, posted = sched.job(job.id).outcomes
    assert sched.job(job.id).status == "failed"
    assert isinstance(failed.error, ds.ConfigurationError)
    assert "NOT_SET_ON_THIS_WORKER" in str(failed.error)
    assert posted.ok
    assert texts(profiles) == ["hello"]


def test_a_task_delivered_again_or_made_stale_does_nothing(sched: Scheduler, profiles: Path) -> None:
    """Redelivery is harmless: one token claims once; a pause or a move makes earlier tokens stale."""
    store = sched._store
    assert isinstance(store, RedisStore)
    now = sched._now().timestamp()
    job = sched.schedule("only once", ["brand-a"], at=sched._now())
    ((job_id, token),) = store.dispatch(now, 10)
    assert store.dispatch(now, 10) == []  # dispatched once, however often the dispatcher looks
    sched.pause(job.id)
    sched.resume(job.id)
    assert not store.claim_token(job_id, token, now, now + 60, "stale")  # paused since: stale
    ((_, fresh),) = store.dispatch(now, 10)
    assert fresh != token
    assert sched._dispatcher is not None
    sched._dispatcher.send([(job_id, fresh)] * 3 + [(job_id, token)], on_failure=store.undispatch)
    wait_for(settled(sched, job_id))
    assert sched.job(job_id).status == "done"
    assert texts(profiles) == ["only once"]
    assert len(sched.job(job_id).post_ids) == 1


def test_two_dispatchers_send_each_due_job_once(sched: Scheduler, server: RedisServer) -> None:
    jobs = [sched.schedule(f"race {i}", ["brand-a"], at=sched._now()) for i in range(60)]
    stores = [RedisStore(server.url(0)) for _ in range(3)]
    sent: list[list[tuple[str, str]]] = [[] for _ in stores]
    now = sched._now().timestamp()

    def dispatch(i: int) -> None:
        while batch := stores[i].dispatch(now, 7):
            sent[i].extend(batch)

    threads = [threading.Thread(target=dispatch, args=(i,)) for i in range(len(stores))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [job_id for batch in sent for job_id, _ in batch]
    assert sorted(ids) == sorted(j.id for j in jobs)  # every job once, across dispatchers
    for store in stores:
        store.close()


def test_the_redis_store_keeps_the_records_and_states_of_the_sqlite_store(
    server: RedisServer, profiles: Path
) -> None:
    """The same plan through the embedded engine on either store: the same jobs, states and outcomes."""

    def campaign(store: str) -> list[tuple[Any, ...]]:
        clock = Clock()
        clock.now = datetime(2030, 1, 1, 9, 0, 0, 123456, tzinfo=timezone.utc)
        s = Scheduler(store, now=clock)
        start = clock.now
        a = s.schedule("a", ["brand-a", "brand-c"], at=start + timedelta(minutes=1), key=f"a-{store}")
        recurring: dict[str, Any] = {"at": start, "every": 3600.5, "until": start + timedelta(hours=3)}
        b = s.schedule("b", ["brand-b"], **recurring, key="b")
        c = s.schedule("c", ["needs-secret", "brand-a"], at=start + timedelta(minutes=2))
        d = s.schedule("d", ["brand-a"], at=start + timedelta(minutes=3))
        assert s.schedule("b", ["brand-b"], **recurring, key="b").id == b.id  # exactly-once scheduling
        s.pause(a.id)
        s.cancel(d.id)
        for _ in range(5):
            s.run_pending()
            clock.advance(hours=1)
            s.resume(a.id)
        s.reschedule(s.schedule("e", ["brand-a"], at=clock.now).id, clock.now + timedelta(days=1))
        rows = [
            (
                j.status,
                j.at,
                j.targets,
                j.draft.text,
                j.every,
                j.until,
                j.occurrence,
                [(o.target, o.occurrence, o.network, len(o.post_ids), type(o.error)) for o in j.outcomes],
            )
            for j in s.jobs()
        ]
        assert {j.id for j in s.jobs(status="failed")} == {c.id}
        assert s.job(b.id).status == "done"
        s.close()
        return rows

    other = Scheduler(server.url(2))
    other.schedule("other", ["brand-a"], at=datetime.now(timezone.utc), key="taken")
    with pytest.raises(ds.InvalidInput, match="with another content"):  # on Redis as on SQLite
        other.schedule("again", ["brand-a"], at=datetime.now(timezone.utc), key="taken")
    other.close()
    assert campaign(str(profiles / "campaign.db")) == campaign(server.url(3))


def test_rhythms_on_a_zones_clock_in_the_redis_store(server: RedisServer, profiles: Path) -> None:
    """The local-clock checks of the SQLite store (test_scheduler.py), on the Redis store."""
    client = redis.Redis.from_url(server.url(4))
    client.flushdb()
    client.close()
    clock = Clock()
    s = Scheduler(server.url(4), now=clock)
    try:
        check_zone_plans_refused(s)
        for job in s.jobs():
            s.cancel(job.id)
        check_rhythms_on_berlin_time(s, clock)
    finally:
        s.close()


# ---------------------------------------------------------------- bad input: typed errors at once, none lost


def test_a_store_or_broker_that_cannot_be_reached_is_a_typed_error_at_once(
    server: RedisServer, profiles: Path
) -> None:
    closed = f"redis://127.0.0.1:{free_port()}/0"
    started = time.monotonic()
    with pytest.raises(ds.NetworkUnavailable, match="cannot be reached"):
        Scheduler(closed, engine="celery")
    with pytest.raises(ds.NetworkUnavailable, match="broker cannot be reached"):
        Scheduler(server.url(4), engine="celery", broker=closed)
    assert time.monotonic() - started < 10
    with pytest.raises(ds.ConfigurationError, match="redis:// store"):
        Scheduler(profiles / "campaign.db", engine="celery")
    with pytest.raises(ds.ConfigurationError, match="broker URL"):
        Scheduler(server.url(4), engine="celery", broker="nosuchtransport://127.0.0.1:1")
    with pytest.raises(ds.InvalidInput, match="engine"):
        Scheduler(server.url(4), engine="threads")  # type: ignore[arg-type]


def test_a_broker_lost_before_dispatch_loses_no_job(server: RedisServer, profiles: Path) -> None:
    broker = RedisServer()
    try:
        sched = Scheduler(server.url(5), engine="celery", broker=broker.url())
        job = sched.schedule("kept", ["brand-a"], at=sched._now())
        broker.stop()
        with pytest.raises(ds.NetworkUnavailable, match="broker"):
            sched.run_pending()
        store = sched._store
        assert isinstance(store, RedisStore)
        assert sched.job(job.id).status == "scheduled"
        assert [i for i, _ in store.dispatch(sched._now().timestamp(), 10)] == [job.id]  # due again
        sched.close()
    finally:
        broker.stop()


def test_the_dispatcher_waits_out_a_broker_that_restarts(
    server: RedisServer, profiles: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from decentsocial.celery_app import QUEUE

    broker = RedisServer()
    sched = Scheduler(server.url(7), engine="celery", broker=broker.url(), poll_interval=0.05)
    stop = threading.Event()
    dispatcher = threading.Thread(target=sched.run, args=(stop,))
    try:
        job = sched.schedule("sent once the broker is back", ["brand-a"], at=sched._now())
        broker.stop()
        dispatcher.start()
        deadline = time.monotonic() + 60
        while not any("trying again in" in r.getMessage() for r in caplog.records):
            assert time.monotonic() < deadline, "the dispatcher said nothing of the broker it lost"
            assert dispatcher.is_alive(), "the dispatcher ended at the broker's first failure"
            time.sleep(0.05)
        broker = RedisServer(port=broker.port)  # the broker is back, at the same address
        queued = redis.Redis(port=broker.port)
        try:
            while queued.llen(QUEUE) < 1:
                assert time.monotonic() < deadline, "the job was never sent once the broker was back"
                time.sleep(0.05)
        finally:
            queued.close()
    finally:
        stop.set()
        dispatcher.join(30)
        sched.close()
        broker.stop()
    assert not dispatcher.is_alive()
    waits = [r.getMessage() for r in caplog.records if "trying again in" in r.getMessage()]
    assert "broker" in waits[0]
    with Scheduler(server.url(7)) as again:
        assert [j.id for j in again.jobs()] == [job.id]


def test_the_worker_command_waits_for_a_redis_store_that_starts_after_it(profiles: Path) -> None:
    from typer.testing import CliRunner

    from decentsocial.cli import app

    port = free_port()
    started: list[RedisServer] = []
    timer = threading.Timer(1.0, lambda: started.append(RedisServer(port=port)))
    timer.start()
    try:
        url = f"redis://127.0.0.1:{port}/0"
        ran = CliRunner().invoke(app, ["worker", "--once", "--poll", "0.05", "--store", url])
        timer.join()
    finally:
        for redis_server in started:
            redis_server.stop()
    assert ran.exit_code == 0, ran.output
    assert f"Redis at {url} cannot be reached" in ran.output
    assert "trying again in 0.05 s" in ran.output
    assert f"on {url}" in ran.output  # then it opened the store and ran what was due (nothing)


def test_without_the_extra_the_error_names_it(server: RedisServer) -> None:
    code = f"""
        import sys

        hidden = set(sys.argv[1].split(","))

        class Hide:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in hidden:
                    raise ModuleNotFoundError(name, name=name)
                return None

        sys.meta_path.insert(0, Hide())
        import decentsocial as ds
        try:
            ds.Scheduler("{server.url(6)}", engine="celery")
        except ds.ConfigurationError as exc:
            print(exc)
    """
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for hidden, message in [
        ("celery,kombu", "the celery engine needs its extra: pip install 'decentsocial[celery]'"),
        ("redis,celery,kombu", "a Redis store needs the celery extra: pip install 'decentsocial[celery]'"),
    ]:
        done = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code), hidden],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == message


# ---------------------------------------------------------------- the done-when


@pytest.mark.slow
def test_a_worker_killed_mid_campaign_is_finished_by_another_without_doubles(
    server: RedisServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """200 due jobs on Celery; worker A is killed with SIGKILL part way; worker B finishes, no doubles.

    The last 80 jobs are held back (paused) until the kill, so a loaded
    machine cannot let worker A finish the whole campaign first.
    """
    url = server.url(1)  # a database of its own: the shared worker does not take these jobs
    config = tmp_path / "config.toml"
    write_profiles(config, tmp_path)
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", str(config))
    # A kill that lands after worker A fetched its next task and before it claimed the job leaves
    # that job sent and unclaimed (the unacknowledged task comes back only after the broker's
    # visibility timeout); the dispatcher sends it again after REDISPATCH_AFTER, 120 s by default,
    # longer than this test waits for worker B.
    monkeypatch.setattr(redis_store, "REDISPATCH_AFTER", 3.0)
    log = tmp_path / "workers.log"
    plan = Scheduler(url, engine="celery", poll_interval=0.1)
    now = datetime.now(timezone.utc)
    jobs = [plan.schedule(f"campaign post {i:03d}", ["brand-a", "brand-c"], at=now) for i in range(200)]
    held = [plan.pause(job.id)[0] for job in jobs[120:]]
    stop = threading.Event()
    dispatcher = threading.Thread(target=plan.run, args=(stop,), daemon=True)
    dispatcher.start()
    first = start_worker(url, "first", config, log, lease=2)
    second: subprocess.Popen[bytes] | None = None
    try:
        wait_for(lambda: len(plan.jobs(status="done")) >= 40, timeout=60, what="worker A")
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
        done_before = len(plan.jobs(status="done"))
        assert 40 <= done_before <= 120, "the kill must land in the middle of the campaign"
        assert sorted(plan.resume()) == sorted(held)
        second = start_worker(url, "second", config, log, lease=2)
        wait_for(lambda: len(plan.jobs(status="done")) == 200, timeout=90, what=f"worker B; {log}")
    finally:
        stop.set()
        dispatcher.join(timeout=10)
        for worker in (first, second):
            if worker is not None:
                stop_worker(worker)
    finished = plan.jobs()
    assert {j.status for j in finished} == {"done"}
    for job in finished:
        assert [len(o.post_ids) for o in job.outcomes] == [1, 1], job.id
    expected = sorted(f"campaign post {i:03d}" for i in range(200))
    assert sorted(texts(tmp_path)) == expected  # each exactly once on brand-a
    assert sorted(texts(tmp_path, "c.db")) == expected  # and on brand-c
    assert len(jobs) == 200
    plan.close()


# ---------------------------------------------------------------- notes: the active crisis


def test_notes_swap_atomically_in_both_stores(server: RedisServer, profiles: Path) -> None:
    """The compare-and-swap behind "one active crisis" behaves the same in Redis and in SQLite."""
    for sched in (Scheduler(server.url(0)), Scheduler(profiles / "notes.db")):
        store = sched.store
        assert store.note("crisis") is None
        assert store.swap_note("crisis", None, '{"id": "a"}')
        assert not store.swap_note("crisis", None, '{"id": "b"}')  # one is active: the second loses
        assert store.note("crisis") == '{"id": "a"}'
        assert not store.swap_note("crisis", '{"id": "x"}', None)  # not the note there: unchanged
        assert store.swap_note("crisis", '{"id": "a"}', '{"id": "a", "paused": []}')
        assert store.swap_note("crisis", '{"id": "a", "paused": []}', None)
        assert store.note("crisis") is None
        sched.close()


def test_a_crisis_on_the_redis_store_pauses_and_resumes_exactly_its_jobs(
    sched: Scheduler, clock: Clock, profiles: Path
) -> None:
    later = clock.now + timedelta(hours=1)
    planned = sched.schedule("cheerful", ["brand-a"], at=later)
    held = sched.schedule("held", ["brand-a"], at=later)
    sched.pause(held.id)
    crisis = ds.crisis("statement", ["brand-a"], scheduler=sched)
    assert crisis.paused == (planned.id,)
    with pytest.raises(ds.InvalidInput, match="already active"):
        ds.crisis("again", ["brand-a"], scheduler=sched)
    found = ds.Crisis.active(sched)
    assert found is not None
    assert found.end().resumed == (planned.id,)
    assert sched.job(planned.id).status == "scheduled"
    assert sched.job(held.id).status == "paused"
    assert ds.Crisis.active(sched) is None
