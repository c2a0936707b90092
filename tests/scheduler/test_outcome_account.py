"""A job's record names the account that posted; ``ds.retract`` refuses a profile reaching another.

A sandbox profile with a relative ``path`` reaches another database from
another directory; a Mastodon profile whose token now belongs to another
account reaches another account. There a post is ``NotFound`` and would count
as deleted while it is still up, so the retraction says ``ConfigurationError``
and names the posts that remain. The SQLite store keeps the account in a
column added to older stores when opened; the Redis store in each outcome's
JSON (read back here without a server; test_celery runs the engine on one).
"""

from __future__ import annotations

import json
import sqlite3
import textwrap
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial import redis_store
from decentsocial.crosspost import target_of
from decentsocial.idempotency import may_have_happened
from decentsocial.jobs import TargetOutcome, dumps, outcome_json
from decentsocial.scheduler import Scheduler

START = datetime.now(timezone.utc).replace(microsecond=0)


@pytest.fixture
def folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A profile ``rehearsal`` whose sandbox file is relative; a worker's directory and another one."""
    config = tmp_path / "config.toml"
    config.write_text(
        textwrap.dedent(
            """
            [profiles.rehearsal]
            network = "sandbox"
            path = "rehearsal.db"
            account = "brand"
            """
        )
    )
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", str(config))
    worker, ops = tmp_path / "worker", tmp_path / "ops"
    worker.mkdir()
    ops.mkdir()
    return worker, ops


@pytest.fixture
def sched(tmp_path: Path) -> Iterator[Scheduler]:
    s = Scheduler(tmp_path / "campaign.db", now=lambda: START)
    yield s
    s.close()


def test_the_record_names_the_account_that_posted(
    sched: Scheduler, folders: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    worker, _ = folders
    monkeypatch.chdir(worker)
    job = sched.schedule("Product X: buy now!", ["rehearsal"], at=START)
    assert sched.run_pending() == 1
    [outcome] = sched.job(job.id).outcomes
    with ds.connect("sandbox", path=worker / "rehearsal.db", account="brand") as net:
        assert outcome.account == target_of(net)
    with Scheduler(tmp_path / "campaign.db") as again:  # read back from the file
        assert again.job(job.id).outcomes[0].account == outcome.account


def test_retract_refuses_a_profile_that_now_reaches_another_account(
    sched: Scheduler, folders: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    worker, ops = folders
    monkeypatch.chdir(worker)
    job = sched.schedule("Product X: buy now!", ["rehearsal"], at=START)
    sched.run_pending()
    done = sched.job(job.id)
    [post_id] = done.post_ids

    monkeypatch.chdir(ops)  # the retraction runs elsewhere: "rehearsal.db" is another file there
    retraction = ds.retract(done)
    assert not retraction.ok
    [outcome] = retraction.outcomes
    assert outcome.deleted == ()
    assert isinstance(outcome.error, ds.ConfigurationError)
    assert "rehearsal" in str(outcome.error)
    assert [pid for pid, _ in outcome.remaining] == [post_id]
    with ds.connect("sandbox", path=worker / "rehearsal.db", account="brand") as net:
        assert net.get_post(post_id).text == "Product X: buy now!"  # still live: nothing was claimed
    assert list(ops.iterdir()) == []  # and no empty database was made there

    monkeypatch.chdir(worker)  # from the right place it is retracted
    again = ds.retract(done)
    assert again.ok
    assert again.deleted == [post_id]


def test_an_older_store_gets_the_column_and_its_records_retract_as_before(
    folders: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    worker, _ = folders
    monkeypatch.chdir(worker)
    store = tmp_path / "old.db"
    with Scheduler(store, now=lambda: START) as sched:
        job = sched.schedule("from before", ["rehearsal"], at=START)
        sched.run_pending()
    # As a store written before outcomes named the account: the column gone, the rows kept.
    db = sqlite3.connect(store)
    with db:
        db.execute("ALTER TABLE outcomes DROP COLUMN account")
    db.close()
    with Scheduler(store) as sched:
        [outcome] = sched.job(job.id).outcomes
        assert outcome.account is None
        assert outcome.post_ids
        assert ds.retract(sched.job(job.id)).ok  # not refused: nothing says which account posted
    db = sqlite3.connect(store)
    columns = {row[1] for row in db.execute("PRAGMA table_info(outcomes)")}
    db.close()
    assert "account" in columns


def test_an_ambiguous_error_stays_ambiguous_in_the_store(
    sched: Scheduler, folders: tuple[Path, Path]
) -> None:
    """``retryable`` and ``sent`` are kept: a connection that never opened made nothing, a lost answer
    may have, and so may a keyed write safe to repeat (retryable, but sent: it was given back as
    "nothing made" once read from the store)."""
    job = sched.schedule("x", ["rehearsal"], at=START)
    never = ds.NetworkUnavailable("connection refused", network="sandbox", retryable=True, sent=False)
    lost = ds.NetworkUnavailable("read timed out", network="sandbox")
    keyed = ds.NetworkUnavailable("HTTP 503 to a keyed publish", network="sandbox", retryable=True)
    sched.store.record(job.id, 0, TargetOutcome("a", 0, "sandbox", (), never, "sandbox:x"), 1.0)
    sched.store.record(job.id, 0, TargetOutcome("b", 0, "sandbox", (), lost, "sandbox:x"), 1.0)
    sched.store.record(job.id, 0, TargetOutcome("c", 0, "sandbox", (), keyed, "sandbox:x"), 1.0)
    by_target = {o.target: o for o in sched.job(job.id).outcomes}
    never_back, lost_back, keyed_back = (by_target[t].error for t in "abc")
    assert isinstance(never_back, ds.NetworkUnavailable)
    assert isinstance(lost_back, ds.NetworkUnavailable)
    assert isinstance(keyed_back, ds.NetworkUnavailable)
    assert never_back.retryable
    assert not may_have_happened(never_back)
    assert not lost_back.retryable
    assert may_have_happened(lost_back)
    assert keyed_back.retryable
    assert may_have_happened(keyed_back)


def test_the_redis_store_keeps_the_account_in_each_outcome() -> None:
    raw = {
        "id": "j",
        "key": "k",
        "status": "done",
        "at": "1.0",
        "occurrence": "0",
        "targets": json.dumps(["a", "b"]),
        "draft": ds.Draft(text="x").model_dump_json(),
    }
    now = TargetOutcome("a", 0, "sandbox", ("p1",), None, "sandbox:/x.db:brand")
    before = outcome_json(TargetOutcome("b", 0, "sandbox", ("p2",), None), 1.0)
    del before["account"]  # a record kept before outcomes named the account
    job = redis_store._job(raw, {"0|a": dumps(outcome_json(now, 1.0)), "0|b": dumps(before)})
    assert [(o.target, o.account) for o in job.outcomes] == [("a", "sandbox:/x.db:brand"), ("b", None)]
