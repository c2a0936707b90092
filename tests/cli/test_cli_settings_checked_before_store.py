"""A ``--setting`` given with a profile, and a profile's own settings, checked before anything is made.

docs/cli.md, Errors: a wrong argument is status 2, one line, refused before any store is made or
anything sent. ``-p brand -s account=$'\\xff'`` (a byte the command line could not decode) and
``-p brand -s nosuch=1`` were merged into the profile's settings first and said as the profile's
failure: status 1 (with ``--network`` instead of a profile they were status 2 already). And a
profile that exists but holds a setting its network refuses made ``crisis start``'s and ``schedule``'s
store before the error (``schedule`` planned the job: it failed at every run); only the profile's
existence was checked.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.cli import _helpers as helpers
from tests.cli._helpers import made, one_line, run_with_bytes

#: What the value must never show: it may be a secret.
SECRET = "hunter2-"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A folder with a config: ``brand``, ``shop`` (sandboxes), and profiles whose settings are refused."""
    db = json.dumps(str(tmp_path / "s.db"))
    return helpers.write_config(
        tmp_path,
        f'[profiles.shop]\nnetwork = "sandbox"\npath = {db}\naccount = "shop"\n'
        f'[profiles.unknown]\nnetwork = "sandbox"\npath = {db}\nnosuch = 1\n'
        f'[profiles.invalid]\nnetwork = "sandbox"\npath = {db}\nmax_length = "lots"\n'
        f"[profiles.nonet]\npath = {db}\n"
        f'[profiles.indirect]\nnetwork = "sandbox"\npath = {db}\naccount_env = "UNSET_ACCOUNT_VAR"\n',
    )


def invoke(home: Path, *args: str, **env: str) -> Any:
    """The command run in ``home``, with profile ``indirect``'s variable unset."""
    os.environ.pop("UNSET_ACCOUNT_VAR", None)
    return helpers.invoke(home, *args, **env)


# ---------------------------------------------------------------- --setting with a profile

WITH_A_PROFILE = [
    ["timeline", "-p", "brand"],
    ["post", "hello", "--to", "brand"],
    ["reply", "id1", "hello", "-p", "brand"],
    ["track", "-p", "brand"],  # makes its metrics store
    ["report", "-p", "brand"],
]


@pytest.mark.parametrize("args", WITH_A_PROFILE, ids=[a[0] for a in WITH_A_PROFILE])
@pytest.mark.parametrize(
    "value", [SECRET + "\udcff", "\ud800" + SECRET, os.fsdecode(SECRET.encode() + b"\xff")]
)
def test_a_setting_with_a_lone_surrogate_given_with_a_profile_is_a_wrong_argument(
    home: Path, args: list[str], value: str
) -> None:
    if args[0] == "report":
        pytest.importorskip("pandas", reason="report needs the analysis extra")
    line = one_line(
        invoke(home, *args, "-s", f"account={value}"), 2, "--setting", "account", "not valid Unicode"
    )
    assert SECRET not in line  # the value is never quoted
    assert made(home) == []  # no store, no sandbox: nothing sent


def test_a_setting_read_from_a_variable_with_a_lone_surrogate(home: Path) -> None:
    """``-s KEY_env=VAR``: the value came from the command line's own environment, as typed."""
    result = invoke(
        home, "post", "hi", "--to", "brand", "-s", "account_env=BAD_ACCOUNT", BAD_ACCOUNT=SECRET + "\udcff"
    )
    line = one_line(result, 2, "--setting", "account", "not valid Unicode")
    assert SECRET not in line
    assert made(home) == []


@pytest.mark.parametrize(
    ("setting", "said"),
    [
        ("nosuch=1", "no setting 'nosuch'"),
        ("acount=x", "did you mean 'account'"),
        ("max_length=lots", "max_length"),
    ],
)
def test_a_setting_the_profiles_network_refuses_is_a_wrong_argument(
    home: Path, setting: str, said: str
) -> None:
    """As with ``--network``: the value was typed, so it is the command line's mistake (status 2)."""
    one_line(invoke(home, "track", "-p", "brand", "-s", setting), 2, "--setting", said)
    assert made(home) == []


def test_a_path_setting_may_hold_any_byte_with_a_profile(home: Path) -> None:
    """A file name may hold an undecodable byte (docs: ``-s path=…`` too): still taken."""
    if os.name != "posix":
        pytest.skip("bytes in file names are a POSIX thing")
    path = os.fsdecode(os.fsencode(str(home)) + b"/s\xff.db")
    result = invoke(home, "post", "hello", "--to", "brand", "-s", f"path={path}", "--json")
    assert result.exit_code == 0, result.output
    assert Path(path).exists()


def test_a_profile_setting_is_still_its_own_failure(home: Path) -> None:
    """What the profile itself holds (here from its variables) is not the command line's: status 1."""
    result = invoke(
        home, "timeline", "-p", "brand", "-s", "display_name=B", DECENTSOCIAL_BRAND_ACCOUNT="\udcff"
    )
    one_line(result, 1, "account", "not valid Unicode")
    assert made(home) == []


def test_a_setting_with_a_lone_surrogate_in_a_real_process(home: Path) -> None:
    """As a shell passes ``-s account=$'\\xff'``: ``os.fsdecode`` makes the byte a lone surrogate."""
    said = run_with_bytes(
        home,
        "track",
        "-p",
        "brand",
        "--store",
        str(home / "metrics.db"),
        "-s",
        b"account=" + SECRET.encode() + b"\xff",
        DECENTSOCIAL_CONFIG=str(home / "config.toml"),
    )
    assert said.startswith("error: --setting: "), said
    assert "account" in said, said
    assert len(said.splitlines()) == 1, said
    assert SECRET not in said
    assert made(home) == []


