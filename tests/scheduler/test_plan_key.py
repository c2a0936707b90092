"""A key given empty (an unset variable, ``--key ""``) is refused: replaced by a random key, the same
plan run twice would be two jobs and two posts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial.scheduler import Scheduler

NOW = datetime(2026, 12, 1, 9, tzinfo=timezone.utc)


@pytest.fixture
def sched(profiles: Path) -> Iterator[Scheduler]:
    with Scheduler(profiles / "campaign.db", now=lambda: NOW) as running:
        yield running


@pytest.mark.parametrize("key", ["", 0, False])
def test_an_empty_key_given_is_refused_and_nothing_is_stored(sched: Scheduler, key: object) -> None:
    for _ in range(2):  # the same script, run twice
        with pytest.raises(ds.InvalidInput, match="key must be non-empty text"):
            sched.schedule("x", ["brand-a"], at=NOW + timedelta(hours=1), key=key)  # type: ignore[arg-type]
    assert sched.jobs() == []


def test_a_key_left_out_still_falls_back_to_the_drafts_then_a_new_one(sched: Scheduler) -> None:
    keyed = sched.schedule(ds.Draft(text="x", idempotency_key="launch"), ["brand-a"], at=NOW)
    assert keyed.key == "launch"
    assert sched.schedule(ds.Draft(text="x", idempotency_key="launch"), ["brand-a"], at=NOW).id == keyed.id
    assert sched.schedule("y", ["brand-a"], at=NOW).key not in ("", "launch")


def test_the_schedule_command_refuses_an_empty_key(profiles: Path) -> None:
    from typer.testing import CliRunner

    from decentsocial.cli import app

    runner = CliRunner()
    store = str(profiles / "cli.db")
    for _ in range(2):
        planned = runner.invoke(
            app, ["schedule", "x", "--to", "brand-a", "--at", "+1h", "--key", "", "--store", store]
        )
        assert planned.exit_code == 2, planned.output  # a wrong argument (docs/cli.md, Errors)
        assert "key must be non-empty text" in planned.output
    assert not Path(store).exists()  # refused before the store is made: no job, no file
