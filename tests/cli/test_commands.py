"""The everyday commands through the real entry point, on the sandbox: post per account, exit codes, --json.

Most run through typer's CliRunner on ``decentsocial.cli.app``; the ones
about what reaches stdout and stderr (errors printed once, progress on a
terminal, clean JSON) run the command in a real process, as a user would.
"""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

import decentsocial as ds
from decentsocial.cli import app
from decentsocial.setup_cli import ARABIC_LINE

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()
#: The smallest file a PNG reader accepts as a PNG signature; the sandbox stores it as it is.
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def write_config(folder: Path, **extra: dict[str, Any]) -> dict[str, str]:
    """``brand`` and ``fan`` (two accounts on one sandbox), ``tiny`` (20 characters at most), ``closed``."""
    profiles: dict[str, dict[str, Any]] = {
        "brand": {"network": "sandbox", "path": str(folder / "s.db"), "account": "brand"},
        "fan": {"network": "sandbox", "path": str(folder / "s.db"), "account": "fan"},
        "tiny": {"network": "sandbox", "path": str(folder / "t.db"), "account": "brand", "max_length": 20},
        # Fails when it publishes (not while planning, where the library also logs the failure) or searches.
        "closed": {
            "network": "sandbox",
            "path": str(folder / "c.db"),
            "account": "brand",
            "unsupported": ["publish", "search", "tag_search"],
        },
        **extra,
    }
    lines = []
    for name, settings in profiles.items():
        lines.append(f"[profiles.{name}]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in settings.items()]
    config = folder / "config.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"DECENTSOCIAL_CONFIG": str(config)}


def invoke(env: dict[str, str], *args: str) -> Any:
    return runner.invoke(app, list(args), env=env)


def run(
    env: dict[str, str], *args: str, stderr: int | None = subprocess.PIPE
) -> subprocess.CompletedProcess[str]:
    """The command in its own process, through the code the installed entry point runs."""
    full = {**os.environ, **env, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "decentsocial.cli", *args],
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        env=full,
        timeout=120,
        check=False,
    )


def sandbox(folder: Path, account: str = "brand", db: str = "s.db") -> Any:
    return ds.connect("sandbox", path=folder / db, account=account)


# ---------------------------------------------------------------- post