# ---------------------------------------------------------------- a profile with bad settings

STARTS = [
    ["crisis", "start", "We are on it.", "--to", "P"],
    ["crisis", "start", "We are on it.", "--to", "shop", "--to", "P"],
    ["schedule", "hello", "--to", "P", "--at", "+1h"],
    ["schedule", "hello", "--to", "shop", "--to", "P", "--at", "+1h", "--json"],
    ["track", "-p", "P"],
    ["track", "-p", "shop", "-p", "P", "--every", "1h", "--rounds", "2"],
]


@pytest.mark.parametrize("args", STARTS, ids=[" ".join(a[:2]) + f" ({len(a)})" for a in STARTS])
@pytest.mark.parametrize(
    ("profile", "said", "env"),
    [
        ("unknown", "no setting 'nosuch'", {}),
        ("invalid", "max_length", {}),
        ("nonet", "network", {}),
        ("brand", "not valid Unicode", {"DECENTSOCIAL_BRAND_ACCOUNT": SECRET + "\udcff"}),
        ("brand", "max_length", {"DECENTSOCIAL_BRAND_MAX_LENGTH": "-5"}),
    ],
    ids=["unknown setting", "invalid value", "no network", "surrogate from a variable", "invalid variable"],
)
def test_a_profile_with_bad_settings_is_said_before_any_store_is_made(
    home: Path, args: list[str], profile: str, said: str, env: dict[str, str]
) -> None:
    args = [profile if a == "P" else a for a in args]
    line = one_line(invoke(home, *args, **env), 1, said)
    assert SECRET not in line
    assert made(home) == []  # no job or metrics store, no sandbox: nothing paused or posted


def test_crisis_start_reads_the_secrets_before_the_store(home: Path) -> None:
    """``crisis start`` publishes now: a secret it cannot read is said before its store is made."""
    one_line(invoke(home, "crisis", "start", "We are on it.", "--to", "indirect"), 1, "UNSET_ACCOUNT_VAR")
    assert made(home) == []


def test_schedule_leaves_the_secrets_to_the_worker(home: Path) -> None:
    """A job's worker may be the only one with a profile's secrets: ``schedule`` reads none, and plans."""
    planned = invoke(home, "schedule", "hello", "--to", "indirect", "--at", "+1h", "--json")
    assert planned.exit_code == 0, planned.output
    assert json.loads(planned.stdout)["targets"] == ["indirect"]


def test_good_profiles_still_plan_start_and_track(home: Path) -> None:
    assert invoke(home, "schedule", "hello", "--to", "brand", "--at", "+1h").exit_code == 0
    started = invoke(home, "crisis", "start", "We are on it.", "--to", "brand", "--json")
    assert started.exit_code == 0, started.output
    assert json.loads(started.stdout)["ok"] is True
    assert invoke(home, "track", "-p", "brand", "-s", "display_name=Brand").exit_code == 0
    assert {"campaign.db", "metrics.db", "s.db"} <= set(made(home))


# ---------------------------------------------------------------- found in the audit

LOGINS = [
    ["mastodon", "https://127.0.0.1:9"],
    ["bluesky", "brand.example", "--server", "http://127.0.0.1:9", "--password-env", "NO_SUCH_VAR"],
    ["hive", "alice", "--node", "http://127.0.0.1:9"],
    ["steem", "alice", "--node", "http://127.0.0.1:9"],
    ["nostr", "--relay", "ws://127.0.0.1:9"],
    ["threads", "--app-id", "1", "--redirect-uri", "https://127.0.0.1:9/cb"],
]


@pytest.mark.parametrize("args", LOGINS, ids=[a[0] for a in LOGINS])
@pytest.mark.parametrize("name", ["brand mastodon", "brand/x", "x" * 65])
def test_a_login_profile_name_no_profile_can_have_is_a_wrong_argument(
    home: Path, args: list[str], name: str
) -> None:
    """It was the sign-in's failure (status 1, ``InvalidInput``), as if the network had refused it."""
    before = (home / "config.toml").read_bytes()
    one_line(invoke(home, "login", *args, "--profile", name), 2, "--profile", "not usable")
    assert (home / "config.toml").read_bytes() == before
    assert made(home) == []


@pytest.mark.parametrize("extra", [[], ["--json"], ["--no-pin"]])
def test_crisis_start_with_a_profile_given_twice_is_a_wrong_argument(home: Path, extra: list[str]) -> None:
    """As ``post --to brand --to brand``: status 2 before anything; it made the store, then said 1."""
    result = invoke(home, "crisis", "start", "We are on it.", "--to", "brand", "--to", "brand", *extra)
    one_line(result, 2, "'brand' is given twice")
    assert made(home) == []


@pytest.mark.parametrize("key", ["", " ", "\t"])
@pytest.mark.parametrize(
    "args",
    [
        ["post", "hello", "--to", "brand"],
        ["reply", "id1", "hello", "-p", "brand"],
        ["schedule", "hello", "--to", "brand", "--at", "+1h"],
    ],
    ids=["post", "reply", "schedule"],
)
def test_a_blank_key_is_a_wrong_argument(home: Path, args: list[str], key: str) -> None:
    """``--key "$KEY"`` with ``$KEY`` unset: ``post`` posted under a new key (so again when run again),
    and a key of blanks was the draft's error (status 1)."""
    one_line(invoke(home, *args, "--key", key), 2, "--key", "empty")  # schedule: 2 already
    assert made(home) == []  # nothing posted, no store
