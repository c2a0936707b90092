"""The ``decentsocial`` command, run through typer's CliRunner against the real sandbox."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

import decentsocial as ds
from decentsocial.cli import app
from decentsocial.setup_cli import ARABIC_LINE

runner = CliRunner()


def invoke(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env=env)


def test_demo_runs_the_whole_job() -> None:
    result = invoke("demo")
    assert result.exit_code == 0, result.output
    out = result.output
    for word in ("pending 1.000 SAND", "claimable 1.000 SAND", "claimed 1.000 SAND", "paid 1.000 SAND"):
        assert word in out
    assert out.index("pending 1.000") < out.index("claimable 1.000") < out.index("alice claimed")
    assert "@alice posted" in out
    assert "@bob replied" in out
    assert "tipped bob 0.500 SAND" in out
    assert "search #decentsocial finds 2 posts" in out
    # Right-to-left text: in logical order, whole, isolated from its surroundings.
    assert f"\u2068{ARABIC_LINE} #decentsocial\u2069" in out
    # Balances: alice earned 1.000 and tipped 0.500; bob received the tip.
    assert "100.500 SAND" in out


def test_demo_in_a_file_keeps_the_sandbox(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    result = invoke("demo", "--path", str(db))
    assert result.exit_code == 0, result.output
    with ds.connect("sandbox", path=db, account="bob") as bob:
        assert len(list(bob.search("#decentsocial", limit=None))) == 2
        assert str(bob.balance()) == "100.500 SAND"


def test_networks_lists_every_known_network() -> None:
    result = invoke("networks")
    assert result.exit_code == 0, result.output
    for name in ds.known_networks():
        assert name in result.output
    assert "sandbox" in result.output
    assert "ready" in result.output


def test_post_timeline_and_rewards_with_network_settings(tmp_path: Path) -> None:
    where = ["--network", "sandbox", "--setting", f"path={tmp_path / 'cli.db'}"]
    posted = invoke("post", f"{ARABIC_LINE} #cli", *where, "-s", "account=alice", "--key", "k1")
    assert posted.exit_code == 0, posted.output
    assert "sandbox://posts/" in posted.output
    again = invoke("post", f"{ARABIC_LINE} #cli", *where, "-s", "account=alice", "--key", "k1")
    assert again.exit_code == 0, again.output

    shown = invoke("timeline", *where, "-s", "account=alice", "--json")
    assert shown.exit_code == 0, shown.output
    posts = json.loads(shown.output)
    assert [p["text"] for p in posts] == [f"{ARABIC_LINE} #cli"]  # the key made the second post a no-op
    assert posts[0]["tags"] == ["cli"]

    table = invoke("timeline", *where, "-s", "account=alice", "--search", "#cli")
    assert table.exit_code == 0, table.output
    assert ARABIC_LINE in table.output

    with ds.connect("sandbox", path=tmp_path / "cli.db", account="bob") as bob:
        bob.like(posts[0]["id"])
    rewards = invoke("rewards", *where, "-s", "account=alice", "--json")
    assert rewards.exit_code == 0, rewards.output
    assert json.loads(rewards.output)["pending"]["status"] == "pending"


def test_profiles_and_cross_posting(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        "[profiles.brand]\n"
        'network = "sandbox"\n'
        f'path = "{tmp_path / "a.db"}"\n'
        'account = "brand"\n'
        "[profiles.tiny]\n"
        'network = "sandbox"\n'
        f'path = "{tmp_path / "b.db"}"\n'
        'account = "brand"\n'
        "max_length = 20\n",
        encoding="utf-8",
    )
    env = {"DECENTSOCIAL_CONFIG": str(config)}
    dry = invoke(
        "post", "hello from both profiles", "-p", "brand", "-p", "tiny", "--dry-run", "--no-split", env=env
    )
    assert dry.exit_code == 1, dry.output  # too long for "tiny", which has a 20-grapheme limit
    lines = dry.output.splitlines()
    assert lines[0].split() == ["would", "post", "brand", "(sandbox)", "hello", "from", "both", "profiles"]
    assert lines[1].startswith("failed      tiny (sandbox) ")
    assert "over sandbox's limit of 20" in lines[1]
    assert lines[2] == "Dry run: nothing was posted."
    with ds.connect("sandbox", path=tmp_path / "a.db") as net:
        assert list(net.search("hello", limit=None)) == []
    result = invoke("post", "short one", "-p", "brand", "-p", "tiny", env=env)
    assert result.exit_code == 0, result.output
    assert result.output.count("sandbox://posts/") == 2
    rewards = invoke("rewards", "-p", "brand", "--claim", env=env)
    assert rewards.exit_code == 0, rewards.output
    assert "claimed: nothing" in rewards.output


@pytest.mark.parametrize(
    ("args", "message", "status"),
    [
        (("timeline", "--network", "nope"), "unknown network 'nope'", 2),  # a typo: a wrong argument
        (("timeline", "--network", "sandbox", "-s", "bogus=1"), "invalid settings for sandbox", 2),
        (("timeline", "--network", "sandbox", "-s", "nokey"), "KEY=VALUE", 2),  # a wrong argument
        (("timeline", "--profile", "missing"), "no profile 'missing'", 1),
        (("post", "", "--network", "sandbox"), "TEXT is empty", 2),  # typed: a wrong argument
    ],
)
def test_errors_are_one_line_and_exit_non_zero(
    args: tuple[str, ...], message: str, status: int, tmp_path: Path
) -> None:
    result = invoke(*args, env={"DECENTSOCIAL_CONFIG": str(tmp_path / "none.toml")})
    assert result.exit_code == status
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: ")
    assert message in lines[0]


def test_no_account_given_is_a_usage_error(tmp_path: Path) -> None:
    result = invoke("timeline", env={"DECENTSOCIAL_CONFIG": str(tmp_path / "none.toml")})
    assert result.exit_code == 2
    assert result.output.startswith("error: say which account: --profile NAME")
    assert result.output.count("\n") == 1


def test_secret_from_the_environment_never_printed(tmp_path: Path) -> None:
    # A setting read through KEY_env=VAR: the value must not appear in the error text.
    result = invoke(
        "timeline",
        "--network",
        "sandbox",
        "-s",
        "display_name_env=SECRET_VAR",
        env={"SECRET_VAR": "x" * 150, "DECENTSOCIAL_CONFIG": str(tmp_path / "none.toml")},
    )
    assert result.exit_code == 2  # a --setting the network refuses (too long here): a wrong argument
    assert "x" * 150 not in result.output
    assert "display_name" in result.output
    # A token pasted without its KEY= is not echoed back either.
    pasted = invoke("timeline", "--network", "sandbox", "-s", "tok-s3cr3t-value")
    assert pasted.exit_code == 2  # a --setting without KEY=: a wrong argument
    assert "s3cr3t" not in pasted.output


def test_remote_text_cannot_drive_the_terminal(tmp_path: Path) -> None:
    """A stranger's post with escape sequences (clear screen, window title, colours) prints inert."""
    db = tmp_path / "cli.db"
    hostile = "buy now\x1b[2J\x1b]0;pwned\x07 \x1b[31mred\x1b[0m\x9b5m bell\x07 #acme"
    with ds.connect("sandbox", path=db, account="mallory") as mallory:
        mallory.publish(hostile)
    shown = invoke(
        "timeline", "--network", "sandbox", "-s", f"path={db}", "-s", "account=alice", "--search", "#acme"
    )
    assert shown.exit_code == 0, shown.output
    assert "buy now" in shown.output
    assert "red" in shown.output
    for control in ("\x1b", "\x07", "\x9b"):
        assert control not in shown.output


