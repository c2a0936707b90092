"""Wrong arguments the CLI exited 1 for, as if the network or the data had failed: now status 2, one
line, before any store or file is made; and ``worker --once`` exiting 1 when a job it ran failed.

docs/cli.md, Errors: "exit status 1 (2 for a command given the wrong arguments …)". An unknown
``--network`` (a typo), ``--setting KEY_env=VAR`` with ``$VAR`` unset and a ``--key`` holding a
lone surrogate (an undecodable byte on the command line) were status 1; ``track`` and ``schedule``
had made their store by then. ``worker --once`` exited 0 when the job it ran failed: a cron job
never saw it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.cli._helpers import invoke, made, refused, run_with_bytes

# ---------------------------------------------------------------- --network


@pytest.mark.parametrize(
    "args",
    [
        ["post", "hello", "-n", "nosuchnet"],
        ["post", "hello", "--network", "nosuchnet", "--key", "k1"],
        ["timeline", "-n", "nosuchnet", "--json"],
        ["reply", "id1", "hi", "-n", "nosuchnet"],
        ["track", "-n", "nosuchnet", "--store", "METRICS"],  # made its metrics store first
        ["timeline", "-p", "brand", "-n", "nosuchnet"],
    ],
)
def test_an_unknown_network_is_a_wrong_argument(home: Path, args: list[str]) -> None:
    args = [str(home / "metrics.db") if a == "METRICS" else a for a in args]
    line = refused(invoke(home, *args), "--network", "unknown network 'nosuchnet'", "known networks: sandbox")
    assert "mastodon" in line  # every known network is named
    assert made(home) == []


def test_a_near_miss_says_which_network_was_meant(home: Path) -> None:
    refused(invoke(home, "timeline", "-n", "mastodn"), "did you mean 'mastodon'?")


def test_a_known_network_that_cannot_load_here_is_still_status_1(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its extra missing is this machine's state, not a typo: status 1, as before."""
    from decentsocial import registry

    monkeypatch.setattr(registry, "install_hint", lambda name: "the extra" if name == "sandbox" else None)
    result = invoke(home, "timeline", "-n", "sandbox")
    assert result.exit_code == 1, result.output
    assert "needs its extra" in result.stderr


# ---------------------------------------------------------------- --setting KEY_env=VAR


