"""The Async, Campaigns, CLI, Cross-posting, Crisis and Engagement pages' examples run on the sandbox.

Examples that name profiles (``profile="brand-mastodon"``, ``--to brand-mastodon``) run with those
profiles pointing at sandbox files, as a rehearsal would; the page's text is run, never a copy.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import decentsocial as ds

ROOT = Path(__file__).resolve().parents[2]
#: A page's fixed date in the future must be at least this far ahead: this test says so a year before
#: the example would fail ("at is in the past"), not on the day.
AHEAD = timedelta(days=365)


def section(page: str, heading: str) -> str:
    """The text under ``heading`` of a page of docs/, up to the next heading of its level or higher."""
    text = (ROOT / "docs" / page).read_text(encoding="utf-8").split(heading + "\n", 1)[1]
    level = heading.split(" ", 1)[0]
    return re.split(rf"^#{{1,{len(level)}}} ", text, maxsplit=1, flags=re.M)[0]


def block(text: str, lang: str = "python") -> str:
    found = re.search(rf"```{lang}\n(.*?)```", text, re.S)
    assert found is not None, f"no {lang} block"
    return found.group(1)


def sandbox_profiles(tmp_path: Path, *names: str) -> dict[str, str]:
    """The environment of a process whose profiles ``names`` are accounts of sandbox files in tmp_path."""
    config = tmp_path / "config.toml"
    profile = '[profiles.{0}]\nnetwork = "sandbox"\npath = "{1}.db"\naccount = "brand"\n'
    config.write_text("".join(profile.format(n, (tmp_path / n).as_posix()) for n in names), encoding="utf-8")
    return {
        **os.environ,
        "DECENTSOCIAL_CONFIG": str(config),
        "DECENTSOCIAL_STATE_DIR": str(tmp_path / "state"),
        "PYTHONPATH": str(ROOT),
        "PYTHONIOENCODING": "utf-8",
        "COLUMNS": "200",
    }


def run(code: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        env=env or {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"},
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_the_async_pages_example_runs(tmp_path: Path) -> None:
    out = run(block(section("async.md", "# Async")), tmp_path)
    assert out.splitlines() == ["hi from asyncio #aio"]  # the post it published, found by its tag


def test_the_command_lines_sandbox_message_example_runs(tmp_path: Path) -> None:
    """The page once sent to ``bob`` on a new sandbox, where bob had no account yet: NotFound, status 1."""
    pytest.importorskip("typer", reason="the command needs the cli extra")
    lines = block(section("cli.md", "## `messages` and `message send`"), "console").splitlines()
    sandbox = [line.removeprefix("$ ") for line in lines if "--network sandbox" in line]
    assert sandbox, "the section has no sandbox example"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8", "COLUMNS": "200"}
    outputs = []
    for line in sandbox:
        words = shlex.split(line, comments=True)
        assert words[0] == "decentsocial"
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from decentsocial.console import main; sys.argv[0] = 'decentsocial'; main()",
                *words[1:],
            ],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"{line}\n{done.stderr}"
        outputs.append(done.stdout)
    with ds.connect("sandbox", path=tmp_path / "shop.db", account="bob") as bob:
        [message] = list(bob.messages())
    assert (message.sender.handle, message.text) == ("alice", "مرحبا بوب")
    assert message.id in "".join(outputs)  # printed by `message send`, listed by `messages`


def test_the_cross_posting_pages_first_example_runs(tmp_path: Path) -> None:
    env = sandbox_profiles(tmp_path, "brand-mastodon", "brand-bluesky", "brand-hive")
    code = block(section("crosspost.md", "## One draft, many networks"))
    lines = run(code, tmp_path, env).splitlines()
    assert len(lines) == 3  # one outcome per network, in the order given
    assert all(re.fullmatch(r"sandbox True \['sandbox://posts/\w+'\] None", line) for line in lines), lines
    assert run(code, tmp_path, env).splitlines() == lines  # its idempotency_key: the same posts again


def test_the_crisis_pages_lifecycle_example_runs(tmp_path: Path) -> None:
    env = sandbox_profiles(tmp_path, "brand-mastodon")
    code = block(section("crisis.md", "## The post lifecycle"))
    run(code, tmp_path, env)
    with ds.connect("sandbox", path=tmp_path / "brand-mastodon.db", account="brand") as net:
        [post] = list(net.posts())
        assert (post.text, post.content_warning) == ("Our spring sale starts Tuesday", "correction")
        assert post.edited_at is not None
        assert list(net.pinned()) == []  # pinned, then unpinned


def test_the_campaigns_pages_planning_examples_run(tmp_path: Path) -> None:
    """The page once planned for 2026-12-24 and 2027-01-04: from those days on, "at is in the past"."""
    env = sandbox_profiles(tmp_path, "brand-mastodon", "brand-bluesky", "brand-hive")
    planning, zoned = re.findall(r"```python\n(.*?)```", section("campaigns.md", "## Planning"), re.S)
    run(planning + zoned, tmp_path, env)  # the second block goes on from the first, as the page reads
    with ds.Scheduler(str(tmp_path / "campaign.db")) as sched:
        jobs = sorted(sched.jobs(), key=lambda job: (job.draft.text, job.tz or ""))
    now = datetime.now(timezone.utc)
    [launch, tips, weekly] = jobs
    # Rescheduled an hour after the launch: a fixed date, told a year ahead that it must move on.
    assert launch.at - now > AHEAD, "the page's launch date is less than a year away: move it ahead"
    assert (launch.draft.text, launch.status, launch.draft.idempotency_key) == (
        "Launch day! #acme",
        "scheduled",
        launch.key,
    )
    assert (tips.status, tips.tz) == ("cancelled", None)
    assert (weekly.status, weekly.tz, weekly.every) == ("scheduled", "Europe/Berlin", timedelta(days=7))
    local = weekly.at.astimezone(ZoneInfo("Europe/Berlin"))
    assert (local.weekday(), local.hour, local.minute) == (0, 9, 0)  # a Monday, 09:00 in Berlin
    assert now < weekly.at < now + timedelta(days=8)  # the next Monday


def command_lines(text: str) -> list[str]:
    """A console block's ``decentsocial`` commands, each a line (``\\`` continuations joined)."""
    joined = re.sub(r"\\\n\s*", " ", text)
    return [line.strip() for line in joined.splitlines() if line.strip().startswith("decentsocial ")]


