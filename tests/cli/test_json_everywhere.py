"""``--json`` on the commands a crisis playbook scripts (edit, pin, unpin, retract, message send,
crisis start, crisis end) and on ``logout`` and ``refresh``.

Each command runs through the real entry point in a fresh process (``run`` of
``test_lifecycle_cli``: this checkout first on the path, the config and the
scheduler store in tmp_path). The JSON it prints is parsed and checked
against what really happened, read back from the sandbox files, the
scheduler store, the config file and the test keyring. A command that fails
with ``--json`` prints nothing on standard output, one ``error:`` line on
standard error, and exits with the documented status (1, or 2 for a wrong
command); one that works on several accounts prints its document and exits 1.
"""

from __future__ import annotations

import json
import subprocess
import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from decentsocial.config import profile_table
from decentsocial.scheduler import Scheduler
from tests.cli.test_lifecycle_cli import run, sandbox
from tests.servers._process import ContractServer
from tests.servers.threads import threads_user

#: Right-to-left text with a C1 control (U+009B, a terminal's CSI) that ``--json`` must escape.
ARABIC = "نعتذر عن التأخير، نحن نعمل على الحل. We are on it."
HOSTILE = "تصحيح: \u009b[31m الخبر"

PROFILES = {
    "brand": ("s.db", "brand", ""),
    "brand-b": ("b.db", "brand", ""),
    "brand-c": ("c.db", "brand", ""),
    "fan": ("s.db", "fan", ""),
    "nopin": ("n.db", "brand", 'unsupported = ["pin"]'),
    "nopub": ("p.db", "brand", 'unsupported = ["publish"]'),
}


