"""``decentsocial report`` and ``decentsocial track`` through typer's CliRunner, on sandbox profiles."""

from __future__ import annotations

import json
import socket
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import decentsocial as ds
from decentsocial import engagement_cli
from decentsocial.cli import app
from tests.cli._helpers import sandbox_profile

pytest.importorskip("pandas", reason="report and history need the pandas extra")

runner = CliRunner()


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


@pytest.fixture
def profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Profiles brand and brand-b: two accounts of one sandbox file, with posts and a little audience."""
    config = tmp_path / "config.toml"
    config.write_text(
        sandbox_profile("brand", tmp_path / "s.db", "brand")
        + sandbox_profile("brand-b", tmp_path / "s.db", "brand-b")
    )
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", str(config))
    monkeypatch.delenv("DECENTSOCIAL_METRICS", raising=False)
    with ds.connect("sandbox", path=tmp_path / "s.db", account="brand") as brand:
        fan = brand.as_account("fan")
        first = brand.publish("Launch day #acme")
        second = brand.publish("Behind the scenes #acme")
        brand.publish("Thank you all #acme")
        fan.like(first)
        fan.like(second)
        fan.repost(first)
        fan.reply(first, "congrats")
        fan.close()
    return tmp_path


def fan_likes_latest(profiles: Path, account: str = "brand") -> None:
    with ds.connect("sandbox", path=profiles / "s.db", account="fan2") as fan:
        latest = next(fan.posts(account, limit=1))
        fan.like(latest)


def test_report_prints_a_table_per_account(profiles: Path) -> None:
    done = invoke("report", "--since", "7d", "-p", "brand", "-p", "brand-b")
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    assert "Engagement since" in lines[0]
    header = next(line for line in lines if "network" in line)
    for column in (
        "profile",
        "account",
        "posts",
        "likes",
        "reposts",
        "replies",
        "quotes",
        "views",
        "rewards_SAND",
    ):
        assert column in header
    brand = next(line for line in lines if " brand " in line).split("│")
    cells = [c.strip() for c in brand if c.strip()]
    # profile brand: sandbox, brand, 3 posts, 2 likes, 1 repost, 1 reply, 0 quotes, no views, 2 pending SAND
    assert cells == ["brand", "sandbox", "brand", "3", "2", "1", "1", "0", "-", "2.000"]
    other = [c.strip() for c in next(line for line in lines if "brand-b" in line).split("│") if c.strip()]
    assert other[:5] == ["brand-b", "sandbox", "brand-b", "0", "-"]  # no posts: nothing to count


def test_report_as_json(profiles: Path) -> None:
    done = invoke("report", "--since", "1d", "--profile", "brand", "--json")
    assert done.exit_code == 0, done.output
    data = json.loads(done.output)
    since = datetime.fromisoformat(data["since"].replace("Z", "+00:00"))  # Python 3.10 reads no "Z"
    assert timedelta(hours=23) < datetime.now(timezone.utc) - since < timedelta(hours=25)
    assert data["rows"] == [
        {
            "target": "brand",
            "network": "sandbox",
            "account": "brand",
            "posts": 3,
            "likes": 2,
            "reposts": 1,
            "replies": 1,
            "quotes": 0,
            "views": None,
            "rewards_SAND": "2.000",
        }
    ]


def test_report_since_an_hour_from_now_and_bad_times(profiles: Path) -> None:
    future = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()
    done = invoke("report", "--since", future, "-p", "brand")
    assert done.exit_code == 2  # a wrong --since is a wrong argument
    assert "future" in done.output
    naive = invoke("report", "--since", "2026-01-01T00:00", "-p", "brand")
    assert naive.exit_code == 2
    assert "no time zone" in naive.output
    nonsense = invoke("report", "--since", "last tuesday", "-p", "brand")
    assert nonsense.exit_code == 2
    assert "not a time" in nonsense.output
    unknown = invoke("report", "-p", "nobody")
    assert unknown.exit_code == 1
    assert "no profile 'nobody'" in unknown.output


def test_track_once_then_again_shows_the_audience_in_history(profiles: Path) -> None:
    store = str(profiles / "metrics.db")
    first = invoke("track", "--store", store, "-p", "brand", "--limit", "2")
    assert first.exit_code == 0, first.output
    assert "brand (sandbox) @brand: 2 post(s), 1 likes, 0 reposts, 0 replies" in first.output
    fan_likes_latest(profiles)
    second = invoke("track", "--store", store, "-p", "brand", "-p", "brand-b", "--limit", "2")
    assert second.exit_code == 0, second.output
    assert "brand (sandbox) @brand: 2 post(s), 2 likes" in second.output
    assert "brand-b (sandbox) @brand-b: 0 post(s)" in second.output
    frame = ds.history(store)
    assert len(frame) == 4  # the two latest posts, twice
    latest = frame[frame["likes"].notna()].sort_values("taken_at").groupby("id")["likes"].apply(list)
    assert sorted(latest.tolist()) == [[0, 1], [1, 1]]


def test_track_every_repeats_until_rounds_or_ctrl_c(profiles: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = str(profiles / "every.db")
    waits: list[float] = []

    def wait(seconds: float) -> None:
        waits.append(seconds)
        fan_likes_latest(profiles) if len(waits) == 1 else None

    monkeypatch.setattr(engagement_cli, "_wait", wait)
    done = invoke("track", "--store", store, "-p", "brand", "--limit", "1", "--every", "1h", "--rounds", "3")
    assert done.exit_code == 0, done.output
    assert waits == [3600.0, 3600.0]
    assert done.output.count("brand (sandbox) @brand: 1 post(s)") == 3
    assert done.output.splitlines()[-1] == f"3 snapshot(s) in {store}"
    assert [int(n) for n in ds.history(store)["likes"]] == [0, 1, 1]

    def interrupt(seconds: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(engagement_cli, "_wait", interrupt)
    stopped = invoke("track", "--store", store, "-p", "brand", "--every", "30m")
    assert stopped.exit_code == 0, stopped.output
    assert stopped.output.splitlines()[-1] == f"stopped: 1 snapshot(s) in {store}"
    assert len(ds.history(store)) == 3 + 3  # then the three posts, once


def test_track_every_with_failed_snapshots_exits_1(profiles: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("mastodon", reason="the mastodon extra is not installed")
    add_an_account_out_of_reach(profiles)
    monkeypatch.setattr(engagement_cli, "_wait", lambda seconds: None)
    store = str(profiles / "metrics.db")
    failed = invoke("track", "--store", store, "-p", "down", "-p", "brand", "--every", "1h", "--rounds", "2")
    assert failed.exit_code == 1, failed.output
    assert failed.output.count("cannot reach the server") == 2, failed.output
    assert failed.output.splitlines()[-1] == f"2 snapshot(s) in {store} (2 with errors, above)"


def test_track_refuses_a_store_that_cannot_be_one_before_any_round(
    profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder (``--store ~/metrics/``) was found only after each round had read the posts: every
    round of a ``--every`` run failed on it, for as long as it ran."""
    waits: list[float] = []
    monkeypatch.setattr(engagement_cli, "_wait", waits.append)
    failed = invoke("track", "--store", str(profiles), "-p", "brand", "--every", "1h", "--rounds", "3")
    assert failed.exit_code == 2  # a folder given for the file: a wrong argument
    assert failed.output.count("is a folder: give a file path") == 1, failed.output
    assert "snapshot(s)" not in failed.output
    assert waits == []