def test_post_to_two_accounts_on_one_network_names_each(tmp_path: Path) -> None:
    env = write_config(tmp_path)
    image = tmp_path / "menu.png"
    image.write_bytes(PNG)
    result = invoke(
        env,
        "post",
        f"{ARABIC_LINE} #menu",
        "--to",
        "brand",
        "--to",
        "fan",
        "--image",
        str(image),
        "--alt",
        "Our winter menu",
        "--cw",
        "food",
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("posted      brand (sandbox)  sandbox://posts/")
    assert lines[1].startswith("posted      fan (sandbox)    sandbox://posts/")
    assert lines[2].startswith("Done. To run this again without posting twice, add --key ")
    assert len(lines) == 3
    with sandbox(tmp_path) as net:
        posts = {p.author.handle: p for p in net.search("#menu", limit=None)}
    assert set(posts) == {"brand", "fan"}
    for made in posts.values():
        assert made.text == f"{ARABIC_LINE} #menu"
        assert made.content_warning == "food"
        assert [(m.kind, m.alt_text) for m in made.media] == [("image", "Our winter menu")]
        assert made.url in result.output


def test_post_json_shape_and_key_makes_it_exactly_once(tmp_path: Path) -> None:
    env = write_config(tmp_path)
    first = invoke(env, "post", "once #k", "--to", "brand", "--key", "launch-1", "--json")
    assert first.exit_code == 0, first.output
    value = json.loads(first.output)
    assert value == {
        "ok": True,
        "dry_run": False,
        "key": "launch-1",
        "targets": [
            {
                "target": "brand",
                "network": "sandbox",
                "ok": True,
                "posts": [value["targets"][0]["posts"][0]],
                "would_post": [],
                "error": None,
            }
        ],
    }
    made = value["targets"][0]["posts"][0]
    assert set(made) == {"id", "url"}
    again = json.loads(invoke(env, "post", "once #k", "--to", "brand", "--key", "launch-1", "--json").output)
    assert again["targets"][0]["posts"] == [made]
    with sandbox(tmp_path) as net:
        assert len(list(net.search("#k", limit=None))) == 1


def test_some_accounts_failing_exit_1_and_no_posted_line_for_them(tmp_path: Path) -> None:
    env = write_config(tmp_path)
    result = run(env, "post", "hello #fail", "--to", "brand", "--to", "closed", "--to", "fan")
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("posted      brand (sandbox)   sandbox://posts/")
    assert lines[1] == "failed      closed (sandbox)  [sandbox] sandbox does not support publish"
    assert lines[2].startswith("posted      fan (sandbox)     sandbox://posts/")
    assert lines[3].startswith("1 of 3 failed; to retry without posting twice, add --key ")
    assert len(lines) == 4
    # The error is printed once: the library's log of the failure does not repeat it on stderr.
    assert (result.stdout + result.stderr).count("does not support publish") == 1
    assert result.stderr == ""


def test_every_account_failing_exit_1_with_json_errors(tmp_path: Path) -> None:
    env = write_config(tmp_path)
    text = "a post too long for tiny #fail"
    result = run(env, "post", text, "--to", "tiny", "--to", "closed", "--no-split")
    assert result.returncode == 1, result.stderr
    assert not any(line.startswith("posted") for line in result.stdout.splitlines())
    assert "2 of 2 failed" in result.stdout
    as_json = run(env, "post", text, "--to", "tiny", "--to", "closed", "--no-split", "--json")
    assert as_json.returncode == 1
    value = json.loads(as_json.stdout)
    assert value["ok"] is False
    tiny, closed = value["targets"]
    assert (tiny["ok"], tiny["posts"], tiny["error"]["type"]) == (False, [], "ContentRejected")
    assert "over sandbox's limit of 20" in tiny["error"]["message"]
    assert (closed["target"], closed["error"]["type"]) == ("closed", "UnsupportedFeature")
    assert as_json.stderr == ""


def test_text_from_stdin(tmp_path: Path) -> None:
    env = write_config(tmp_path)
    prepared = f"{ARABIC_LINE}\n\nSecond paragraph #stdin\n"
    result = runner.invoke(app, ["post", "-", "--to", "brand", "--json"], input=prepared, env=env)
    assert result.exit_code == 0, result.output
    with sandbox(tmp_path) as net:
        (made,) = net.search("#stdin", limit=None)
    assert made.text == prepared[:-1]  # the file's final line break is not part of the post
    replied = runner.invoke(app, ["reply", made.id, "-", "-p", "fan", "--json"], input="شكرا\n", env=env)
    assert replied.exit_code == 0, replied.output
    with sandbox(tmp_path) as net:
        assert [p.text for p in net.thread(made.id)][1:] == ["شكرا"]


def test_dry_run_is_a_flag_and_posts_nothing(tmp_path: Path) -> None:
    env = write_config(tmp_path)
    result = invoke(env, "post", "not yet #dry", "--to", "brand", "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    value = json.loads(result.output)
    assert value["dry_run"] is True
    assert value["targets"][0]["would_post"] == ["not yet #dry"]
    assert value["targets"][0]["posts"] == []
    with sandbox(tmp_path) as net:
        assert list(net.search("#dry", limit=None)) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("post", "hi"), "error: say which account: --profile NAME"),
        (("post", "hi", "--to", "brand", "--alt", "a cat"), "1 --alt for 0 --image"),
        (("post", "hi", "--to", "brand", "--to", "brand"), "profile 'brand' is given twice"),
        (("post", "hi", "--to", "brand", "--image", "no-such.png"), "does not exist"),
        (("post", "hi", "--to", "brand", "--dry-run", "yes"), "unexpected extra argument"),
        (("post", "--to", "brand"), "Missing argument"),
        (("like", "--to", "brand"), "No such option"),
    ],
)
def test_usage_errors_exit_2_and_post_nothing(args: tuple[str, ...], message: str, tmp_path: Path) -> None:
    env = write_config(tmp_path)
    result = run(env, *args)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert message.lower() in " ".join(result.stderr.lower().split())
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "s.db").exists()


# ---------------------------------------------------------------- the everyday commands


