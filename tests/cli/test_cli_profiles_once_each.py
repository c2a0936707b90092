"""Profiles given twice, two profiles for one account, and a profile that is not there: said alike.

docs/cli.md, Errors: a profile given twice is a wrong argument (status 2, one line, nothing made); a
profile that is not there, or what the profiles hold, is status 1, said before anything is made.
``schedule --to brand --to brand`` planned the job once and said nothing (status 0); ``crisis start``
with two profiles for one account made its store, then said so (status 1); ``refresh nosuch`` said
the profile was "not a Threads profile".
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import decentsocial as ds
from decentsocial.cli import app

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """``brand`` and ``shop`` (two sandbox accounts); ``brand-again`` (brand's account, another profile);
    ``toot``/``toot-again`` (one Mastodon token, read from a variable, for an unreachable server)."""
    db = json.dumps(str(tmp_path / "s.db"))
    (tmp_path / "config.toml").write_text(
        f'[profiles.brand]\nnetwork = "sandbox"\npath = {db}\naccount = "brand"\n'
        f'[profiles.brand-again]\nnetwork = "sandbox"\npath = {db}\naccount = "brand"\n'
        f'[profiles.shop]\nnetwork = "sandbox"\npath = {db}\naccount = "shop"\n'
        '[profiles.toot]\nnetwork = "mastodon"\nbase_url = "http://127.0.0.1:9"\n'
        'access_token_env = "ONE_TOKEN"\n'
        '[profiles.toot-again]\nnetwork = "mastodon"\nbase_url = "http://127.0.0.1:9"\n'
        'access_token_env = "ONE_TOKEN"\n'
        f'[profiles.odd]\nnetwork = "sandbox"\npath = {db}\nacount = "odd"\n'
        '[profiles.plugged]\nnetwork = "only-on-the-workers"\nendpoint = "x"\n',
        encoding="utf-8",
    )
    return tmp_path


def invoke(home: Path, *args: str) -> Any:
    return runner.invoke(
        app,
        list(args),
        env={
            "DECENTSOCIAL_CONFIG": str(home / "config.toml"),
            "DECENTSOCIAL_STORE": str(home / "campaign.db"),
            "DECENTSOCIAL_STATE_DIR": str(home / "state"),
            "ONE_TOKEN": "token-of-one-account",
            "COLUMNS": "200",
        },
    )


def made(home: Path) -> list[str]:
    """What the command left besides the config: a job store, the sandbox, records."""
    return sorted(p.name for p in home.iterdir() if p.name != "config.toml")


def one_line(result: Any, status: int, *said: str) -> str:
    assert result.exit_code == status, result.output
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("error: "), result.stderr
    for words in said:
        assert words in result.stderr, result.stderr
    return str(result.stderr)


# ---------------------------------------------------------------- schedule --to brand --to brand


@pytest.mark.parametrize("extra", [[], ["--json"], ["--every", "1d"], ["--variant", "brand=other"]])
def test_schedule_with_a_profile_given_twice_is_a_wrong_argument(home: Path, extra: list[str]) -> None:
    """As ``post`` and ``crisis start``: status 2, one line, no store (it planned once and said 0)."""
    result = invoke(home, "schedule", "hello", "--to", "brand", "--to", "brand", "--at", "+1h", *extra)
    one_line(result, 2, "'brand' is given twice")
    assert made(home) == []


def test_schedule_with_each_profile_once_still_plans(home: Path) -> None:
    result = invoke(home, "schedule", "hello", "--to", "brand", "--to", "shop", "--at", "+1h", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["targets"] == ["brand", "shop"]


# ---------------------------------------------------------------- schedule, one account twice


@pytest.mark.parametrize("extra", [[], ["--json"], ["--every", "1d"]])
def test_schedule_with_two_profiles_for_one_account_makes_nothing(home: Path, extra: list[str]) -> None:
    """As ``crisis start`` and ``post`` say it (status 1), before the store: it was planned (status 0)."""
    result = invoke(home, "schedule", "hello", "--to", "brand", "--to", "brand-again", "--at", "+1h", *extra)
    one_line(result, 1, "the same sandbox account is listed twice", "'brand' and 'brand-again'")
    assert made(home) == []


def test_schedule_tells_one_account_from_its_secret_without_connecting(home: Path) -> None:
    pytest.importorskip("mastodon", reason="the mastodon extra is not installed")
    result = invoke(home, "schedule", "hello", "--to", "toot", "--to", "toot-again", "--at", "+1h")
    line = one_line(result, 1, "the same mastodon account is listed twice")
    assert "token-of-one-account" not in line
    assert made(home) == []


def test_schedule_leaves_profiles_whose_secret_is_not_here_to_the_workers(home: Path) -> None:
    """ONE_TOKEN unset: toot and toot-again cannot be told apart here; planned, as before."""
    pytest.importorskip("mastodon", reason="the mastodon extra is not installed")
    result = runner.invoke(
        app,
        ["schedule", "hello", "--to", "toot", "--to", "toot-again", "--at", "+1h", "--json"],
        env={
            "DECENTSOCIAL_CONFIG": str(home / "config.toml"),
            "DECENTSOCIAL_STORE": str(home / "campaign.db"),
            "DECENTSOCIAL_STATE_DIR": str(home / "state"),
            "ONE_TOKEN": None,
        },
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["targets"] == ["toot", "toot-again"]


# ---------------------------------------------------------------- crisis start, one account twice


@pytest.mark.parametrize("extra", [[], ["--json"], ["--no-pin"]])
def test_crisis_start_with_two_profiles_for_one_account_makes_nothing(home: Path, extra: list[str]) -> None:
    """Said as ``post`` says it (status 1: the profiles' contents make them one), before the store."""
    result = invoke(home, "crisis", "start", "We are on it.", "--to", "brand", "--to", "brand-again", *extra)
    one_line(result, 1, "the same sandbox account is listed twice")
    assert made(home) == []  # no job store, no sandbox: nothing paused, nothing posted


def test_crisis_start_tells_one_account_from_its_secret_without_connecting(home: Path) -> None:
    """A Mastodon profile without ``account_id`` is its token: read, compared, and no server contacted
    (port 9 is closed: a connection would have been a ``NetworkUnavailable`` after the store was made)."""
    pytest.importorskip("mastodon", reason="the mastodon extra is not installed")
    result = invoke(home, "crisis", "start", "We are on it.", "--to", "toot", "--to", "toot-again")
    line = one_line(result, 1, "the same mastodon account is listed twice")
    assert "token-of-one-account" not in line
    assert made(home) == []


def test_crisis_start_with_two_accounts_still_starts(home: Path) -> None:
    result = invoke(home, "crisis", "start", "We are on it.", "--to", "brand", "--to", "shop", "--json")
    assert result.exit_code == 0, result.output
    started = json.loads(result.stdout)
    assert [t["target"] for t in started["targets"]] == ["brand", "shop"]
    assert all(t["ok"] for t in started["targets"])


# ---------------------------------------------------------------- which profile is refused


@pytest.mark.parametrize(
    "args",
    [
        ["schedule", "hello", "--to", "brand", "--to", "odd", "--at", "+1h"],
        ["crisis", "start", "We are on it.", "--to", "brand", "--to", "odd"],
    ],
    ids=["schedule", "crisis start"],
)
def test_a_profile_whose_setting_is_refused_is_named(home: Path, args: list[str]) -> None:
    """Two sandbox profiles: "invalid settings for sandbox" did not say which one holds the typo."""
    one_line(invoke(home, *args), 1, "profile 'odd'", "did you mean 'account'")
    assert made(home) == []


def test_schedule_leaves_a_network_not_installed_here_to_the_workers(home: Path) -> None:
    """As ``Scheduler.schedule`` does (a third-party network's package may be on the workers only, as
    an extra may): planned, where ``schedule`` alone refused it (status 1)."""
    result = invoke(home, "schedule", "hello", "--to", "plugged", "--at", "+1h", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["targets"] == ["plugged"]


# ---------------------------------------------------------------- refresh nosuch


@pytest.mark.parametrize("extra", [[], ["--json"], ["--force"]])
def test_refresh_of_no_profile_says_there_is_none(home: Path, extra: list[str]) -> None:
    """As every command says it (status 1), naming the profiles there are: not "not a Threads profile"."""
    line = one_line(invoke(home, "refresh", "nosuch", *extra), 1, "no profile 'nosuch'", "brand, brand-again")
    assert "Threads" not in line
    assert made(home) == []


def test_refresh_of_another_networks_profile_still_says_so(home: Path) -> None:
    one_line(invoke(home, "refresh", "brand"), 1, "'brand' is not a Threads profile")


def test_the_library_says_it_too(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", str(home / "config.toml"))
    with pytest.raises(ds.ConfigurationError, match="no profile 'nosuch'"):
        ds.auth.refresh("nosuch")