def write_config(home: Path, *names: str) -> None:
    """The config file with these sandbox profiles (all of :data:`PROFILES` when none is named)."""
    text = ""
    for name in names or tuple(PROFILES):
        db, account, extra = PROFILES[name]
        text += (
            f'[profiles.{name}]\nnetwork = "sandbox"\npath = "{home / db}"\naccount = "{account}"\n{extra}\n'
        )
    (home / "config.toml").write_text(text, encoding="utf-8")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Sandbox profiles in tmp_path; state, keyring and store there too (the child processes inherit them)."""
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("DECENTSOCIAL_STORE", str(tmp_path / "campaign.db"))
    monkeypatch.setenv("DECENTSOCIAL_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.keyring_backend.FileKeyring")
    monkeypatch.setenv("DECENTSOCIAL_TEST_KEYRING", str(tmp_path / "keyring.json"))
    monkeypatch.delenv("DECENTSOCIAL_PROFILE", raising=False)
    write_config(tmp_path)
    return tmp_path


def document(result: subprocess.CompletedProcess[str], status: int = 0) -> Any:
    """The one JSON document on standard output, after checking the exit status."""
    assert result.returncode == status, (result.stdout, result.stderr)
    return json.loads(result.stdout)


def failed(result: subprocess.CompletedProcess[str], status: int = 1) -> str:
    """A command that failed outright: nothing on stdout, one ``error:`` line on stderr, no traceback."""
    assert result.returncode == status, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    return result.stderr


def test_edit_prints_the_post_as_it_is_now(home: Path) -> None:
    with sandbox(home) as net, sandbox(home, account="fan") as fan:
        post = net.publish("first words")
        theirs = fan.publish("a fan's words")
    result = run(home, "edit", post.id, ARABIC, "--cw", "تحديث", "--profile", "brand", "--json")
    value = document(result)
    assert ARABIC in result.stdout  # the text as it is, in logical order: no escapes, no bidi isolates
    assert "\u2068" not in result.stdout
    with sandbox(home) as net:
        fresh = net.get_post(post.id)
    assert fresh.text == ARABIC
    assert (value["id"], value["text"], value["content_warning"]) == (post.id, ARABIC, "تحديث")
    assert (value["target"], value["network"], value["url"]) == ("brand", "sandbox", fresh.url)
    assert value["author"]["handle"] == "brand"
    assert value["edited_at"] is not None
    assert "raw" not in value
    assert "raw" not in value["author"]

    # A stranger's C1 control is written as \u009b: the document parses to the exact text.
    where = ["-n", "sandbox", "-s", f"path={home / 's.db'}", "-s", "account=brand"]
    hostile = run(home, "edit", post.id, HOSTILE, *where, "--json")
    assert "\u009b" not in hostile.stdout
    assert "\\u009b" in hostile.stdout
    assert document(hostile)["text"] == HOSTILE
    assert document(hostile)["target"] == "sandbox"  # with --network, the target is the network's name

    denied = failed(run(home, "edit", theirs.id, "mine now", "--profile", "brand", "--json"))
    assert "only the author" in denied
    failed(run(home, "edit", "0000000000000000", "x", "--profile", "brand", "--json"))
    failed(run(home, "edit", post.id, "x", "--json"), status=2)  # no account given: a wrong command
    with sandbox(home, account="fan") as fan:
        assert fan.get_post(theirs.id).text == "a fan's words"


def test_pin_and_unpin_say_which_post_where_and_its_state(home: Path) -> None:
    with sandbox(home) as net, sandbox(home, account="fan") as fan:
        post = net.publish(ARABIC)
        theirs = fan.publish("a fan's words")
    pinned = document(run(home, "pin", post.id, "--profile", "brand", "--json"))
    assert pinned == {"action": "pinned", "target": "brand", "network": "sandbox", "id": post.id, "url": None}
    with sandbox(home) as net:
        assert [(p.id, p.text) for p in net.pinned()] == [(post.id, ARABIC)]
    unpinned = document(run(home, "unpin", post.id, "--profile", "brand", "--json"))
    assert unpinned == {
        "action": "unpinned",
        "target": "brand",
        "network": "sandbox",
        "id": post.id,
        "url": None,
    }
    with sandbox(home) as net:
        assert list(net.pinned()) == []
    denied = failed(run(home, "pin", theirs.id, "--profile", "brand", "--json"))
    assert denied == "error: [sandbox] cannot pin fan's post: only the author can\n"
    lacking = failed(run(home, "pin", post.id, "--profile", "nopin", "--json"))
    assert "does not support pin" in lacking


def test_message_send_prints_the_message_id(home: Path) -> None:
    as_alice = ["--network", "sandbox", "-s", f"path={home / 'm.db'}", "-s", "account=alice"]
    as_bob = ["--network", "sandbox", "-s", f"path={home / 'm.db'}", "-s", "account=bob"]
    assert run(home, "messages", *as_bob).returncode == 0  # bob exists now
    sent = document(run(home, "message", "send", "bob", ARABIC, *as_alice, "--json"))
    assert sent["action"] == "sent"
    assert (sent["target"], sent["network"], sent["url"]) == ("sandbox", "sandbox", None)
    [received] = document(run(home, "messages", *as_bob, "--json"))
    assert (received["id"], received["text"], received["sender"]["handle"]) == (sent["id"], ARABIC, "alice")
    assert "raw" not in received["sender"]  # no raw payload at any level, as every --json
    missing = failed(run(home, "message", "send", "nobody", "private words", *as_alice, "--json"))
    assert "private words" not in missing


def schedule_thread(home: Path, targets: list[str], key: str) -> dict[str, list[str]]:
    """A job that made a thread on each target; each target's post ids."""
    long = " ".join(f"part {i} of the campaign text, الجزء {i}." for i in range(30))
    sched = Scheduler(home / "campaign.db")
    try:
        job = sched.schedule(long, targets, at=datetime.now(timezone.utc), key=key)
        sched.run_pending()
        made: dict[str, list[str]] = {}
        for outcome in sched.job(job.id).outcomes:
            made.setdefault(outcome.target, []).extend(outcome.post_ids)
    finally:
        sched.close()
    assert all(len(ids) >= 2 for ids in made.values()), made  # a thread on each
    return made


