"""``Scheduler.schedule`` takes each target once, and each account once, as ``crosspost`` and ``crisis`` do.

A profile given twice in ``targets`` was silently dropped (the job planned as if it were given once),
where ``crosspost`` and ``crisis`` refuse one account listed twice; two profiles for one account (the
same network, server and account) were planned as two targets. Both are now ``InvalidInput`` naming
them, before anything is stored. Accounts are told apart where this process can connect the profiles
(no server contacted); a profile whose secret is on the workers only is still planned, and left to them.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial.scheduler import Scheduler, check_targets

from .profiles import START

LATER = START + timedelta(hours=1)

#: brand-a-again is brand-a's account (one sandbox file, one account) under another name.
AGAIN = """
[profiles.brand-a-again]
network = "sandbox"
path = "{folder}/a.db"
account = "brand"
[profiles.also-needs-secret]
network = "threads"
user_id = "1"
access_token_env = "NOT_SET_ON_THIS_WORKER"
"""


@pytest.fixture
def again(profiles: Path) -> Path:
    with (profiles / "config.toml").open("a", encoding="utf-8") as file:
        file.write(AGAIN.format(folder=profiles.as_posix()))
    return profiles


@pytest.mark.parametrize(
    "targets",
    [["brand-a", "brand-a"], ["brand-a", "brand-c", "brand-a"], ["needs-secret", "needs-secret"]],
)
def test_a_target_given_twice_is_refused_and_nothing_is_stored(
    again: Path, user: Scheduler, targets: list[str]
) -> None:
    with pytest.raises(
        ds.InvalidInput, match=f"target '{targets[-1]}' is given twice; give each profile once"
    ):
        user.schedule("hello", targets, at=LATER, every=timedelta(days=1))
    assert user.jobs() == []


def test_check_targets_says_it_too_without_a_store(again: Path) -> None:
    with pytest.raises(ds.InvalidInput, match="'brand-a' is given twice"):
        check_targets(["brand-a", "brand-c", "brand-a"])
    assert not (again / "campaign.db").exists()


def test_two_profiles_for_one_account_are_refused_and_nothing_is_stored(again: Path, user: Scheduler) -> None:
    with pytest.raises(ds.InvalidInput, match="the same sandbox account is listed twice") as refused:
        user.schedule("hello", ["brand-a", "brand-c", "brand-a-again"], at=LATER)
    assert "'brand-a' and 'brand-a-again'" in str(refused.value)
    assert user.jobs() == []


def test_two_accounts_on_one_sandbox_are_still_two_targets(again: Path, user: Scheduler) -> None:
    job = user.schedule("hello", ["brand-a", "brand-b", "brand-c"], at=LATER)
    assert job.targets == ("brand-a", "brand-b", "brand-c")


def test_profiles_this_process_cannot_connect_are_left_to_the_workers(again: Path, user: Scheduler) -> None:
    """Their secret is on the workers only: not compared here (as the draft checks skip them)."""
    job = user.schedule("hello", ["needs-secret", "also-needs-secret", "brand-a"], at=LATER)
    assert job.targets == ("needs-secret", "also-needs-secret", "brand-a")


def test_one_token_read_from_a_variable_is_one_account(
    again: Path, user: Scheduler, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Mastodon profile without ``account_id`` is its token: compared without contacting the server
    (port 9 is closed), and never said."""
    pytest.importorskip("mastodon", reason="the mastodon extra is not installed")
    with (again / "config.toml").open("a", encoding="utf-8") as file:
        for name in ("toot", "toot-again"):
            file.write(
                f'[profiles.{name}]\nnetwork = "mastodon"\nbase_url = "http://127.0.0.1:9"\n'
                'access_token_env = "ONE_TOKEN"\nallow_http = true\n'
            )
    monkeypatch.delenv("ONE_TOKEN", raising=False)  # on the workers only: planned, they judge it
    assert user.schedule("hello", ["toot", "toot-again"], at=LATER, key="elsewhere").targets == (
        "toot",
        "toot-again",
    )
    monkeypatch.setenv("ONE_TOKEN", "token-of-one-account")
    with pytest.raises(ds.InvalidInput, match="the same mastodon account is listed twice") as refused:
        user.schedule("hello", ["toot", "toot-again"], at=LATER, key="here")
    assert "token-of-one-account" not in str(refused.value)
    assert [job.key for job in user.jobs()] == ["elsewhere"]