def test_reply_like_repost_thread_notifications_delete(tmp_path: Path) -> None:
    env = write_config(tmp_path)
    with sandbox(tmp_path) as brand:
        original = brand.publish("New shop opening #shop")
    liked = invoke(env, "like", original.id, "-p", "fan")
    assert liked.exit_code == 0, liked.output
    assert liked.output == f"liked  fan (sandbox)  {original.id}\n"
    reposted = json.loads(invoke(env, "repost", original.id, "-p", "fan", "--json").output)
    assert reposted["action"] == "reposted"
    assert (reposted["target"], reposted["network"]) == ("fan", "sandbox")
    replied = invoke(env, "reply", original.id, ARABIC_LINE, "-p", "fan", "--json")
    assert replied.exit_code == 0, replied.output
    reply = json.loads(replied.output)
    assert set(reply) == {"action", "target", "network", "id", "url"}
    assert reply["action"] == "replied"

    thread = json.loads(invoke(env, "thread", original.id, "-p", "brand", "--json").output)
    assert [p["id"] for p in thread] == [original.id, reply["id"]]
    assert thread[1]["text"] == ARABIC_LINE
    assert all(p["target"] == "brand" and "raw" not in p and "raw" not in p["author"] for p in thread)
    shown = invoke(env, "thread", original.id, "-p", "brand")
    assert f"\u2068{ARABIC_LINE}\u2069" in shown.output  # right-to-left text isolated, in logical order

    notes = json.loads(invoke(env, "notifications", "-p", "brand", "--json").output)
    assert {n["kind"] for n in notes} >= {"like", "reply"}
    assert all(n["account"]["handle"] == "fan" for n in notes)
    text = invoke(env, "notifications", "-p", "brand")
    assert text.exit_code == 0, text.output
    assert "like @fan: New shop opening #shop" in text.output

    unasked = invoke(env, "delete", reply["id"], "-p", "fan")
    assert unasked.exit_code == 2  # not from a terminal: it cannot ask, so it needs --yes
    assert "add --yes" in unasked.output
    deleted = invoke(env, "delete", reply["id"], "-p", "fan", "--yes")
    assert deleted.exit_code == 0, deleted.output
    assert deleted.output == f"deleted  fan (sandbox)  {reply['id']}\n"
    with sandbox(tmp_path) as brand:
        assert [p.id for p in brand.thread(original.id)] == [original.id]
    missing = invoke(env, "like", "no-such-post", "-p", "fan")
    assert missing.exit_code == 1
    assert missing.output.startswith("error: [sandbox]")


def test_search_and_account_read_several_accounts(tmp_path: Path) -> None:
    env = write_config(tmp_path)
    with sandbox(tmp_path) as brand:
        brand.publish("Spring sale #sale")
    with sandbox(tmp_path, db="t.db") as other:
        other.publish("Other shop #sale")
    with sandbox(tmp_path, account="fan") as fan:
        fan.publish("I love this brand")
    found = json.loads(invoke(env, "search", "#sale", "-p", "brand", "-p", "tiny", "--json").output)
    assert [(p["target"], p["text"]) for p in found] == [
        ("brand", "Spring sale #sale"),
        ("tiny", "Other shop #sale"),
    ]
    shown = invoke(env, "search", "#sale", "-p", "brand", "-p", "tiny")
    assert shown.exit_code == 0, shown.output
    assert shown.output.index("brand (sandbox): search '#sale'") < shown.output.index("Spring sale")
    assert shown.output.index("tiny (sandbox): search '#sale'") < shown.output.index("Other shop")

    me = json.loads(invoke(env, "account", "-p", "brand", "--posts", "1", "--json").output)
    assert [(a["target"], a["handle"], a["posts_count"]) for a in me] == [("brand", "brand", 1)]
    assert [p["text"] for p in me[0]["posts"]] == ["Spring sale #sale"]
    other_account = invoke(env, "account", "fan", "-p", "brand")
    assert other_account.exit_code == 0, other_account.output
    assert "fan (@fan)" in other_account.output
    assert "followers 0 · following 0 · posts 1" in other_account.output


def test_remote_text_is_stripped_of_escape_sequences_everywhere(tmp_path: Path) -> None:
    env = write_config(tmp_path)
    hostile = "hi\x1b[2J\x1b]0;pwned\x07 \x1b[31mred\x1b[0m\x9b5m #evil"
    with ds.connect(
        "sandbox", path=tmp_path / "s.db", account="fan", display_name="Fan\x1b]52;c;Y2xpcA==\x07"
    ) as fan:
        made = fan.publish(hostile)
        fan.like(made)
    with sandbox(tmp_path) as brand:
        brand.reply(made, "thanks")
        brand.like(made)
    for args in (
        ("search", "#evil", "-p", "brand"),
        ("thread", made.id, "-p", "brand"),
        ("notifications", "-p", "fan"),
        ("account", "fan", "-p", "brand", "--posts", "1"),
        ("timeline", "-p", "brand", "--search", "#evil"),
    ):
        result = invoke(env, *args)
        assert result.exit_code == 0, (args, result.output)
        assert "red" in result.output or "@brand" in result.output, args
        for control in ("\x1b", "\x07", "\x9b"):
            assert control not in result.output, args