@pytest.mark.parametrize(
    "args",
    [
        ["timeline", "-n", "sandbox", "-s", "path_env=DS_TEST_UNSET_VAR"],
        ["post", "hello", "-n", "sandbox", "-s", "path_env=DS_TEST_UNSET_VAR"],
        ["track", "-n", "sandbox", "-s", "path_env=DS_TEST_UNSET_VAR", "--store", "METRICS"],
    ],
)
def test_a_setting_read_from_an_unset_variable_is_a_wrong_argument(
    home: Path, args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DS_TEST_UNSET_VAR", raising=False)
    args = [str(home / "metrics.db") if a == "METRICS" else a for a in args]
    refused(invoke(home, *args), "--setting path_env", "DS_TEST_UNSET_VAR", "not set")
    assert made(home) == []


def test_a_secret_put_where_the_variable_name_goes_is_not_printed(home: Path) -> None:
    line = refused(invoke(home, "timeline", "-n", "sandbox", "-s", "account_env=tok-s3cr3t-value"))
    assert "s3cr3t" not in line
    assert "account_env" in line


def test_a_setting_read_from_a_set_variable_still_works(home: Path) -> None:
    posted = invoke(
        home, "post", "hello", "-n", "sandbox", "-s", "path_env=DS_TEST_PATH", DS_TEST_PATH=str(home / "v.db")
    )
    assert posted.exit_code == 0, posted.output
    assert (home / "v.db").exists()


def test_json_nested_past_what_python_reads_is_a_wrong_argument(home: Path) -> None:
    """JSON nested past what Python reads: not a traceback while the command line is read, but one
    line and status 2 (its depth is measured before it is parsed)."""
    result = invoke(home, "timeline", "-n", "sandbox", "-s", "tags=" + "[" * 100_000)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 2, result.output
    assert len(result.stderr.splitlines()) == 1, result.stderr


# ---------------------------------------------------------------- --key


@pytest.mark.parametrize("key", [os.fsdecode(b"launch-\xff"), "\ud800", "x\udc80y"])
@pytest.mark.parametrize(
    "args",
    [
        ["post", "hello", "-p", "brand", "--key"],
        ["reply", "id1", "hello", "-p", "brand", "--key"],
        ["schedule", "hello", "--to", "brand", "--at", "+1h", "--key"],  # made its job store first
    ],
)
def test_a_key_with_a_lone_surrogate_is_a_wrong_argument(home: Path, args: list[str], key: str) -> None:
    line = refused(invoke(home, *args, key), "--key", "not valid Unicode")
    assert "Traceback" not in line
    assert made(home) == []  # no job store, no sandbox, no idempotency records


def test_a_key_from_undecodable_command_line_bytes_in_a_real_process(tmp_path: Path) -> None:
    """As a shell passes it: ``os.fsdecode`` makes the byte a lone surrogate in ``sys.argv``."""
    said = run_with_bytes(
        tmp_path, "post", "hi", "-n", "sandbox", "-s", f"path={tmp_path / 's.db'}", "--key", b"k\xff"
    )
    assert said.startswith("error: --key is not valid Unicode")
    assert not (tmp_path / "s.db").exists()


def test_a_plain_key_still_posts_once(home: Path) -> None:
    for _ in range(2):
        posted = invoke(home, "post", "hello", "-p", "brand", "--key", "launch-é", "--json")
        assert posted.exit_code == 0, posted.output
    import decentsocial as ds

    with ds.connect("sandbox", path=home / "s.db", account="brand") as net:
        assert [p.text for p in net.posts(limit=None)] == ["hello"]


# ---------------------------------------------------------------- worker --once


def _drop_brand(home: Path) -> None:
    """The profile goes away after planning: the worker's run of it fails (no profile 'brand')."""
    (home / "config.toml").write_text('[profiles.other]\nnetwork = "sandbox"\n')


def _plan(home: Path, *args: str) -> str:
    planned = invoke(home, "schedule", *args, "--json")
    assert planned.exit_code == 0, planned.output
    return str(json.loads(planned.stdout)["id"])


def test_worker_once_exits_1_when_a_job_it_ran_failed(home: Path) -> None:
    job_id = _plan(home, "launch", "--to", "brand", "--at", "now")
    _drop_brand(home)
    ran = invoke(home, "worker", "--once")
    assert ran.exit_code == 1, ran.output
    assert f"{job_id} failed: 0 post(s)" in ran.output
    assert "no profile 'brand'" in ran.output
    again = invoke(home, "worker", "--once")  # nothing due any more: nothing failed in this pass
    assert again.exit_code == 0, again.output


def test_worker_once_exits_1_when_a_repeating_jobs_occurrence_failed(home: Path) -> None:
    """The job goes on to its next occurrence (``scheduled``), but this one's post is not made."""
    job_id = _plan(home, "daily", "--to", "brand", "--at", "now", "--every", "1d")
    _drop_brand(home)
    ran = invoke(home, "worker", "--once")
    assert ran.exit_code == 1, ran.output
    assert f"{job_id} scheduled: 0 post(s)" in ran.output


def test_worker_once_exits_1_when_one_of_several_jobs_failed(home: Path) -> None:
    config = (home / "config.toml").read_text()
    (home / "config.toml").write_text(config + config.replace("brand", "gone"))
    good = _plan(home, "fine", "--to", "brand", "--at", "now")
    bad = _plan(home, "lost", "--to", "gone", "--at", "now")
    (home / "config.toml").write_text(config)
    ran = invoke(home, "worker", "--once")
    assert ran.exit_code == 1, ran.output
    assert f"{good} done: 1 post(s)" in ran.output
    assert f"{bad} failed: 0 post(s)" in ran.output


def test_worker_once_exits_0_when_every_job_it_ran_published(home: Path) -> None:
    job_id = _plan(home, "launch", "--to", "brand", "--at", "now")
    _plan(home, "later", "--to", "brand", "--at", "+2h")  # not due: not run
    ran = invoke(home, "worker", "--once")
    assert ran.exit_code == 0, ran.output
    assert f"{job_id} done: 1 post(s)" in ran.output
