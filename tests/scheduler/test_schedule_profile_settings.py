"""``Scheduler.schedule`` refuses a profile whose settings its network refuses, as it does one that is
not there: ``ConfigurationError``, nothing stored.

Only the profile's existence was checked: a job for a profile holding a setting its network refuses
(``max_length = "lots"``, a misspelt setting, no ``network``) was planned, and failed at every run.
As before, planning reads no secret (the workers may be the only ones with them) and leaves a
network whose extra is not installed here to the workers.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial.scheduler import Scheduler

from .profiles import START

LATER = START + timedelta(hours=1)

#: Profiles added to the shared ones (brand-a, needs-secret…): the value must never be said.
BAD = """
[profiles.misspelt]
network = "sandbox"
acount = "brand"
[profiles.invalid]
network = "sandbox"
account = "brand"
max_length = "lots-of-secret"
[profiles.nonet]
account = "brand"
[profiles.elsewhere]
network = "mastodon"
base_url = "https://social.example"
access_token_env = "NOT_SET_ON_THIS_WORKER"
nosuch = 1
"""


@pytest.fixture
def bad(profiles: Path) -> Path:
    with (profiles / "config.toml").open("a", encoding="utf-8") as file:
        file.write(BAD)
    return profiles


@pytest.mark.parametrize(
    ("profile", "said"),
    [
        ("misspelt", "did you mean 'account'"),
        ("invalid", "max_length"),
        ("nonet", "names no network"),
    ],
)
def test_a_profile_with_a_setting_its_network_refuses_is_refused_at_schedule(
    bad: Path, user: Scheduler, profile: str, said: str
) -> None:
    with pytest.raises(ds.ConfigurationError, match=said) as refused:
        user.schedule("hello", ["brand-a", profile], at=LATER, every=timedelta(days=1))
    assert profile in str(refused.value)
    assert "lots-of-secret" not in str(refused.value)
    assert user.jobs() == []  # nothing stored: no job that fails at every run


def test_a_setting_from_the_environment_is_checked_too(
    bad: Path, user: Scheduler, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DECENTSOCIAL_BRAND_A_MAX_LENGTH", "-5")
    with pytest.raises(ds.ConfigurationError, match="max_length"):
        user.schedule("hello", ["brand-a"], at=LATER)
    assert user.jobs() == []


def test_check_targets_needs_no_store(bad: Path) -> None:
    """What ``schedule`` checks of its targets, for a caller that makes its store only for a good plan."""
    from decentsocial.scheduler import check_targets

    assert check_targets(["brand-a", "brand-c"]) == ("brand-a", "brand-c")
    with pytest.raises(ds.ConfigurationError, match="no profile 'nobody'"):
        check_targets(["brand-a", "nobody"])
    with pytest.raises(ds.ConfigurationError, match="max_length"):
        check_targets(["invalid"])
    with pytest.raises(ds.InvalidInput, match="not one string"):
        check_targets("brand-a")
    assert not (bad / "campaign.db").exists()


def test_planning_still_reads_no_secret(bad: Path, user: Scheduler) -> None:
    """needs-secret's token is on the workers only: it is planned (its run there is its own matter)."""
    job = user.schedule("hello", ["needs-secret", "brand-a"], at=LATER)
    assert job.targets == ("needs-secret", "brand-a")


def test_a_network_whose_extra_is_missing_here_is_left_to_the_workers(
    bad: Path, user: Scheduler, monkeypatch: pytest.MonkeyPatch
) -> None:
    """This machine cannot judge mastodon's settings without its library; a worker with it will."""
    monkeypatch.setitem(sys.modules, "mastodon", None)  # as if the mastodon extra were not installed
    assert ds.registry.install_hint("mastodon") is not None
    job = user.schedule("hello", ["elsewhere"], at=LATER)
    assert job.targets == ("elsewhere",)


def test_a_crisis_refuses_such_a_profile_before_pausing_anything(bad: Path, user: Scheduler) -> None:
    """``crisis()`` connects now (secrets read): the same refusal, naming the profile, nothing paused."""
    planned = user.schedule("planned", ["brand-a"], at=LATER)
    with pytest.raises(ds.ConfigurationError, match="max_length") as refused:
        ds.crisis("We are on it.", ["brand-a", "invalid"], scheduler=user)
    assert "'invalid'" in str(refused.value)
    assert user.job(planned.id).status == "scheduled"
    assert ds.Crisis.active(user) is None