# ---------------------------------------------------------------- help, version, progress, completion


def all_commands() -> list[str]:
    """Every command, a group's commands too (``message send``), as the words that run it."""
    group = typer.main.get_command(app)
    ctx = group.make_context("decentsocial", [], resilient_parsing=True)

    def under(command: Any, prefix: str) -> list[str]:
        found: list[str] = []
        for name in command.list_commands(ctx):
            found.append(f"{prefix}{name}")
            sub = command.get_command(ctx, name)
            if hasattr(sub, "list_commands"):
                found += under(sub, f"{prefix}{name} ")
        return found

    return under(group, "")


def test_a_group_added_with_add_typer_gets_plain_help_too() -> None:
    """Commands in a sub-group (``decentsocial message send``) show flags as flags, like the rest."""
    from decentsocial.cli import _Group

    root = typer.Typer(cls=_Group)
    sub = typer.Typer()
    root.add_typer(sub, name="message")

    @root.command()
    def other() -> None:
        """A second command, so the group keeps its sub-commands' names."""

    @sub.command()
    def send(text: str, urgent: bool = typer.Option(False, "--urgent", help="Flag it.")) -> None:
        """Send one."""

    result = runner.invoke(root, ["message", "send", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "--urgent" in result.output
    for jargon in ("<bool>", "<str>"):
        assert jargon not in result.output


@pytest.mark.parametrize("command", ["", *all_commands()])
def test_help_shows_flags_as_flags_and_no_python_types(command: str) -> None:
    result = runner.invoke(app, [*command.split(), "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for jargon in ("<bool>", "<str>", "<int>", "<float>", "list[", "<path>", "Idempotency"):
        assert jargon not in result.output, (command, jargon)
    if command == "post":
        dry_run = next(line for line in result.output.splitlines() if "--dry-run" in line)
        assert dry_run.split("│")[1].split()[:2] == ["--dry-run", "Check"]


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"decentsocial {ds.__version__}\n"


def test_progress_goes_to_stderr_on_a_terminal_and_json_stays_clean(tmp_path: Path) -> None:
    """With stderr on a real terminal (a pty) the spinner is drawn there; stdout is only the JSON."""
    env = write_config(tmp_path)
    main, child = pty.openpty()
    try:
        result = run(env, "post", "progress #p", "--to", "brand", "--to", "fan", "--json", stderr=child)
        os.close(child)
        drawn = b""
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the child side is closed: everything has been read
                break
            if not chunk:
                break
            drawn += chunk
    finally:
        os.close(main)
    assert result.returncode == 0
    assert json.loads(result.stdout)["ok"] is True
    assert "Posting: brand (sandbox), fan (sandbox)" in drawn.decode("utf-8", "replace")


def test_shell_completion_offers_profile_names(tmp_path: Path) -> None:
    env = write_config(tmp_path)
    completion = {
        **env,
        "_DECENTSOCIAL_COMPLETE": "complete_bash",
        "COMP_WORDS": "decentsocial post hi --to b",
        "COMP_CWORD": "4",
    }
    result = runner.invoke(app, [], env=completion, prog_name="decentsocial")
    assert result.output.split() == ["brand"]
    networks = {**completion, "COMP_WORDS": "decentsocial search x --network s", "COMP_CWORD": "4"}
    assert runner.invoke(app, [], env=networks, prog_name="decentsocial").output.split() == [
        "sandbox",
        "steem",
    ]


def test_json_output_carries_remote_text_exactly_but_inert(tmp_path: Path) -> None:
    env = write_config(tmp_path)
    hostile = "sale\x1b[2J\x9b31m\x7f\x85 #inert"
    with sandbox(tmp_path, account="fan") as fan:
        fan.publish(hostile)
    result = invoke(env, "search", "#inert", "-p", "brand", "--json")
    assert result.exit_code == 0, result.output
    for control in ("\x1b", "\x9b", "\x7f", "\x85"):
        assert control not in result.output
    assert [p["text"] for p in json.loads(result.output)] == [hostile]


def test_campaign_commands_print_json(tmp_path: Path) -> None:
    env = write_config(tmp_path)
    store = ["--store", str(tmp_path / "campaign.db")]
    planned = invoke(
        env, "schedule", "Later #camp", "--to", "brand", "--at", "+2h", "--key", "c1", *store, "--json"
    )
    assert planned.exit_code == 0, planned.output
    job = json.loads(planned.output)
    assert (job["status"], job["targets"], job["key"], job["text"]) == (
        "scheduled",
        ["brand"],
        "c1",
        "Later #camp",
    )
    assert job["outcomes"] == []
    assert job["every_seconds"] is None
    listed = json.loads(invoke(env, "jobs", *store, "--json").output)
    assert [j["id"] for j in listed] == [job["id"]]
    paused = json.loads(invoke(env, "pause", job["id"], *store, "--json").output)
    assert paused == {"action": "paused", "ids": [job["id"]]}
    moved = json.loads(invoke(env, "reschedule", job["id"], "--at", "+3h", *store, "--json").output)
    assert moved["id"] == job["id"]
    assert moved["at"] > job["at"]
    cancelled = json.loads(invoke(env, "cancel", job["id"], *store, "--json").output)
    assert cancelled == {"action": "cancelled", "ids": [job["id"]]}
    assert [j["status"] for j in json.loads(invoke(env, "jobs", *store, "--json").output)] == ["cancelled"]


def test_the_worker_waits_out_a_store_held_elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3
    import threading

    from decentsocial import sqlite_store

    env = write_config(tmp_path)
    store = ["--store", str(tmp_path / "campaign.db")]
    assert invoke(env, "schedule", "Now #camp", "--to", "brand", "--at", "now", *store).exit_code == 0
    monkeypatch.setattr(sqlite_store, "_TIMEOUT", 0.2)
    other = sqlite3.connect(tmp_path / "campaign.db", isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another process holds the store for about a second

    def release() -> None:
        other.execute("ROLLBACK")
        other.close()

    threading.Timer(1.0, release).start()
    result = invoke(env, "worker", "--once", "--poll", "0.05", *store)
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())  # the console wraps a long store path at its width
    assert "stayed locked by another process for 0.2 s while claiming due jobs" in said
    assert "trying again in 0.05 s" in said
    assert "done: 1 post(s)" in said  # then it ran the job
    with sandbox(tmp_path) as net:
        assert [p.text for p in net.posts(limit=None)] == ["Now #camp"]


def test_the_worker_shows_each_occurrence_it_ran(tmp_path: Path) -> None:
    env = write_config(tmp_path)
    store = ["--store", str(tmp_path / "campaign.db")]
    planned = invoke(env, "schedule", "Daily #camp", "--to", "brand", "--at", "now", "--every", "1d", *store)
    assert planned.exit_code == 0, planned.output
    job_id = planned.output.split()[1]
    ran = invoke(env, "worker", "--once", *store)
    assert ran.exit_code == 0, ran.output
    # The occurrence that ran, though the job is already planned for the next (it said 0 post(s)).
    assert f"{job_id} scheduled: 1 post(s)" in ran.output


@pytest.mark.parametrize(
    ("option", "message", "status"),
    [  # 2: a value that is no time or duration (a wrong argument); 1: a time the scheduler refuses
        (["--every", "99999999999d"], "longer than any plan can be", 2),
        (["--at", "+99999999999d"], "longer than any plan can be", 2),
        (["--at", "9999-12-31T23:00-05:00"], "not a time", 2),
        (["--at", "9999-06-01T00:00Z"], "too far ahead", 1),
    ],
)
def test_times_past_the_calendar_are_refused_plainly(
    tmp_path: Path, option: list[str], message: str, status: int
) -> None:
    env = write_config(tmp_path)
    args = ["schedule", "x", "--to", "brand", "--store", str(tmp_path / "campaign.db")]
    result = invoke(env, *args, *(["--at", "now"] if option[0] == "--every" else []), *option)
    assert result.exit_code == status, result.output
    assert message in result.output
    assert "unexpected" not in result.output


def test_each_command_module_imports_alone() -> None:
    for module in ("campaign_cli", "lifecycle_cli", "engagement_cli", "social_cli", "auth_cli", "setup_cli"):
        found = subprocess.run(
            [sys.executable, "-c", f"import decentsocial.{module}"],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            check=False,
        )
        assert found.returncode == 0, found.stderr


def test_ctrl_c_stops_the_worker_after_the_job_in_flight(tmp_path: Path) -> None:
    import signal
    import sqlite3
    import time

    env = write_config(tmp_path)
    store = ["--store", str(tmp_path / "campaign.db")]
    planned = invoke(env, "schedule", "In flight #camp", "--to", "brand", "--at", "now", *store)
    assert planned.exit_code == 0, planned.output
    job_id = planned.output.split()[1]
    sandbox(tmp_path).close()  # the sandbox file exists; another process now holds its write lock
    other = sqlite3.connect(tmp_path / "s.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    full = {**os.environ, **env, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "decentsocial.cli", "worker", "--poll", "0.1", *store],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=full,
    )
    try:
        assert worker.stdout is not None
        assert worker.stdout.readline().startswith("worker ")
        time.sleep(1.0)  # the job is claimed and its post waits for the sandbox's lock
        worker.send_signal(signal.SIGINT)
        time.sleep(0.5)
        other.execute("ROLLBACK")  # the post goes through; the worker ends the job, then stops
        output, _ = worker.communicate(timeout=60)
    finally:
        other.close()
        worker.kill()
    assert worker.returncode == 0, output
    assert "stopping after the job in flight" in output
    assert f"{job_id} done: 1 post(s)" in output
    assert output.rstrip().endswith("stopped")
    jobs = invoke(env, "jobs", "--json", *store)
    assert json.loads(jobs.output)[0]["status"] == "done"
    with sandbox(tmp_path) as net:
        assert [p.text for p in net.posts(limit=None)] == ["In flight #camp"]


def test_python_dash_m_has_every_command(tmp_path: Path) -> None:
    result = run(write_config(tmp_path), "--help")
    assert result.returncode == 0, result.stderr
    for name in ("post", "search", "schedule", "report", "demo", "networks"):
        assert f" {name} " in result.stdout


@pytest.mark.parametrize(
    "command",
    [
        "post", "reply", "delete", "like", "repost", "search", "thread", "notifications", "account",
        "timeline", "rewards", "networks", "schedule", "jobs", "pause", "resume", "cancel", "reschedule",
        "report",
    ],
)  # fmt: skip
def test_every_command_for_scripts_takes_json(command: str) -> None:
    result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert "--json" in result.output


def test_delete_asks_on_a_terminal(tmp_path: Path) -> None:
    """From a terminal (a pty on stdin), delete asks; "n" keeps the post, "y" deletes it."""
    env = write_config(tmp_path)
    with sandbox(tmp_path) as brand:
        made = brand.publish("Maybe delete me")
    for answer, code in ((b"n\n", 1), (b"y\n", 0)):
        main, child = pty.openpty()
        try:
            os.write(main, answer)
            full = {**os.environ, **env, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}
            done = subprocess.run(
                [sys.executable, "-m", "decentsocial.cli", "delete", made.id, "-p", "brand"],
                stdin=child,
                capture_output=True,
                text=True,
                env=full,
                timeout=120,
                check=False,
            )
        finally:
            os.close(child)
            os.close(main)
        assert done.returncode == code, (done.stdout, done.stderr)
        # The question is on stderr: with the output piped (--json), it is still seen.
        assert f"Delete post {made.id} as brand (sandbox)? [y/N]" in done.stderr
        with sandbox(tmp_path) as brand:
            remaining = [p.id for p in brand.search("Maybe", limit=None)]
        assert remaining == ([made.id] if answer == b"n\n" else [])


def test_one_account_failing_to_read_does_not_hide_the_others(tmp_path: Path) -> None:
    env = write_config(tmp_path)
    with sandbox(tmp_path) as brand:
        brand.publish("Still here #read")
    for extra in ((), ("--json",)):
        result = run(env, "search", "#read", "-p", "closed", "-p", "brand", *extra)
        assert result.returncode == 1
        assert result.stderr == "error: closed (sandbox): [sandbox] sandbox does not support tag_search\n"
        if extra:
            assert [(p["target"], p["text"]) for p in json.loads(result.stdout)] == [
                ("brand", "Still here #read")
            ]
        else:
            assert "brand (sandbox): search '#read'" in result.stdout
            assert "Still here #read" in result.stdout
