"""Fixtures the scheduler tests share (a module may define its own ``profiles``, ``clock``, ``sched``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from decentsocial.scheduler import Scheduler

from .profiles import Clock, write_profiles


@pytest.fixture
def profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder of a config file holding ``write_profiles``' profiles, named by DECENTSOCIAL_CONFIG.

    Idempotency records go to the test's own folder (workers started by a test share it), and
    the secret the needs-secret profile names is unset.
    """
    config = tmp_path / "config.toml"
    write_profiles(config, tmp_path)
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", str(config))
    monkeypatch.setenv("DECENTSOCIAL_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("NOT_SET_ON_THIS_WORKER", raising=False)
    return tmp_path


@pytest.fixture
def clock() -> Clock:
    """The scheduler's clock, at ``START`` until the test moves it (a module may start it elsewhere)."""
    return Clock()


@pytest.fixture
def sched(profiles: Path, clock: Clock) -> Iterator[Scheduler]:
    """An embedded scheduler on a SQLite store in the test's folder, on ``clock``."""
    s = Scheduler(profiles / "campaign.db", now=clock)
    yield s
    s.close()
