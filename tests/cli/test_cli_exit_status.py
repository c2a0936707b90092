"""Exit status 2 for a command given a wrong argument, 1 for what fails in the network or the data.

docs/cli.md: "exit status 1 (2 for a command given the wrong arguments …)".
A value a command reads itself (a duration, a time, ``--every``, ``--for``,
``--since``, ``--variant``…) was status 1, as a server's refusal is, while
``delete`` without ``--yes`` or an unknown option was 2. Also here: the
``jobs`` table's interval as ``--every`` takes it, and one form for every
time the CLI's JSON writes.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from decentsocial.cli import app

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A config with the profile ``brand`` on a sandbox, and a store path under ``tmp_path``."""
    config = tmp_path / "config.toml"
    db = json.dumps(str(tmp_path / "s.db"))
    config.write_text(f'[profiles.brand]\nnetwork = "sandbox"\npath = {db}\naccount = "brand"\n')
    return {"DECENTSOCIAL_CONFIG": str(config), "DECENTSOCIAL_STORE": str(tmp_path / "campaign.db")}


def invoke(env: dict[str, str], *args: str) -> Any:
    return runner.invoke(app, list(args), env={**env, "COLUMNS": "200"})


WRONG = [
    (["schedule", "x", "--to", "brand", "--every", "10s", "--json"], "--every"),
    (["schedule", "x", "--to", "brand", "--every", "soon", "--json"], "--every"),
    (["schedule", "x", "--to", "brand", "--at", "2026-12-24T09:00", "--json"], "--at"),
    (["schedule", "x", "--to", "brand", "--at", "tomorrow", "--json"], "--at"),
    (["schedule", "x", "--to", "brand", "--every", "1d", "--until", "later", "--json"], "--until"),
    (["schedule", "x", "--to", "brand", "--variant", "no equals sign", "--json"], "--variant"),
    (["schedule", "x", "--to", "brand", "--every", "1d", "--tz", "Nowhere/Atlantis", "--json"], "--tz"),
    (["reschedule", "abc", "--at", "soon", "--json"], "--at"),
    (["jobs", "--status", "sleeping", "--json"], "--status"),
    (["worker", "--poll", "0"], "--poll"),
    (["monitor", "-p", "brand", "--json"], "--keyword"),
    (["monitor", "-k", "", "-p", "brand", "--json"], "--keyword"),
    (["monitor", "--mention", "@", "-p", "brand", "--json"], "--mention"),
    (["monitor", "-k", "acme", "-p", "brand", "--for", "0s", "--json"], "--for"),
    (["monitor", "-k", "acme", "-p", "brand", "--for", "10x", "--json"], "--for"),
    (["monitor", "-k", "acme", "-p", "brand", "--since", "yesterday", "--json"], "--since"),
    (["monitor", "-k", "acme", "-p", "brand", "--since", "2099-01-01T00:00Z", "--json"], "--since"),
    (["monitor", "-k", "acme", "-p", "brand", "--interval", "1e300", "--json"], "--interval"),
    (["track", "-p", "brand", "--every", "soon"], "--every"),
    (["track", "-p", "brand", "--rounds", "2"], "--every"),
    (["timeline", "-n", "sandbox", "-s", "nokey", "--json"], "--setting"),
    (["timeline", "-n", "sandbox", "-s", "relays=[oops", "--json"], "--setting"),
]