def test_retract_says_per_target_what_was_deleted_and_what_remains(home: Path) -> None:
    made = schedule_thread(home, ["brand", "brand-b"], "spring-sale")
    value = document(run(home, "retract", "spring-sale", "--json"))
    assert value["ok"] is True
    assert value["key"] == "spring-sale"
    for target in value["targets"]:
        assert target["ok"] is True
        assert sorted(target["deleted"]) == sorted(made[target["target"]])
        assert (target["edited"], target["remaining"], target["skipped"], target["error"]) == (
            [],
            [],
            None,
            None,
        )
    assert [t["target"] for t in value["targets"]] == ["brand", "brand-b"]
    for db in ("s.db", "b.db"):
        with sandbox(home, db) as net:
            assert list(net.posts()) == []
    again = document(run(home, "retract", value["job"], "--json"))  # safe twice: gone counts as deleted
    assert [sorted(t["deleted"]) for t in again["targets"]] == [
        sorted(made["brand"]),
        sorted(made["brand-b"]),
    ]
    failed(run(home, "retract", "no-such-job", "--json"))


def test_retract_with_a_failing_target_prints_the_rest_and_exits_1(home: Path) -> None:
    made = schedule_thread(home, ["brand", "brand-c"], "autumn")
    write_config(home, "brand")  # brand-c's profile is gone: its posts cannot be reached
    result = run(home, "retract", "autumn", "--json")
    value = document(result, status=1)
    assert value["ok"] is False
    ok, broken = value["targets"]
    assert (ok["target"], ok["ok"], sorted(ok["deleted"]), ok["remaining"]) == (
        "brand",
        True,
        sorted(made["brand"]),
        [],
    )
    assert (broken["target"], broken["ok"], broken["deleted"]) == ("brand-c", False, [])
    assert broken["error"]["type"] == "ConfigurationError"
    assert sorted(r["id"] for r in broken["remaining"]) == sorted(made["brand-c"])
    assert all(r["error"] == broken["error"] for r in broken["remaining"])  # each post, and why it is up
    with sandbox(home, "c.db") as net:  # really still there
        assert sorted(p.id for p in net.posts(limit=None)) == sorted(made["brand-c"])


def test_crisis_start_and_end_print_what_a_playbook_needs(home: Path) -> None:
    sched = Scheduler(home / "campaign.db")
    later = datetime.now(timezone.utc) + timedelta(hours=1)
    planned = sched.schedule("Big sale!", ["brand"], at=later)
    held = sched.schedule("Held", ["brand"], at=later)
    sched.pause(held.id)
    sched.close()
    started = run(
        home, "crisis", "start", ARABIC, "--to", "brand", "--to", "nopin", "--to", "nopub", "--json"
    )
    value = document(started, status=1)  # nopub could not publish: exit 1, after the document
    assert ARABIC in started.stdout
    assert (value["ok"], value["paused"], value["store_created"]) == (False, [planned.id], False)
    brand, nopin, nopub = value["targets"]
    with sandbox(home) as net:
        [statement] = list(net.pinned())
    assert statement.text == ARABIC
    assert (brand["target"], brand["ok"], brand["pinned"], brand["pin_error"], brand["error"]) == (
        "brand",
        True,
        True,
        None,
        None,
    )
    assert brand["posts"] == [{"id": statement.id, "url": statement.url}]
    assert (nopin["ok"], nopin["pinned"], nopin["pin_error"]["type"]) == (True, False, "UnsupportedFeature")
    with sandbox(home, "n.db") as net:
        assert [p.id for p in net.posts()] == [nopin["posts"][0]["id"]]
    assert (nopub["ok"], nopub["posts"], nopub["pinned"]) == (False, [], False)
    assert nopub["error"]["type"] == "UnsupportedFeature"
    sched = Scheduler(home / "campaign.db")
    assert sched.job(planned.id).status == "paused"
    sched.close()

    again = failed(run(home, "crisis", "start", "again", "--to", "brand", "--json"))
    assert "already active" in again

    ended = document(run(home, "crisis", "end", "--json"))
    assert ended == {
        "ok": True,
        "id": value["id"],
        "unpinned": [statement.id],
        "resumed": [planned.id],
        "skipped": [],
        "under_way": [],
        "errors": [],
    }
    sched = Scheduler(home / "campaign.db")
    assert (sched.job(planned.id).status, sched.job(held.id).status) == ("scheduled", "paused")
    sched.close()
    with sandbox(home) as net:
        assert list(net.pinned()) == []
    assert "no crisis is active" in failed(run(home, "crisis", "end", "--json"))


