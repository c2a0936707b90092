"""A crisis holds every job from the moment it is recorded, and its end resumes only what it paused.

On the embedded (SQLite) scheduler with sandbox profiles: a worker already
busy when the crisis starts claims nothing more, a job held by hand during
the crisis stays held, a crash of ``crisis start`` loses nothing, and the
record's edge cases (ended while starting, unreadable, no connection to
unpin) are typed errors that keep what the user needs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from decentsocial import crisis_mode
from decentsocial.lifecycle import Crisis
from decentsocial.scheduler import Scheduler
from decentsocial.state import StateStore

from .profiles import Clock

START = datetime.now(timezone.utc).replace(microsecond=0)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def clock() -> Clock:
    """Campaigns start at the wall clock's time (a crisis reads it too)."""
    return Clock(START)


def texts(profiles: Path, db: str = "a.db") -> list[str]:
    with ds.connect("sandbox", path=profiles / db, account="brand") as net:
        return [p.text for p in net.posts(limit=None)]


def test_a_worker_busy_when_the_crisis_starts_claims_nothing_more(
    sched: Scheduler, clock: Clock, profiles: Path
) -> None:
    cheerful = [sched.schedule(f"cheerful post {n}", ["brand-a"], at=START) for n in range(2)]
    other = Scheduler(profiles / "campaign.db", now=clock)  # the crisis team's process
    planned: list[str] = []

    def crisis_meanwhile(job: ds.Job) -> None:
        if not planned:
            ds.crisis("We are aware of the outage.", ["brand-c"], scheduler=other, pin=False)
            planned.append(other.schedule("SALE! 50% off", ["brand-a"], at=clock.now).id)

    assert sched.run_pending(on_finished=crisis_meanwhile) == 1
    assert sorted(sched.job(j.id).status for j in cheerful) == ["done", "paused"]
    assert sched.job(planned[0]).status == "scheduled"
    assert len(texts(profiles)) == 1  # neither the held job nor the one planned since
    now = clock.now.timestamp()
    assert sched.store.claim(now, now + 60, "another worker", 10) == []
    active = Crisis.active(other)
    assert active is not None
    active.end()
    assert sched.run_pending() == 2
    other.close()


def test_a_job_held_by_hand_during_the_crisis_stays_held(sched: Scheduler) -> None:
    sale = sched.schedule("SALE! 50% off", ["brand-a"], at=START + timedelta(hours=1))
    other = sched.schedule("Tips for spring", ["brand-a"], at=START + timedelta(hours=1))
    c = ds.crisis("statement", ["brand-c"], scheduler=sched, pin=False)
    assert sorted(c.paused) == sorted([sale.id, other.id])
    assert sched.pause(sale.id) == [sale.id]  # the crisis paused it; now it is held by hand
    assert sched.pause(sale.id) == [sale.id]  # held already: said so, not "0 paused"
    ended = c.end()
    assert ended.resumed == (other.id,)
    assert sched.job(sale.id).status == "paused"
    assert sched.job(other.id).status == "scheduled"


def test_pausing_a_finished_job_is_refused(sched: Scheduler) -> None:
    job = sched.schedule("once", ["brand-a"], at=START)
    assert sched.run_pending() == 1
    with pytest.raises(ds.InvalidInput, match="is done"):
        sched.pause(job.id)