def test_the_campaigns_pages_schedule_commands_run(tmp_path: Path) -> None:
    """The page's ``decentsocial schedule`` lines a sandbox can take (not ``--variant bluesky=…``: the
    sandbox profiles are no Bluesky), then ``jobs``; the fixed ``--at`` must still be to come."""
    pytest.importorskip("typer", reason="the command needs the cli extra")
    env = sandbox_profiles(tmp_path, "brand-mastodon", "brand-bluesky")
    lines = command_lines(block(section("campaigns.md", "## Running"), "bash"))
    chosen = [line for line in lines if line.startswith("decentsocial schedule ") and "--variant" not in line]
    assert len(chosen) == 2, lines
    for line in [*chosen, "decentsocial jobs"]:
        words = shlex.split(line, comments=True)
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from decentsocial.console import main; sys.argv[0] = 'decentsocial'; main()",
                *words[1:],
            ],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"{line}\n{done.stderr}"
    with ds.Scheduler(str(tmp_path / "campaign.db")) as sched:
        jobs = sorted(sched.jobs(), key=lambda job: job.draft.text)
    assert [(job.draft.text, job.status, job.every) for job in jobs] == [
        ("Launch day! #acme", "scheduled", None),
        ("Tip of the week", "scheduled", timedelta(days=7)),
    ]
    launch = jobs[0]
    assert launch.at - datetime.now(timezone.utc) > AHEAD, "the page's --at is less than a year away: move it"


def test_the_engagement_pages_examples_run_in_order(tmp_path: Path) -> None:
    """Track, History, Report, Plots and the right-to-left note, one after the other as the page reads.

    History once showed ``post.id`` that no block made, and a ``reward_SAND`` column and a
    ``reward_HBD`` plot that the page's Mastodon and Bluesky accounts never have: NameError,
    KeyError, InvalidInput for a reader running the page.
    """
    pytest.importorskip("pandas", reason="the page needs the pandas extra")
    pytest.importorskip("matplotlib", reason="the plots need the plot extra")
    env = sandbox_profiles(tmp_path, "brand-mastodon", "brand-bluesky")
    page = "engagement.md"
    headings = ("## Track: take snapshots", "## History: read them back", "## Report: one account, one line")
    code = "".join(block(section(page, heading)) for heading in headings)
    plots, labels = re.findall(r"```python\n(.*?)```", section(page, "## Plots"), re.S)
    code += plots + labels
    # What the page's accounts have said, and a like, before it takes its snapshots.
    with ds.connect("sandbox", path=tmp_path / "brand-mastodon.db", account="brand") as brand:
        post = brand.publish("Launch day #acme")
        brand.as_account("fan").like(post)
    with ds.connect("sandbox", path=tmp_path / "brand-bluesky.db", account="brand") as brand:
        brand.publish("مرحبا #acme")
    run(code + "\nprint(len(df), sorted(set(df['id'])))\n", tmp_path, env)
    assert (tmp_path / "engagement.png").stat().st_size > 0  # fig.savefig, as the page says