def test_crisis_end_reports_an_unpin_that_failed_and_exits_1(home: Path) -> None:
    fresh = home / "new.db"
    value = document(
        run(
            home,
            "crisis",
            "start",
            ARABIC,
            "--to",
            "brand",
            "--to",
            "brand-b",
            "--store",
            str(fresh),
            "--json",
        )
    )
    assert (value["ok"], value["paused"], value["store_created"]) == (True, [], True)
    assert [(t["target"], t["pinned"]) for t in value["targets"]] == [("brand", True), ("brand-b", True)]
    write_config(home, "brand")  # brand-b's profile is gone: its statement cannot be unpinned
    ended = document(run(home, "crisis", "end", "--store", str(fresh), "--json"), status=1)
    assert (ended["ok"], ended["id"], ended["resumed"]) == (False, value["id"], [])
    assert ended["unpinned"] == [value["targets"][0]["posts"][0]["id"]]
    [error] = ended["errors"]
    assert (error["target"], error["error"]["type"]) == ("brand-b", "ConfigurationError")
    with sandbox(home) as net, sandbox(home, "b.db") as b:
        assert list(net.pinned()) == []
        assert [p.id for p in b.pinned()] == [value["targets"][1]["posts"][0]["id"]]
    failed(run(home, "crisis", "end", "--store", str(fresh), "--json"))  # it ended anyway


def test_logout_says_what_was_removed_never_the_secret(home: Path) -> None:
    pytest.importorskip("keyring", reason="the keyring extra is not installed")
    (home / "config.toml").write_text(
        '[profiles.kr]\nnetwork = "sandbox"\naccount_keyring = "kr/account"\n', encoding="utf-8"
    )
    (home / "keyring.json").write_text(json.dumps({"decentsocial": {"kr/account": "s3cret-handle"}}))
    result = run(home, "logout", "kr", "--json")
    assert document(result) == {
        "profile": "kr",
        "done": ["1 secret(s) removed from the keyring", "profile kr removed from the config file"],
    }
    assert "s3cret-handle" not in result.stdout + result.stderr
    assert json.loads((home / "keyring.json").read_text()) == {"decentsocial": {}}
    assert "kr" not in (home / "config.toml").read_text()
    assert "no profile 'kr'" in failed(run(home, "logout", "kr", "--json"))


def test_refresh_says_whether_the_token_was_renewed(home: Path, threads_server: ContractServer) -> None:
    user = threads_user(threads_server, username="json_refresher")
    expires = datetime.fromtimestamp(user["expires_at"], timezone.utc).replace(microsecond=0)
    (home / "config.toml").write_text(
        textwrap.dedent(
            f"""
            [profiles.brand-threads]
            network = "threads"
            base_url = "{threads_server.url}"
            user_id = "{user["id"]}"
            access_token_keyring = "brand-threads/access_token"
            token_expires_at = {expires.strftime("%Y-%m-%dT%H:%M:%SZ")}
            """
        ),
        encoding="utf-8",
    )
    keyring = home / "keyring.json"
    keyring.write_text(json.dumps({"decentsocial": {"brand-threads/access_token": user["access_token"]}}))
    not_due = document(run(home, "refresh", "brand-threads", "--json"))
    assert not_due == {"profile": "brand-threads", "renewed": False, "expires_at": None}
    threads_server.control("clock", {"advance": 2 * 86400})  # the token is old enough to renew
    try:
        result = run(home, "refresh", "brand-threads", "--force", "--json")
    finally:
        threads_server.control("clock", {"advance": -2 * 86400})
    renewed = document(result)
    token = json.loads(keyring.read_text())["decentsocial"]["brand-threads/access_token"]
    assert token != user["access_token"]
    for secret in (token, user["access_token"]):
        assert secret not in result.stdout + result.stderr
    assert (renewed["profile"], renewed["renewed"]) == ("brand-threads", True)
    new_expiry = datetime.fromisoformat(renewed["expires_at"].replace("Z", "+00:00"))  # 3.10: no "Z"
    assert new_expiry - datetime.now(timezone.utc) > timedelta(days=59)  # a new 60-day token
    saved = profile_table("brand-threads")["token_expires_at"]
    assert saved == new_expiry.replace(microsecond=0)  # the expiry said is the one saved
    write_config(home, "brand")
    assert "not a Threads profile" in failed(run(home, "refresh", "brand", "--json"))
