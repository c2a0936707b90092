"""Crisis mode and job retraction on real sandboxes with the embedded scheduler.

A crisis pauses exactly the jobs that would have gone out, publishes and
pins the statement, is recorded in the scheduler's store (so a second one is
refused, and another process can end it), and its end resumes exactly what
it paused: a job paused before the crisis stays paused.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial.crosspost import target_of
from decentsocial.lifecycle import Crisis
from decentsocial.scheduler import Scheduler

from .profiles import Clock

START = datetime.now(timezone.utc).replace(microsecond=0)


@pytest.fixture
def clock() -> Clock:
    """Campaigns start at the wall clock's time (a crisis reads it too)."""
    return Clock(START)


def brand(profiles: Path, db: str = "a.db", account: str = "brand") -> ds.Network:
    return ds.connect("sandbox", path=profiles / db, account=account)


def texts(profiles: Path, db: str = "a.db") -> list[str]:
    with brand(profiles, db) as net:
        return [p.text for p in net.posts(limit=None)]


def test_crisis_pauses_publishes_pins_and_end_resumes_exactly_its_jobs(
    sched: Scheduler, clock: Clock, profiles: Path
) -> None:
    later = START + timedelta(hours=1)
    cheerful = sched.schedule("Big sale tomorrow! 🎉", ["brand-a", "brand-c"], at=later)
    held = sched.schedule("Held back by hand", ["brand-a"], at=later)
    sched.pause(held.id)  # paused before the crisis: must stay paused after it
    finished = sched.schedule("Already out", ["brand-a"], at=START)
    assert sched.run_pending() == 1
    assert sched.job(finished.id).status == "done"

    c = ds.crisis(
        "نعتذر — we are aware of the outage and are working on it.", ["brand-a", "brand-c"], scheduler=sched
    )
    assert c.paused == (cheerful.id,)
    assert c.result is not None
    assert c.result.ok
    assert len(c.pinned) == 2
    assert c.not_pinned == ()
    with brand(profiles) as a, brand(profiles, "c.db") as cc:
        assert [p.id for p in a.pinned()] == [c.pinned[0].id]
        assert [p.id for p in cc.pinned()] == [c.pinned[1].id]

    # Nothing planned goes out while the crisis lasts.
    clock.now = later + timedelta(minutes=1)
    assert sched.run_pending() == 0
    assert "Big sale tomorrow! 🎉" not in texts(profiles)

    # A second crisis is refused before anything is paused or published.
    with pytest.raises(ds.InvalidInput, match="already active"):
        ds.crisis("another statement", ["brand-a"], scheduler=sched)
    assert texts(profiles).count("another statement") == 0

    # Another process (another Scheduler on the same store) finds it and ends it.
    other = Scheduler(profiles / "campaign.db", now=clock)
    found = Crisis.active(other)
    assert found is not None
    assert found.id == c.id
    assert found.paused == (cheerful.id,)
    ended = found.end()
    other.close()
    assert ended.resumed == (cheerful.id,)
    assert sorted(ended.unpinned) == sorted(p.id for p in c.pinned)
    assert ended.errors == ()
    assert sched.job(cheerful.id).status == "scheduled"
    assert sched.job(held.id).status == "paused"
    assert sched.job(finished.id).status == "done"
    assert Crisis.active(sched) is None
    with brand(profiles) as a:
        assert list(a.pinned()) == []
    # The resumed job now goes out; the held one does not.
    assert sched.run_pending() == 1
    assert "Big sale tomorrow! 🎉" in texts(profiles)
    assert "Held back by hand" not in texts(profiles)
    with pytest.raises(ds.InvalidInput, match="not the active one"):
        c.end()  # ended already


def test_a_job_resumed_or_cancelled_during_the_crisis_is_left_alone(sched: Scheduler) -> None:
    later = START + timedelta(hours=1)
    one = sched.schedule("one", ["brand-a"], at=later)
    two = sched.schedule("two", ["brand-a"], at=later)
    c = ds.crisis("statement", ["brand-a"], scheduler=sched, pin=False)
    assert sorted(c.paused) == sorted([one.id, two.id])
    assert c.pinned == ()
    sched.cancel(two.id)
    ended = c.end()
    assert ended.resumed == (one.id,)
    assert sched.job(two.id).status == "cancelled"


