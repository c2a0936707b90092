"""A pause after a job's last target began, then the wall clock steps back before the worker ends it.

An NTP step (or a VM restored from a snapshot) can put the worker's clock behind the time the
occurrence ran at. Before, the store took the job's time, now "in the future", for a reschedule made
during the pause and kept it: the job, still paused, stayed at the occurrence just run, and its
resume ran that time once more, a second post of the same occurrence's time a day early. Now the
occurrence ends at its next one, as with a clock that goes forwards; a reschedule made during the
pause is still the next time. The clock is the scheduler's ``now``; both stores.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from decentsocial.scheduler import Scheduler

from .profiles import START, Clock
from .test_pause_after_last_target import WINDOWS, pause_in_the_window, posted

DAY = timedelta(days=1)


@pytest.mark.parametrize("back", [timedelta(minutes=5), timedelta(hours=2), timedelta(days=3)])
def test_the_clock_stepping_back_before_the_end_moves_the_job_to_its_next_occurrence(
    user: Scheduler,
    worker: Scheduler,
    clock: Clock,
    profiles: Path,
    monkeypatch: pytest.MonkeyPatch,
    back: timedelta,
) -> None:
    job = user.schedule("tip", ["brand-a", "brand-c"], at=START, every=DAY)
    clock.now = START + timedelta(seconds=30)  # the worker runs the 09:00 post a little late

    def pause_then_step_back() -> None:
        user.pause(job.id)
        clock.now = START - back  # the worker ends the occurrence on a clock behind its start

    pause_in_the_window(worker, WINDOWS[0], pause_then_step_back, monkeypatch)
    assert worker.run_pending() == 1
    assert posted(profiles) == (1, 1)
    held = user.job(job.id)
    assert (held.status, held.occurrence, held.at) == ("paused", 1, START + DAY)  # not START again

    clock.now = START + timedelta(hours=1)  # the clock is right again
    user.resume(job.id)
    assert worker.run_pending() == 0  # nothing is due before tomorrow's post
    assert posted(profiles) == (1, 1)  # the 09:00 post went out once
    clock.now = START + DAY
    assert worker.run_pending() == 1
    assert posted(profiles) == (2, 2)
    after = user.job(job.id)
    assert (after.status, after.occurrence, after.at) == ("scheduled", 2, START + 2 * DAY)


def test_a_reschedule_during_the_pause_stays_the_next_time_with_the_clock_behind(
    user: Scheduler, worker: Scheduler, clock: Clock, profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = user.schedule("tip", ["brand-a", "brand-c"], at=START, every=DAY)
    clock.now = START + timedelta(seconds=30)
    later = START + timedelta(hours=3)

    def pause_move_step_back() -> None:
        user.pause(job.id)
        user.reschedule(job.id, later)
        clock.now = START - timedelta(hours=1)

    pause_in_the_window(worker, WINDOWS[0], pause_move_step_back, monkeypatch)
    assert worker.run_pending() == 1
    held = user.job(job.id)
    assert (held.status, held.occurrence, held.at) == ("paused", 1, later)
    clock.now = later
    user.resume(job.id)
    assert worker.run_pending() == 1
    assert posted(profiles) == (2, 2)
    assert user.job(job.id).at == later + DAY


def test_a_reschedule_during_the_pause_to_a_time_already_past_is_the_next_time(
    user: Scheduler, worker: Scheduler, clock: Clock, profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The user moves the next post to "now" (a few seconds ago by the time the worker ends): it is not
    taken for the occurrence just run and skipped a day."""
    job = user.schedule("tip", ["brand-a", "brand-c"], at=START, every=DAY)
    clock.now = START + timedelta(hours=2)  # the 09:00 post runs two hours late
    moved_to = START + timedelta(hours=2)

    def pause_and_move_to_now() -> None:
        user.pause(job.id)
        user.reschedule(job.id, moved_to)
        clock.advance(seconds=10)

    pause_in_the_window(worker, WINDOWS[1], pause_and_move_to_now, monkeypatch)
    assert worker.run_pending() == 1
    held = user.job(job.id)
    assert (held.status, held.occurrence, held.at) == ("paused", 1, moved_to)
    user.resume(job.id)
    assert worker.run_pending() == 1  # the moved post goes out now
    assert posted(profiles) == (2, 2)
