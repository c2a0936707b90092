"""A profile that does not exist is said before any store is made (docs/cli.md, Errors: status 1).

``schedule … --to brnad`` and ``crisis start … --to brnad`` made their job store (a SQLite file),
then failed on the profile; ``track -p brnad`` made its metrics store, and so did ``track`` with a
wrong ``--setting`` (status 2, a wrong argument, said after the write). Now the profiles are checked
against the config first: the status is unchanged, and nothing is created.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli._helpers import invoke, made, one_line, refused

MISSING = [
    ["schedule", "hello", "--to", "nosuch", "--at", "+1h"],
    ["schedule", "hello", "--to", "brand", "--to", "nosuch", "--at", "+1h"],
    ["schedule", "hello", "--to", "nosuch", "--at", "+1h", "--json"],
    ["crisis", "start", "We are on it.", "--to", "nosuch"],
    ["crisis", "start", "We are on it.", "--to", "brand", "--to", "nosuch"],
    ["track", "-p", "nosuch"],
    ["track", "-p", "brand", "-p", "nosuch"],
    ["track", "-p", "nosuch", "--every", "1h", "--rounds", "2"],
    # never made anything: kept so
    ["monitor", "-p", "nosuch", "--keyword", "x", "--cursor", "c.json"],
    ["post", "hello", "--to", "brand", "--to", "nosuch"],
    ["report", "-p", "nosuch"],
]


@pytest.mark.parametrize("args", MISSING, ids=[" ".join(a) for a in MISSING])
def test_a_missing_profile_is_said_before_any_store_is_made(home: Path, args: list[str]) -> None:
    args = [str(home / a) if a == "c.json" else a for a in args]
    one_line(invoke(home, *args), 1, "error: no profile 'nosuch' in ")
    assert made(home) == []  # no job or metrics store, no sandbox, nothing posted with brand


def test_track_with_a_wrong_setting_makes_no_store(home: Path) -> None:
    """A wrong argument (status 2) is refused before anything is written: the store was made first."""
    refused(invoke(home, "track", "-n", "sandbox", "-s", "nosuch=1"), "no setting 'nosuch'")
    assert made(home) == []


def test_a_profile_made_of_environment_variables_is_one(home: Path) -> None:
    """The check follows the config's rules: a profile given only by DECENTSOCIAL_<NAME>_* exists."""
    env = {
        "DECENTSOCIAL_ENVONLY_NETWORK": "sandbox",
        "DECENTSOCIAL_ENVONLY_PATH": str(home / "e.db"),
    }
    scheduled = invoke(home, "schedule", "hello", "--to", "envonly", "--at", "+1h", "--json", **env)
    assert scheduled.exit_code == 0, scheduled.output
    assert json.loads(scheduled.stdout)["targets"] == ["envonly"]
    assert "campaign.db" in made(home)
    tracked = invoke(home, "track", "-p", "envonly", **env)
    assert tracked.exit_code == 0, tracked.output
    assert "metrics.db" in made(home)


def test_existing_profiles_still_plan_and_start(home: Path) -> None:
    planned = invoke(home, "schedule", "hello", "--to", "brand", "--at", "+1h")
    assert planned.exit_code == 0, planned.output
    started = invoke(home, "crisis", "start", "We are on it.", "--to", "brand", "--json")
    assert started.exit_code == 0, started.output
    said = json.loads(started.stdout)
    assert said["ok"] is True
    assert len(said["paused"]) == 1