def test_a_job_planned_during_the_crisis_waits_for_its_end(
    sched: Scheduler, clock: Clock, profiles: Path
) -> None:
    hourly = sched.schedule("hourly deal", ["brand-a"], at=START, every=timedelta(hours=1))
    assert sched.run_pending() == 1
    c = ds.crisis("statement", ["brand-a"], scheduler=sched, pin=False)
    planned = sched.schedule("Flash sale part 2!", ["brand-a"], at=START + timedelta(minutes=5))
    clock.now = START + timedelta(days=2)
    assert sched.run_pending() == 0
    assert "Flash sale part 2!" not in texts(profiles)
    c.end()
    assert sched.run_pending() == 2  # the new job, and the hourly one once: not 48 held hours
    assert sched.run_pending() == 0
    assert sched.job(planned.id).status == "done"
    assert texts(profiles).count("hourly deal") == 2
    assert sched.job(hourly.id).at == START + timedelta(days=2, hours=1)


def test_networks_without_pins_are_reported(profiles: Path, sched: Scheduler) -> None:
    with (
        brand(profiles) as pins,
        ds.connect("sandbox", path=profiles / "n.db", unsupported=["pin"]) as nopins,
    ):
        c = ds.crisis("statement", [pins, nopins], scheduler=sched)
        assert [p.network for p in c.pinned] == ["sandbox"]
        ((label, error),) = c.not_pinned
        assert label == target_of(nopins)
        assert isinstance(error, ds.UnsupportedFeature)
        assert "pin" in str(error)
        ended = c.end()
        assert ended.unpinned == (c.pinned[0].id,)
        assert list(pins.pinned()) == []


def test_a_crisis_without_a_scheduler_is_recorded_in_the_state_store(profiles: Path) -> None:
    with brand(profiles) as net:
        c = ds.crisis("statement", [net])
        assert c.paused == ()
        with pytest.raises(ds.InvalidInput, match="already active"):
            ds.crisis("again", [net])
        active = Crisis.active()
        assert active is not None
        assert active.id == c.id
        c.end()
        assert Crisis.active() is None
        assert [p.text for p in net.posts()] == ["statement"]


def test_bad_input(sched: Scheduler) -> None:
    planned = sched.schedule("planned", ["brand-a"], at=START + timedelta(hours=1))
    with pytest.raises(ds.InvalidInput, match="listed twice"):
        ds.crisis("statement", ["brand-a", "brand-a"], scheduler=sched)
    assert sched.job(planned.id).status == "scheduled"  # refused before anything was paused
    with pytest.raises(ds.InvalidInput, match="list of networks"):
        ds.crisis("statement", "brand-a", scheduler=sched)
    with pytest.raises(ds.InvalidInput, match="list of networks"):
        ds.crisis("statement", [], scheduler=sched)
    with pytest.raises(ds.ContentRejected):
        ds.crisis("", ["brand-a"], scheduler=sched)
    assert Crisis.active(sched) is None


def test_networks_may_come_from_any_iterable(sched: Scheduler, profiles: Path) -> None:
    c = ds.crisis("statement", (name for name in ["brand-a"]), scheduler=sched, pin=False)
    assert [t["label"] for t in c.record["targets"]] == ["brand-a"]  # a generator was read once
    c.end()
    assert texts(profiles) == ["statement"]


def test_retract_a_job_on_every_target(sched: Scheduler, clock: Clock, profiles: Path) -> None:
    long = " ".join(f"part {i} of a long campaign post." for i in range(30))
    job = sched.schedule(long, ["brand-a", "brand-c", "needs-secret"], at=START)
    sched.run_pending()
    done = sched.job(job.id)
    made = [o for o in done.outcomes if o.post_ids]
    assert len(made) == 2
    assert all(len(o.post_ids) >= 2 for o in made)  # a thread on each
    retraction = ds.retract(done)
    assert retraction.ok
    by_target = {o.target: o for o in retraction.outcomes}
    assert by_target["needs-secret"].skipped is not None
    for outcome in made:
        assert sorted(by_target[outcome.target].deleted) == sorted(outcome.post_ids)
    assert texts(profiles) == []
    assert texts(profiles, "c.db") == []
    assert ds.retract(sched.job(job.id)).ok  # twice is safe
