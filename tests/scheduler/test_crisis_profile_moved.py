"""``Crisis.end`` through a profile that now names another account never counts a pin as unpinned.

There the statement is ``NotFound``, which reads as "unpinned already" while it
stays on top of the account that pinned it: it is an error naming both accounts.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial.scheduler import Scheduler


@pytest.fixture
def sched(profiles: Path) -> Iterator[Scheduler]:
    s = Scheduler(profiles / "campaign.db")
    yield s
    s.close()


def test_a_profile_moved_to_another_file_reports_the_pin_left(profiles: Path, sched: Scheduler) -> None:
    c = ds.crisis("نحن على علم بالمشكلة 🚧", ["brand-a"], scheduler=sched)
    (statement,) = c.pinned
    config = profiles / "config.toml"
    moved = config.read_text().replace(str(profiles / "a.db"), str(profiles / "c.db"), 1)
    config.write_text(moved)  # brand-a now names the account in another database
    active = ds.Crisis.active(sched)
    assert active is not None
    ended = active.end()
    assert ended.unpinned == ()
    ((label, error),) = ended.errors
    assert label == "brand-a"
    assert isinstance(error, ds.ConfigurationError)
    assert "now connects as" in str(error)
    assert statement.id in str(error)
    with ds.connect("sandbox", path=profiles / "a.db", account="brand") as net:
        assert [p.id for p in net.pinned()] == [statement.id]  # still up, as reported


def test_the_same_profile_unpins(profiles: Path, sched: Scheduler) -> None:
    c = ds.crisis("statement", ["brand-a"], scheduler=sched)
    active = ds.Crisis.active(sched)
    assert active is not None
    assert active.end().unpinned == (c.pinned[0].id,)
    with ds.connect("sandbox", path=profiles / "a.db", account="brand") as net:
        assert list(net.pinned()) == []
