"""Workers started together on a new SQLite store all open it (none refuses it as a foreign file),
and a damaged running job whose lease expired is marked failed instead of stopping every claim.

Real SQLite files, one connection per thread (as one per worker process), no mocks.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import timedelta
from pathlib import Path

from decentsocial.scheduler import Scheduler
from decentsocial.sqlite_store import SQLiteStore

from .profiles import START, Clock


def open_together(path: Path, workers: int) -> list[Exception]:
    """Open the store at ``path`` from ``workers`` threads released at once; what they raised."""
    start = threading.Barrier(workers)
    failures: list[Exception] = []

    def open_once() -> None:
        start.wait()
        try:
            SQLiteStore(path).close()
        except Exception as exc:  # what each worker met is the finding
            failures.append(exc)

    threads = [threading.Thread(target=open_once) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def test_workers_opening_a_new_store_together_all_open_it(tmp_path: Path) -> None:
    # Made table by table, a worker opening the file between the tables and the mark refused it as
    # "not a decentsocial scheduler store" (about one start in five with eight workers).
    for attempt in range(60):
        path = tmp_path / f"campaign-{attempt}.db"
        assert open_together(path, workers=8) == []
        store = SQLiteStore(path)
        try:
            assert store.load_all() == []
        finally:
            store.close()


def test_a_store_of_another_program_is_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE meta (name TEXT, value TEXT)")
    db.commit()
    db.close()
    failures = open_together(path, workers=4)
    assert len(failures) == 4
    assert all("not a decentsocial scheduler store" in str(exc) for exc in failures)


def test_a_damaged_running_job_past_its_lease_is_failed_and_the_others_run(profiles: Path) -> None:
    store = profiles / "campaign.db"
    clock = Clock()
    with Scheduler(store, now=clock) as sched:
        good = sched.schedule("still goes out", ["brand-a"], at=START + timedelta(minutes=1))
        damaged = sched.schedule("damaged", ["brand-a"], at=START + timedelta(seconds=30))
    db = sqlite3.connect(store)
    with db:  # its worker died while running it, and its time was damaged since: text, not a number
        db.execute(
            "UPDATE jobs SET status = 'running', lease_owner = 'gone', lease_until = ?, at = 'soon'"
            " WHERE id = ?",
            (START.timestamp() + 60, damaged.id),
        )
    db.close()
    clock.now = START + timedelta(hours=1)
    with Scheduler(store, now=clock) as sched:
        assert sched.run_pending() == 2  # raised TypeError in every worker's claim before
        assert sched.job(good.id).status == "done"
        failed = sched.job(damaged.id)
        assert failed.status == "failed"
        assert failed.error is not None
        assert sched.run_pending() == 0
