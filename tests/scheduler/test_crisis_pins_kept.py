"""Every pin ``crisis()`` may have made is in its record before the pin is asked, so ``end`` unpins it.

A pin whose answer was lost (a timeout after the request left) may be up;
a ``crisis start`` killed while it pins (``kill``, a closed terminal, out of
memory: no Python exception runs) had made the pins before it. In both
cases the all-clear must still take the statement off the top.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from decentsocial import crisis_mode
from decentsocial.lifecycle import Crisis
from decentsocial.scheduler import Scheduler

from .profiles import Clock

START = datetime.now(timezone.utc).replace(microsecond=0)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def clock() -> Clock:
    """Campaigns start at the wall clock's time (a crisis reads it too)."""
    return Clock(START)


def pinned_ids(profiles: Path, db: str) -> list[str]:
    with ds.connect("sandbox", path=profiles / db, account="brand") as net:
        return [p.id for p in net.pinned()]


def test_a_pin_whose_answer_was_lost_is_unpinned_by_end(sched: Scheduler, profiles: Path) -> None:
    net = ds.connect("sandbox", path=profiles / "a.db", account="brand")
    pin = net.pin

    def pinned_then_timed_out(post: Any) -> None:
        pin(post)  # the server made the pin; its answer never came back
        raise ds.NetworkUnavailable("the pin request timed out", network="sandbox", sent=True)

    net.pin = pinned_then_timed_out  # type: ignore[method-assign]
    c = ds.crisis("We are aware of the outage.", [net], scheduler=sched)
    assert c.pinned == ()
    assert [type(e) for _, e in c.not_pinned] == [ds.NetworkUnavailable]
    assert pinned_ids(profiles, "a.db") != []
    ended = c.end()
    assert pinned_ids(profiles, "a.db") == []  # not left on top after the all-clear
    assert ended.errors == ()
    net.close()


def test_a_pin_refused_outright_is_not_recorded(sched: Scheduler, profiles: Path) -> None:
    net = ds.connect("sandbox", path=profiles / "a.db", account="brand")

    def refused(post: Any) -> None:
        raise ds.ContentRejected("too many pins", network="sandbox")

    net.pin = refused  # type: ignore[method-assign]
    c = ds.crisis("We are aware of the outage.", [net], scheduler=sched)
    assert [t["pinned"] for t in c.record["targets"]] == [None]
    assert c.end().unpinned == ()
    net.close()


def test_a_crisis_start_killed_while_pinning_leaves_its_pins_to_end(sched: Scheduler, profiles: Path) -> None:
    job = sched.schedule("cheerful post", ["brand-a"], at=START + timedelta(hours=1))
    script = textwrap.dedent(
        f"""
        import os
        import decentsocial as ds
        from decentsocial.backends.sandbox.network import SandboxNetwork
        from decentsocial.scheduler import Scheduler

        pin = SandboxNetwork.pin
        calls = []

        def pin_then_killed(self, post):
            calls.append(post)
            if len(calls) == 2:
                os._exit(9)  # killed while the second pin is under way: no exception runs
            pin(self, post)

        SandboxNetwork.pin = pin_then_killed
        sched = Scheduler({str(profiles / "campaign.db")!r})
        ds.crisis("We are aware of the outage.", ["brand-a", "brand-c"], scheduler=sched)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=os.environ.copy(), check=False)
    assert done.returncode == 9
    assert len(pinned_ids(profiles, "a.db")) == 1  # the first pin was made
    active = Crisis.active(sched)
    assert active is not None
    assert [len(t["posts"]) for t in active.record["targets"]] == [1, 1]  # both statements known
    ended = active.end()
    assert len(ended.unpinned) == 2  # the one made, and the one under way when it was killed
    assert pinned_ids(profiles, "a.db") == []
    assert pinned_ids(profiles, "c.db") == []
    assert ended.resumed == (job.id,)


def test_an_end_between_two_pins_interrupts_the_start_and_takes_the_first_pin_back(
    sched: Scheduler, profiles: Path
) -> None:
    first = ds.connect("sandbox", path=profiles / "a.db", account="brand")
    second = ds.connect("sandbox", path=profiles / "c.db", account="brand")
    pin = second.pin

    def ended_from_another_shell(post: Any) -> None:
        with Scheduler(profiles / "campaign.db") as other:
            found = Crisis.active(other)
            assert found is not None
            found.end(nets=[first, second])
        pin(post)

    second.pin = ended_from_another_shell  # type: ignore[method-assign]
    with pytest.raises(crisis_mode.CrisisInterrupted) as caught:
        ds.crisis("statement", [first, second], scheduler=sched)
    assert caught.value.result is not None
    assert pinned_ids(profiles, "a.db") == []
    assert pinned_ids(profiles, "c.db") == []
    assert Crisis.active(sched) is None
    first.close()
    second.close()


def test_the_statement_keeps_the_key_it_was_given(sched: Scheduler, profiles: Path) -> None:
    # The playbook script is stopped (Ctrl-C) while it pins; the crisis is ended and the script run
    # again: the statement's own key finds the post already made instead of posting it twice.
    statement = ds.Draft(text="We are aware of the outage.", idempotency_key="outage-2026-12-06")
    net = ds.connect("sandbox", path=profiles / "a.db", account="brand")
    pin = net.pin

    def stopped(post: Any) -> None:
        raise KeyboardInterrupt

    net.pin = stopped  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        ds.crisis(statement, [net], scheduler=sched)
    active = Crisis.active(sched)
    assert active is not None
    active.end(nets=[net])
    net.pin = pin  # type: ignore[method-assign]
    again = ds.crisis(statement, [net], scheduler=sched)
    assert [p.text for p in net.posts(limit=None)] == ["We are aware of the outage."]
    assert [p.id for p in net.pinned()] == [again.pinned[0].id]
    again.end()
    net.close()


def test_an_unpin_that_fails_unexpectedly_is_reported_and_the_crisis_ends(
    sched: Scheduler, profiles: Path
) -> None:
    # A backend's own exception (a third-party backend, a library's bug) is that account's error:
    # the crisis ends and its jobs resume, instead of an end that fails the same way every time.
    job = sched.schedule("cheerful post", ["brand-a"], at=START + timedelta(hours=1))
    net = ds.connect("sandbox", path=profiles / "a.db", account="brand")
    c = ds.crisis("We are aware of the outage.", [net], scheduler=sched)

    def broken(post: Any) -> None:
        raise RuntimeError("token=secret-value")

    net.unpin = broken  # type: ignore[method-assign]
    ended = c.end()
    ((label, error),) = ended.errors
    assert label == c.record["targets"][0]["label"]
    assert isinstance(error, ds.DecentSocialError)
    assert "RuntimeError" in str(error)
    assert "secret-value" not in str(error)
    assert ended.resumed == (job.id,)
    assert Crisis.active(sched) is None
    net.close()