#: Options that do not go together, or a value refused before anything is read: status 2 too. Each was
#: only refused by the library (Scheduler.schedule, the store's path, a network's settings): status 1.
COMBINED = [
    (["schedule", "x", "--to", "brand", "--at", "+1h", "--until", "+2h", "--json"], "--until"),
    (["schedule", "x", "--to", "brand", "--at", "+2h", "--every", "1d", "--until", "+1h"], "--until"),
    (["schedule", "x", "--to", "brand", "--at", "+1h", "--tz", "Europe/Berlin", "--json"], "--tz"),
    (["schedule", "x", "--to", "brand", "--every", "1h", "--tz", "Europe/Berlin", "--json"], "--tz"),
    (["schedule", "x", "--to", "brand", "--at", "+1h", "--key", "", "--json"], "--key"),
    (["schedule", "x", "--to", "brand", "--at", "+1h", "--key", "  ", "--json"], "--key"),
    (["schedule", "x", "--to", "brand", "--at", "+1h", "--store", "", "--json"], "--store"),
    (["schedule", "x", "--to", "brand", "--store", "~no_such_user_ds27/c.db", "--json"], "--store"),
    (["jobs", "--store", " ", "--json"], "--store"),
    (["jobs", "--store", "~no_such_user_ds27/c.db", "--json"], "--store"),
    (["worker", "--once", "--store", "~no_such_user_ds27/c.db"], "--store"),
    (["track", "-p", "brand", "--store", ""], "--store"),
    (["monitor", "-k", "acme", "-p", "brand", "--cursor", "", "--json"], "--cursor"),
    (["monitor", "-k", "acme", "-p", "brand", "--cursor", "~no_such_user_ds27/c.json", "--json"], "--cursor"),
    (["timeline", "-n", "sandbox", "-s", "bogus=1", "--json"], "--setting"),
]


