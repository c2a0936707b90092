"""A scheduled draft that would need a thread is refused while planning, with what to do instead.

Its later parts would be replies to a post that is not published yet, which
no network accepts: the real run used to post "(1/N)" alone and never finish.
Now ``plan()``, a dry run, ``Scheduler.schedule()`` and the real run all give
the same ``ContentRejected``, and nothing is posted.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial.backends.sandbox import SandboxNetwork
from decentsocial.crosspost import plan
from decentsocial.scheduler import Scheduler

LONG = " ".join(f"word{i}" for i in range(60))  # about 470 graphemes: 5 parts of at most 100


@pytest.fixture
def brand(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SandboxNetwork]:
    """The profile "brand": a sandbox file whose posts take at most 100 graphemes."""
    config = tmp_path / "config.toml"
    db = (tmp_path / "a.db").as_posix()
    config.write_text(
        f'[profiles.brand]\nnetwork = "sandbox"\npath = "{db}"\naccount = "brand"\nmax_length = 100\n'
    )
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", str(config))
    net = ds.connect(profile="brand")
    assert isinstance(net, SandboxNetwork)
    yield net
    net.close()


def _scheduled(net: SandboxNetwork, text: str = LONG) -> ds.Draft:
    return ds.Draft(text=text, scheduled_at=net.current_time() + timedelta(hours=2))


def test_plan_refuses_to_split_a_scheduled_draft_and_says_what_to_do(brand: SandboxNetwork) -> None:
    with pytest.raises(ds.ContentRejected) as caught:
        plan(brand, _scheduled(brand))
    message = caught.value.message
    assert "scheduled post cannot be split into a thread" in message
    assert "Scheduler" in message
    assert "shorten" in message
    assert caught.value.network == "sandbox"


def test_the_dry_run_and_the_real_run_agree_and_nothing_is_posted(brand: SandboxNetwork) -> None:
    draft = _scheduled(brand)
    dry = ds.crosspost(draft, [brand], dry_run=True)
    assert isinstance(dry.outcomes[0].error, ds.ContentRejected)
    real = ds.crosspost(draft, [brand])
    assert isinstance(real.outcomes[0].error, ds.ContentRejected)
    assert real.outcomes[0].error.message == dry.outcomes[0].error.message
    assert real.posts == []
    brand.advance_time(timedelta(hours=3))
    assert list(brand.posts(limit=None)) == []  # no lone "(1/5)" once its time comes


def test_scheduler_schedule_refuses_it_and_stores_nothing(brand: SandboxNetwork, tmp_path: Path) -> None:
    with Scheduler(tmp_path / "campaign.db") as sched:
        at = brand.current_time() + timedelta(hours=1)
        with pytest.raises(ds.ContentRejected, match="scheduled post cannot be split"):
            sched.schedule(_scheduled(brand), ["brand"], at=at)
        assert sched.jobs() == []
        # what the message advises: the job carries the time, and the draft splits when it runs
        job = sched.schedule(ds.Draft(text=LONG), ["brand"], at=at)
        assert job.id


def test_a_scheduled_draft_that_fits_and_an_unscheduled_long_one_still_plan(brand: SandboxNetwork) -> None:
    [one] = plan(brand, _scheduled(brand, "Launch at noon #acme"))
    assert one.scheduled_at is not None
    assert len(plan(brand, ds.Draft(text=LONG))) == 5