def test_a_crash_while_starting_the_crisis_leaves_the_paused_jobs_known(
    sched: Scheduler, profiles: Path
) -> None:
    jobs = [sched.schedule(f"post {n}", ["brand-a"], at=START + timedelta(hours=1)) for n in range(3)]
    script = textwrap.dedent(
        f"""
        import os
        import decentsocial as ds
        from decentsocial import crisis_mode
        from decentsocial.scheduler import Scheduler

        crisis_mode._save = lambda *a: os._exit(9)  # killed right after the jobs were paused
        ds.crisis("statement", ["brand-c"], scheduler=Scheduler({str(profiles / "campaign.db")!r}))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=os.environ.copy(), check=False)
    assert done.returncode == 9
    assert {sched.job(j.id).status for j in jobs} == {"paused"}
    active = Crisis.active(sched)
    assert active is not None
    ended = active.end()
    assert sorted(ended.resumed) == sorted(j.id for j in jobs)
    assert {sched.job(j.id).status for j in jobs} == {"scheduled"}


def test_a_crisis_ended_while_it_starts_takes_its_pin_back(sched: Scheduler, profiles: Path) -> None:
    job = sched.schedule("post", ["brand-a"], at=START + timedelta(hours=1))
    net = ds.connect("sandbox", path=profiles / "a.db", account="brand")
    pin = net.pin

    def ended_from_another_shell(post: Any) -> Any:
        with Scheduler(profiles / "campaign.db") as other:
            found = Crisis.active(other)
            assert found is not None
            found.end()
        return pin(post)

    net.pin = ended_from_another_shell  # type: ignore[method-assign]
    with pytest.raises(crisis_mode.CrisisInterrupted) as caught:
        ds.crisis("We are aware of the outage.", [net], scheduler=sched)
    assert isinstance(caught.value, ds.ConfigurationError)
    assert caught.value.result is not None
    assert [p.text for p in caught.value.result.posts] == ["We are aware of the outage."]
    assert list(net.pinned()) == []
    assert Crisis.active(sched) is None
    assert sched.job(job.id).status == "scheduled"
    net.close()


def _end_while_start_saves(
    sched: Scheduler, profiles: Path, monkeypatch: pytest.MonkeyPatch, *, end_nets: list[Any]
) -> tuple[Any, Any, Any, crisis_mode.Crisis]:
    """`crisis end` in another shell reads the record (no pin yet), then `crisis start` saves its pin.

    Returns the job, the start's connection, what the end returned (or raised) and the crisis.
    """
    job = sched.schedule("post", ["brand-a"], at=START + timedelta(hours=1))
    net = ds.connect("sandbox", path=profiles / "a.db", account="brand")
    pin, real_resume = net.pin, crisis_mode._resume
    has_read, go = threading.Event(), threading.Event()
    ended: list[Any] = []

    def resume_after_start_saved(*args: Any) -> Any:
        if threading.current_thread().name == "ender":
            has_read.set()
            go.wait(60)
        return real_resume(*args)

    def end_in_another_shell() -> None:
        try:
            with Scheduler(profiles / "campaign.db") as other:
                found = Crisis.active(other)
                assert found is not None
                ended.append(found.end(nets=end_nets))
        except BaseException as exc:  # seen by the assertions of the caller
            ended.append(exc)

    ender = threading.Thread(target=end_in_another_shell, name="ender")

    def pin_while_another_shell_ends(post: Any) -> Any:
        ender.start()
        assert has_read.wait(60)
        return pin(post)

    monkeypatch.setattr(crisis_mode, "_resume", resume_after_start_saved)
    net.pin = pin_while_another_shell_ends  # type: ignore[method-assign]
    c = ds.crisis("We are aware of the outage.", [net], scheduler=sched)
    go.set()
    ender.join(60)
    (done,) = ended
    return job, net, done, c


def test_an_end_racing_the_last_save_of_start_ends_what_start_pinned(
    sched: Scheduler, profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    their_net = ds.connect("sandbox", path=profiles / "a.db", account="brand")
    job, net, done, c = _end_while_start_saves(sched, profiles, monkeypatch, end_nets=[their_net])
    assert isinstance(done, crisis_mode.CrisisEnd), done
    assert done.unpinned == (c.pinned[0].id,)
    assert done.resumed == (job.id,)
    assert done.errors == ()
    assert Crisis.active(sched) is None  # ended, as end() said
    assert sched.job(job.id).status == "scheduled"
    assert list(net.pinned()) == []
    net.close()
    their_net.close()


def test_a_crisis_started_with_connections_is_not_dropped_by_an_end_without_them(
    sched: Scheduler, profiles: Path
) -> None:
    with ds.connect("sandbox", path=profiles / "a.db", account="brand") as net:
        c = ds.crisis("We are aware of the outage.", [net], scheduler=sched)
        with Scheduler(profiles / "campaign.db") as other:
            found = Crisis.active(other)
            assert found is not None
            with pytest.raises(ds.InvalidInput, match=c.pinned[0].id) as caught:
                found.end()
            assert "end(nets=" in str(caught.value)
            assert Crisis.active(other) is not None  # still there, so end(nets=...) can work
            ended = found.end(nets=[net])
        assert ended.unpinned == (c.pinned[0].id,)
        assert list(net.pinned()) == []
    assert Crisis.active(sched) is None


def test_a_state_record_cut_short_by_an_older_version_does_not_block_crises(profiles: Path) -> None:
    state = StateStore.open()
    assert state.claim("decentsocial:lifecycle", "crisis", "note") is None  # the first of two writes
    assert Crisis.active() is None
    with ds.connect("sandbox", path=profiles / "a.db", account="brand") as net:
        c = ds.crisis("statement", [net], pin=False)
        found = Crisis.active()
        assert found is not None
        assert found.id == c.id
        c.end()
    assert Crisis.active() is None


def test_an_unreadable_crisis_record_is_a_configuration_error_that_can_be_removed(
    sched: Scheduler, profiles: Path
) -> None:
    state = StateStore.open()
    state.put("decentsocial:lifecycle", "crisis", "note", {"value": "{not json"})
    with pytest.raises(ds.ConfigurationError, match=r"Crisis\.discard"):
        Crisis.active()
    with pytest.raises(ds.ConfigurationError, match="cannot be read"):
        ds.crisis("statement", ["brand-a"])
    assert Crisis.discard() is True
    assert Crisis.active() is None
    # In a scheduler's store too; a readable crisis is not discarded.
    assert sched.store.swap_note("crisis", None, json.dumps({"id": 3}))
    with pytest.raises(ds.ConfigurationError):
        Crisis.active(sched)
    assert Crisis.discard(sched) is True
    c = ds.crisis("statement", ["brand-a"], scheduler=sched, pin=False)
    with pytest.raises(ds.InvalidInput, match="can be read"):
        Crisis.discard(sched)
    c.end()


def test_the_backlog_of_one_off_posts_can_be_skipped_at_the_end(
    sched: Scheduler, clock: Clock, profiles: Path
) -> None:
    hourly = [sched.schedule(f"post {n}", ["brand-a"], at=START + timedelta(hours=n)) for n in range(1, 6)]
    weekly = sched.schedule("weekly tip", ["brand-a"], at=START + timedelta(hours=1), every=timedelta(days=7))
    c = ds.crisis("statement", ["brand-c"], scheduler=sched, pin=False)
    clock.now = START + timedelta(hours=3, minutes=30)
    with pytest.raises(ds.InvalidInput, match="backlog"):
        c.end(backlog="later")  # type: ignore[arg-type]
    ended = c.end(backlog="skip")
    assert ended.skipped == tuple(j.id for j in hourly[:3])  # their time passed during the crisis
    assert sorted(ended.resumed) == sorted([*(j.id for j in hourly[3:]), weekly.id])
    assert sched.run_pending() == 1  # the weekly job, once; no burst of held one-off posts
    assert texts(profiles, "c.db") == ["statement"]
    assert texts(profiles) == ["weekly tip"]
    assert [sched.job(j.id).status for j in hourly] == ["cancelled"] * 3 + ["scheduled"] * 2


def test_the_crisis_names_stay_where_they_were() -> None:
    from decentsocial import lifecycle

    assert lifecycle.Crisis is crisis_mode.Crisis is ds.Crisis
    assert lifecycle.crisis is crisis_mode.crisis is ds.crisis  # the function, not the module
    assert (lifecycle.CrisisEnd, lifecycle.CrisisInterrupted) == (
        crisis_mode.CrisisEnd,
        crisis_mode.CrisisInterrupted,
    )


def test_an_end_racing_start_with_no_connection_for_its_pin_still_ends(
    sched: Scheduler, profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The other shell has no connection for the pin `crisis start` saves meanwhile: its jobs are
    # resumed already, so the crisis must end too (the pin reported), not stay active.
    job, net, done, c = _end_while_start_saves(sched, profiles, monkeypatch, end_nets=[])
    assert isinstance(done, crisis_mode.CrisisEnd), done
    assert done.resumed == (job.id,)
    assert done.unpinned == ()
    ((label, error),) = done.errors
    assert label == c.record["targets"][0]["label"]
    assert isinstance(error, ds.InvalidInput)
    assert "end(nets=" in str(error)
    assert Crisis.active(sched) is None  # ended, as its jobs were resumed
    assert sched.job(job.id).status == "scheduled"
    assert [p.id for p in net.pinned()] == [c.pinned[0].id]  # still pinned: reported, unpin it by hand
    net.close()