@pytest.mark.parametrize(("args", "option"), COMBINED, ids=[" ".join(a) for a, _ in COMBINED])
def test_options_that_do_not_go_together_exit_2_before_the_store_is_made(
    env: dict[str, str], args: list[str], option: str
) -> None:
    result = invoke(env, *args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("error: "), result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert option in result.stderr
    assert not Path(env["DECENTSOCIAL_STORE"]).exists()  # refused before anything was written


def test_settings_a_profile_brings_are_still_the_datas_status_1(env: dict[str, str]) -> None:
    """With a profile, its own settings are checked with the ones given: the config file's are data."""
    config = Path(env["DECENTSOCIAL_CONFIG"])
    config.write_text(config.read_text() + "bogus = 1\n")
    result = invoke(env, "timeline", "-p", "brand", "--json")
    assert result.exit_code == 1, result.output
    assert "invalid settings for sandbox" in result.stderr


@pytest.mark.parametrize(("args", "option"), WRONG, ids=[" ".join(a) for a, _ in WRONG])
def test_a_wrong_argument_exits_2_with_one_line_naming_the_option(
    env: dict[str, str], args: list[str], option: str
) -> None:
    result = invoke(env, *args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""  # --json too: a command that fails outright prints nothing on stdout
    assert result.stderr.startswith("error: "), result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert option in result.stderr
    assert "unexpected" not in result.stderr


@pytest.mark.parametrize(
    ("args", "option"), [(["nostr", "-p", "fresh"], "--relay"), (["hive", "alice", "-p", "fresh"], "--node")]
)
def test_a_login_missing_its_server_exits_2(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], option: str
) -> None:
    keyring = pytest.importorskip("keyring", reason="the keyring extra is not installed")

    monkeypatch.setenv("DECENTSOCIAL_TEST_KEYRING", str(tmp_path / "keyring.json"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.keyring_backend.FileKeyring")
    keyring.core.init_backend()  # a keyring that keeps secrets: the check comes after it
    try:
        result = invoke(env, "login", *args)
    finally:
        monkeypatch.undo()
        keyring.core.init_backend()
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ")
    assert option in result.stderr


def test_a_wrong_since_for_report_exits_2(env: dict[str, str]) -> None:
    pytest.importorskip("pandas", reason="report needs the pandas extra")
    for since in ("last tuesday", "2026-01-01T00:00", "2099-01-01T00:00Z"):
        result = invoke(env, "report", "-p", "brand", "--since", since, "--json")
        assert result.exit_code == 2, result.output
        assert result.stdout == ""
        assert result.stderr.startswith("error: --since"), result.stderr


def test_what_the_data_refuses_still_exits_1(env: dict[str, str]) -> None:
    """A profile that is not there, a time already past: status 1, as before (an unknown --network is a
    typo, status 2: tests/cli/test_cli_wrong_arguments_exit_2.py, with a network not installed here)."""
    for args in (
        ["schedule", "x", "--to", "nobody", "--json"],
        ["schedule", "x", "--to", "brand", "--at", "2020-01-01T00:00Z", "--json"],
        ["timeline", "-p", "nobody", "--json"],
    ):
        result = invoke(env, *args)
        assert result.exit_code == 1, (args, result.output)
        assert result.stdout == ""
        assert result.stderr.startswith("error: ")


def test_a_right_every_still_plans_the_job(env: dict[str, str]) -> None:
    planned = invoke(env, "schedule", "x", "--to", "brand", "--at", "+1h", "--every", "1m", "--json")
    assert planned.exit_code == 0, planned.output
    assert json.loads(planned.stdout)["every_seconds"] == 60


# ---------------------------------------------------------------- the jobs table's interval


@pytest.mark.parametrize(
    ("span", "shown"),
    [
        (timedelta(days=1), "1d"),
        (timedelta(weeks=2), "2w"),
        (timedelta(hours=2, minutes=30), "150m"),
        (timedelta(hours=36), "36h"),
        (timedelta(seconds=90), "90s"),
        (timedelta(seconds=100.7), "100.7s"),
        (timedelta(seconds=61, microseconds=5), "61.000005s"),
        (timedelta(days=3653), "3653d"),
    ],
)
def test_an_interval_is_shown_as_every_takes_it_and_parses_back(span: timedelta, shown: str) -> None:
    from decentsocial.campaign_cli import duration_text, parse_duration

    assert duration_text(span) == shown
    assert parse_duration(duration_text(span)) == span


def test_the_jobs_table_shows_every_as_it_was_written(env: dict[str, str]) -> None:
    for every in ("1d", "150m", "100.7s"):
        assert invoke(env, "schedule", every, "--to", "brand", "--at", "+1h", "--every", every).exit_code == 0
    table = invoke(env, "jobs")
    assert table.exit_code == 0, table.output
    for every in ("1d", "150m", "100.7s"):
        assert f" every {every}" in table.stdout
    assert "day," not in table.stdout
    assert not re.search(r"\d:\d\d:\d\d", table.stdout)  # no timedelta's own form (0:01:40.700000)


# ---------------------------------------------------------------- one form for times in --json


def test_json_times_are_one_form_whichever_command_writes_them(env: dict[str, str]) -> None:
    assert invoke(env, "post", "hello", "--to", "brand").exit_code == 0
    post = json.loads(invoke(env, "timeline", "-p", "brand", "--json").stdout)[0]
    planned = invoke(env, "schedule", "x", "--to", "brand", "--at", "2099-01-01T10:00+01:00", "--json")
    job = json.loads(planned.stdout)
    assert post["created_at"].endswith("Z")
    assert job["at"] == "2099-01-01T09:00:00Z"  # UTC, as every other time; no "+00:00"
    listed = json.loads(invoke(env, "jobs", "--json").stdout)[0]
    assert listed["at"] == job["at"]
    for value in (post["created_at"], job["at"]):  # Python 3.10's fromisoformat reads no "Z"
        assert datetime.fromisoformat(value.removesuffix("Z") + "+00:00").utcoffset() == timedelta(0)


def test_report_since_is_written_in_utc(env: dict[str, str]) -> None:
    pytest.importorskip("pandas", reason="report needs the pandas extra")
    result = invoke(env, "report", "-p", "brand", "--since", "2026-01-01T01:00+01:00", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["since"] == "2026-01-01T00:00:00Z"


def test_json_time_matches_the_models_own_json() -> None:
    from decentsocial.models import Account, Post
    from decentsocial.terminal import json_time

    when = datetime(2026, 12, 7, 1, 2, 3, 456789, tzinfo=timezone(timedelta(hours=2)))
    author = Account(network="sandbox", id="a", handle="a")
    post = Post(network="sandbox", id="p", author=author, text="x", created_at=when)
    assert (
        json.loads(post.model_dump_json())["created_at"] == json_time(when) == "2026-12-06T23:02:03.456789Z"
    )
    assert json_time(datetime(2026, 12, 7, tzinfo=timezone.utc)) == "2026-12-07T00:00:00Z"