def add_an_account_out_of_reach(profiles: Path) -> None:
    """Profile ``down``: a Mastodon account on a loopback port nothing listens on."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    config = profiles / "config.toml"
    config.write_text(
        config.read_text()
        + f'[profiles.down]\nnetwork = "mastodon"\nbase_url = "http://127.0.0.1:{port}"\naccess_token = "t"\n'
    )


def test_report_shows_the_others_when_an_account_is_out_of_reach(profiles: Path) -> None:
    pytest.importorskip("mastodon", reason="the mastodon extra is not installed")
    add_an_account_out_of_reach(profiles)
    result = runner.invoke(app, ["report", "-p", "down", "-p", "brand", "-p", "brand-b", "--json"])
    assert result.exit_code == 1
    assert "error: down (mastodon): [mastodon]" in result.stderr
    rows = json.loads(result.stdout)["rows"]
    assert [(r["account"], r["posts"]) for r in rows] == [("brand", 3), ("brand-b", 0)]
    assert set(rows[0]) == set(rows[1])
    future = invoke("report", "--since", "2099-01-01T00:00Z", "-p", "brand", "-p", "brand-b")
    assert future.exit_code == 2
    assert future.output == "error: --since is in the future (2099-01-01T00:00:00+00:00)\n"


def test_track_goes_on_with_the_others_when_an_account_is_out_of_reach_at_the_start(profiles: Path) -> None:
    pytest.importorskip("mastodon", reason="the mastodon extra is not installed")
    add_an_account_out_of_reach(profiles)
    store = str(profiles / "partial.db")
    result = invoke("track", "--store", store, "-p", "down", "-p", "brand")
    assert result.exit_code == 1, result.output
    assert "error: down (mastodon) @?: [mastodon]" in result.output
    assert "brand (sandbox) @brand: 3 post(s)" in result.output
    assert len(ds.history(store)) == 3


def test_track_refuses_bad_options(profiles: Path) -> None:
    assert "not a duration" in invoke("track", "-p", "brand", "--every", "soon").output
    assert "--rounds goes with --every" in invoke("track", "-p", "brand", "--rounds", "2").output
    not_a_store = invoke("track", "-p", "brand", "--store", str(profiles / "s.db"))
    assert not_a_store.exit_code == 1
    assert "not a decentsocial metrics store" in not_a_store.output


def test_parse_since() -> None:
    now = datetime(2026, 12, 8, 12, 0, tzinfo=timezone.utc)
    assert engagement_cli.parse_since("7d", now=now) == datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
    assert engagement_cli.parse_since("90m", now=now) == now - timedelta(minutes=90)
    assert engagement_cli.parse_since("2026-12-01T00:00+01:00") == datetime(
        2026, 11, 30, 23, 0, tzinfo=timezone.utc
    )


def test_durations_past_what_a_wait_or_the_calendar_can_hold_are_refused(profiles: Path) -> None:
    store = profiles / "m.db"
    result = invoke("track", "--store", str(store), "-p", "brand", "--every", "400000d")
    assert result.exit_code == 2, result.output
    assert "--every is longer than a wait can be, got '400000d'" in result.output
    assert not store.exists()  # refused before the first snapshot
    result = invoke("report", "-p", "brand", "--since", "999999d")
    assert result.exit_code == 2, result.output
    assert "'999999d' is further back than the calendar goes" in result.output
