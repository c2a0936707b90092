"""A recurring job that has run for weeks: a worker's run of one occurrence costs what it cost on the
first day, in both stores (it reads the occurrence it runs, not every outcome the job ever had).

The history is written into the store as weeks of runs would leave it (the job's own first outcomes,
copied to earlier occurrences), on a real SQLite file and a real redis-server. The cost is the work the
store did, counted (SQLite's virtual-machine steps on the store's file, the bytes redis-server sent),
never the time it took: the machine is shared, and speed targets live in the benchmarks."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("redis", reason="the celery extra is not installed")
import redis

from decentsocial.redis_store import PREFIX
from decentsocial.scheduler import Scheduler

from .test_celery import Clock, RedisServer, texts

pytestmark = pytest.mark.server

#: Earlier occurrences written into the record (17 hours of an every-minute job): few enough to write
#: quickly, enough that reading them all makes a run cost more than ten times the bound below. The
#: cost is counted, not timed, so this shows the difference as surely as weeks of them would.
WEEKS_OF_OCCURRENCES = 1_000

#: SQLite's own ``connect``, kept before the meter wraps it: the history is written without counting.
UNCOUNTED_CONNECT = sqlite3.connect


@dataclass
class Meter:
    """How much work the store has done so far, in ``unit``: counted, so the same on a busy machine."""

    unit: str
    done: Callable[[], int]

    def assert_same_cost(self, fresh: int, aged: int, what: str) -> None:
        """``aged`` (the cost after the history was added) is about ``fresh`` (at first), where
        reading the whole history costs tens to hundreds of times more."""
        said = f"{what}: {aged:,} {self.unit} after weeks of history, {fresh:,} at first"
        assert fresh > 0, f"nothing counted ({said}): the store is not measured"
        assert aged <= 3 * fresh + 200, said


@pytest.fixture(scope="module")
def server() -> Iterator[RedisServer]:
    running = RedisServer()
    yield running
    running.stop()


@pytest.fixture(params=["sqlite", "redis"])
def store(request: pytest.FixtureRequest, server: RedisServer, profiles: Path) -> str:
    if request.param == "sqlite":
        return str(profiles / "campaign.db")
    client = redis.Redis.from_url(server.url(7))
    client.flushdb()
    client.close()
    return server.url(7)


@pytest.fixture
def meter(store: str, server: RedisServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Meter]:
    """The store's work from here on (open the scheduler after this fixture, so its connection counts).

    SQLite: the virtual-machine steps of every connection opened on the store's file (the store opens
    it through ``sqlite3.connect``, wrapped here to count each step). Redis: the bytes redis-server
    sent to all its clients (``INFO stats``, read on a connection of its own, less those replies).
    """
    if store.startswith("redis://"):
        with (
            socket.create_connection(("127.0.0.1", server.port)) as reading,
            reading.makefile("rb") as replies,
        ):
            own_replies = 0

            def bytes_sent() -> int:
                nonlocal own_replies
                reading.sendall(b"*2\r\n$4\r\nINFO\r\n$5\r\nstats\r\n")
                header = replies.readline()  # b"$<length>\r\n", then the text and b"\r\n"
                text = replies.read(int(header[1:]) + 2)
                total = next(
                    line for line in text.splitlines() if line.startswith(b"total_net_output_bytes:")
                )
                sent = int(total.split(b":")[1]) - own_replies  # counted before this reply went out
                own_replies += len(header) + len(text)
                return sent

            yield Meter("bytes from redis-server", bytes_sent)
        return
    path = Path(store).resolve()
    steps = 0

    def step() -> int:
        nonlocal steps
        steps += 1
        return 0  # go on

    def counting_connect(database: str | os.PathLike[str], *args: Any, **kwargs: Any) -> sqlite3.Connection:
        db: sqlite3.Connection = UNCOUNTED_CONNECT(database, *args, **kwargs)
        if Path(database).resolve() == path:
            db.set_progress_handler(step, 1)
        return db

    monkeypatch.setattr(sqlite3, "connect", counting_connect)
    yield Meter("SQLite steps", lambda: steps)


def add_history(store: str, job_id: str, occurrences: int) -> None:
    """Outcomes of ``occurrences`` earlier occurrences (numbered below 0), copied from occurrence 0."""
    if store.startswith("redis://"):
        client = redis.Redis.from_url(store, decode_responses=True)
        kept: dict[str, str] = client.hgetall(PREFIX + "out:" + job_id)  # type: ignore[assignment]
        first = [json.loads(value) for name, value in kept.items() if name.startswith("0|")]
        with client.pipeline(transaction=False) as pipe:
            for n in range(1, occurrences + 1):
                copies = {f"{-n}|{o['target']}": json.dumps({**o, "occurrence": -n}) for o in first}
                pipe.hset(PREFIX + "out:" + job_id, mapping=copies)  # type: ignore[arg-type]
            pipe.execute()
        client.close()
        return
    db = UNCOUNTED_CONNECT(store)
    rows = db.execute("SELECT * FROM outcomes WHERE job_id = ? AND occurrence = 0", (job_id,)).fetchall()
    marks = ",".join("?" * len(rows[0]))
    history = [(job_id, -n, *row[2:]) for n in range(1, occurrences + 1) for row in rows]
    db.executemany(f"INSERT INTO outcomes VALUES ({marks})", history)
    db.commit()
    db.close()


def work_per_occurrence(sched: Scheduler, clock: Clock, meter: Meter, runs: int) -> int:
    """Run the job's next ``runs`` occurrences, each when due; the store's work for each (on average)."""
    before = meter.done()
    for _ in range(runs):
        clock.advance(minutes=1)
        assert sched.run_pending() == 1
    return (meter.done() - before) // runs


def test_a_run_costs_the_same_after_weeks_of_history(store: str, meter: Meter, tmp_path: Path) -> None:
    clock = Clock()
    with Scheduler(store, now=clock) as sched:
        job = sched.schedule("tip", ["brand-a", "brand-c"], at=clock.now, every=timedelta(minutes=1))
        assert sched.run_pending() == 1
        work_per_occurrence(sched, clock, meter, 3)  # connections made, scripts loaded
        fresh = work_per_occurrence(sched, clock, meter, 10)
        add_history(store, job.id, WEEKS_OF_OCCURRENCES)
        aged = work_per_occurrence(sched, clock, meter, 10)
        meter.assert_same_cost(fresh, aged, "a run")
        # Each occurrence still ran once, and the record keeps the whole history.
        assert len(texts(tmp_path)) == 24
        ran = sched.job(job.id)
        assert ran.occurrence == 24
        assert len(ran.outcomes) == 2 * (24 + WEEKS_OF_OCCURRENCES)
        assert all(o.ok for o in ran.outcomes)


def test_the_worker_command_reads_only_the_occurrence_it_shows(
    store: str, meter: Meter, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from decentsocial.cli import app

    runner = CliRunner()

    def worker_once(sched: Scheduler, job_id: str) -> int:
        """Make the job due now, and run ``decentsocial worker --once`` on it; the store's work for it."""
        sched.reschedule(job_id, datetime.now(timezone.utc))
        before = meter.done()
        ran = runner.invoke(app, ["worker", "--once", "--store", store])
        spent = meter.done() - before
        assert ran.exit_code == 0, ran.output
        assert f"{job_id} scheduled: 2 post(s)" in ran.output
        return spent

    with Scheduler(store) as sched:
        job = sched.schedule(
            "tip", ["brand-a", "brand-c"], at=datetime.now(timezone.utc), every=timedelta(days=1)
        )
        worker_once(sched, job.id)  # imports, scripts loaded
        fresh = min(worker_once(sched, job.id) for _ in range(3))
        add_history(store, job.id, 2 * WEEKS_OF_OCCURRENCES)
        aged = max(worker_once(sched, job.id) for _ in range(3))
        meter.assert_same_cost(fresh, aged, "worker --once")
        assert len(texts(tmp_path)) == 7
        assert len(sched.job(job.id).outcomes) == 2 * (7 + 2 * WEEKS_OF_OCCURRENCES)


def test_on_finished_is_given_the_occurrence_that_ended_or_the_whole_record(store: str) -> None:
    clock = Clock()
    given: list[list[int]] = []
    with Scheduler(store, now=clock) as sched:
        sched.schedule("tip", ["brand-a", "brand-c"], at=clock.now, every=timedelta(minutes=1))
        for whole in (True, True, False, False):
            sched.run_pending(
                on_finished=lambda job: given.append([o.occurrence for o in job.outcomes]), whole_record=whole
            )
            clock.advance(minutes=1)
    assert given == [[0, 0], [0, 0, 1, 1], [2, 2], [3, 3]]


def test_run_hands_over_the_occurrence_that_ended_too(store: str) -> None:
    clock = Clock()
    given: list[list[int]] = []
    with Scheduler(store, now=clock, poll_interval=0.01) as sched:
        sched.schedule("tip", ["brand-a"], at=clock.now, every=timedelta(minutes=1))
        assert sched.run_pending() == 1
        clock.advance(minutes=1)
        sched.run(
            stop=lambda: bool(given),
            on_finished=lambda job: given.append([o.occurrence for o in job.outcomes]),
            whole_record=False,
        )
    assert given == [[1]]