def test_missing_extra_prints_its_install_hint_intact() -> None:
    """In an interpreter where atproto cannot be imported, `networks` prints the whole pip command."""
    script = textwrap.dedent(
        """
        import sys

        class Hide:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] == "atproto":
                    raise ModuleNotFoundError(name, name=name)
                return None

        sys.meta_path.insert(0, Hide())
        sys.argv = ["decentsocial", "networks"]
        from decentsocial.console import main
        main()
        """
    )
    env = {**os.environ, "COLUMNS": "200", "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    for columns in ("200", "60"):  # a narrow terminal never cuts the command
        done = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            env={**env, "COLUMNS": columns},
            check=False,
        )
        assert done.returncode == 0, done.stderr
        lines = done.stdout.splitlines()
        bluesky = next(line for line in lines if " bluesky " in line)
        assert "missing extra" in bluesky
        sandbox = next(line for line in lines if " sandbox " in line)
        assert "ready" in sandbox
        hints = lines[lines.index("To install the missing networks:") + 1 :]
        assert "  pip install 'decentsocial[bluesky]'  # bluesky" in hints  # other extras may be missing too
    as_json = subprocess.run(
        [sys.executable, "-c", script.replace('"networks"]', '"networks", "--json"]')],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert as_json.returncode == 0, as_json.stderr
    rows = {row["name"]: row for row in json.loads(as_json.stdout)}
    assert rows["bluesky"] == {
        "name": "bluesky",
        "status": "missing",
        "install": "pip install 'decentsocial[bluesky]'",
        "error": None,
        "capabilities": [],
    }
    assert rows["sandbox"]["status"] == "ready"
    assert "publish" in rows["sandbox"]["capabilities"]


def test_remote_text_is_never_markup_emoji_codes_or_a_bidi_override(tmp_path: Path) -> None:
    """A stranger's "[link=…]", ":white_check_mark:" or U+202E prints as plain, inert text."""
    db = tmp_path / "cli.db"
    with ds.connect("sandbox", path=db, account="mallory", display_name="Support \u202emoc.knab") as mallory:
        mallory.publish(
            "Refund ready :white_check_mark: [link=https://evil.example]bank[/link] [/bold] #acme"
        )
    shown = invoke(
        "timeline", "--network", "sandbox", "-s", f"path={db}", "-s", "account=alice", "--search", "#acme"
    )
    assert shown.exit_code == 0, shown.output
    assert ":white_check_mark: [link=https://evil.example]bank[/link] [/bold]" in shown.output
    account = invoke("account", "mallory", "--network", "sandbox", "-s", f"path={db}", "-s", "account=alice")
    assert account.exit_code == 0, account.output
    assert "Support moc.knab" in account.output
    assert "\u202e" not in account.output


def test_a_jobs_error_from_a_server_is_shown_as_written(tmp_path: Path) -> None:
    """A server's error "[/x]" stopped ``jobs`` (a MarkupError), and "[mastodon]" vanished as a style."""
    from datetime import datetime, timezone

    from rich.console import Console

    from decentsocial.campaign_cli import _jobs_table
    from decentsocial.jobs import Job, TargetOutcome

    failed = TargetOutcome(
        "brand", 0, "mastodon", (), ds.ContentRejected("[/x] Validation failed", network="mastodon")
    )
    job = Job(
        id="j1",
        status="failed",
        at=datetime(2027, 1, 1, tzinfo=timezone.utc),
        targets=("brand",),
        key="k",
        draft=ds.Draft(text="x"),
        outcomes=(failed,),
    )
    console = Console(record=True, width=300, emoji=False)
    console.print(_jobs_table([job]))
    assert "brand: [mastodon] [/x] Validation failed" in console.export_text()


def test_a_lone_surrogate_from_a_server_prints_as_a_replacement_and_json_keeps_it() -> None:
    """Valid JSON (``"\\ud83d"``) gives a post text no terminal encoding can write: it stopped the output."""
    import io

    from rich.console import Console

    from decentsocial.cli import print_posts
    from decentsocial.terminal import json_text

    post = ds.Post(
        network="mastodon",
        id="1",
        author=ds.Account(network="mastodon", id="1", handle="cut\ud83d"),
        text="cut emoji \ud83d here",
        created_at="2027-01-01T00:00:00Z",
    )
    stream = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")  # as a terminal's stdout
    assert print_posts(Console(file=stream, width=200, emoji=False), [post]) == 1
    stream.flush()
    printed = stream.buffer.getvalue().decode()
    assert "cut emoji \ufffd here" in printed
    text = json_text([{"text": post.text}])
    text.encode("utf-8")  # writable
    assert json.loads(text) == [{"text": "cut emoji \ud83d here"}]  # the same value, as \ud83d
