"""``decentsocial login / logout / profiles`` through the real entry point, as a user runs them.

The browser is ``$BROWSER`` (Python's webbrowser honours it) set to ``tests/auth/browser.py``, which
opens the consent page and clicks as a user would; the keyring is the test file backend chosen
through ``PYTHON_KEYRING_BACKEND``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import decentsocial as ds
from decentsocial.cli import app
from tests.auth.conftest import Store
from tests.servers._process import ContractServer
from tests.servers.hive import wif_for
from tests.servers.mastodon import MastodonServer
from tests.servers.threads import threads_user

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def run(
    store: Store,
    *args: str,
    choice: str = "alice",
    browser: str | None = None,
    extra_env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "COLUMNS": "200",
        "BROWSER": browser or f"{sys.executable} -m tests.auth.browser %s",
        "DECENTSOCIAL_TEST_BROWSER_CHOICE": choice,
        **(extra_env or {}),
    }
    script = "import sys; from decentsocial.console import main; sys.argv[0] = 'decentsocial'; main()"
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_login_post_profiles_logout_through_the_command(
    mastodon_server: MastodonServer, store: Store
) -> None:
    done = run(
        store, "login", "mastodon", mastodon_server.base_url, "--profile", "brand-mastodon", "--timeout", "30"
    )
    assert done.returncode == 0, done.stderr
    assert "Signed in to mastodon as alice." in done.stdout
    assert "Access granted: read, write" in done.stdout
    assert "/oauth/authorize?" in done.stderr  # the address is shown, even when a browser opens
    token = store.secrets()["brand-mastodon/access_token"]
    client_secret = store.secrets()["brand-mastodon/login.client_secret"]
    for secret in (token, client_secret):
        assert secret not in done.stdout + done.stderr
        assert secret not in store.config_text()

    with ds.connect(profile="brand-mastodon") as net:
        assert net.publish("from a profile made by decentsocial login").author.handle == "alice"

    listed = run(store, "profiles", "--json")
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == [
        {
            "name": "brand-mastodon",
            "network": "mastodon",
            "ready": True,
            "secrets": {"access_token": {"in": "keyring", "present": True}},
        }
    ]
    table = run(store, "profiles")
    assert "access_token in keyring: present" in table.stdout
    assert token not in table.stdout

    out = run(store, "logout", "brand-mastodon")
    assert out.returncode == 0, out.stderr
    assert "token revoked on the server" in out.stdout
    assert store.secrets() == {}


def test_denied_and_timed_out_logins_exit_1_with_one_line(
    mastodon_server: MastodonServer, store: Store
) -> None:
    denied = run(
        store, "login", "mastodon", mastodon_server.base_url, "-p", "x", "--timeout", "30", choice="deny"
    )
    assert denied.returncode == 1
    assert "error: [mastodon] the authorization was denied or cancelled" in denied.stderr
    assert "Traceback" not in denied.stderr
    late = run(
        store, "login", "mastodon", mastodon_server.base_url, "-p", "x", "--timeout", "1", browser="true %s"
    )
    assert late.returncode == 1
    assert "no sign-in came back" in late.stderr
    wrong = run(store, "login", "mastodon", "http://127.0.0.1:9", "-p", "x", "--no-browser")
    assert wrong.returncode == 1
    assert "cannot reach" in wrong.stderr
    assert not store.config.exists()
    assert store.secrets() == {}


def test_nostr_key_is_shown_once_and_profiles_say_where_secrets_are(store: Store) -> None:
    made = runner.invoke(app, ["login", "nostr", "-p", "brand-nostr", "--relay", "ws://127.0.0.1:9"])
    assert made.exit_code == 0, made.output
    nsec = store.secrets()["brand-nostr/private_key"]
    assert made.output.count(nsec) == 1  # shown once: there is no other copy
    listed = runner.invoke(app, ["profiles"])
    assert nsec not in listed.output
    assert "private_key in keyring: present" in listed.output
    store.keyring.write_text("{}")  # the keyring entry is gone (another machine, a wiped keyring)
    listed = runner.invoke(app, ["profiles"])
    assert "private_key in keyring: MISSING" in listed.output
    failed = runner.invoke(app, ["timeline", "-p", "brand-nostr"])
    assert failed.exit_code == 1
    assert "holds no secret; sign in again" in failed.output
    gone = runner.invoke(app, ["logout", "brand-nostr"])
    assert gone.exit_code == 0, gone.output
    assert "profile brand-nostr removed" in gone.output


def test_a_failed_hive_login_never_prints_the_key(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DS_TEST_POSTING", wif_for("alice", "posting"))
    args = [
        "login",
        "hive",
        "alice",
        "-p",
        "h",
        "--node",
        "http://127.0.0.1:9",
        "--posting-key-env",
        "DS_TEST_POSTING",
    ]
    result = runner.invoke(app, args)  # nothing listens there: the check cannot be made
    assert result.exit_code == 1
    assert "error: [hive]" in result.output
    assert wif_for("alice", "posting") not in result.output
    assert not store.config.exists()


def test_env_and_file_routes_keep_working_beside_the_keyring(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.config.write_text(
        '[profiles.env-sandbox]\nnetwork = "sandbox"\naccount = "bob"\n\n'
        '[profiles.kr]\nnetwork = "sandbox"\naccount_keyring = "kr/account"\n'
    )
    assert ds.connect(profile="env-sandbox").me().handle == "bob"
    from decentsocial.keyring_store import set_secret

    set_secret("kr/account", "carol")  # any setting can come from the keyring, not only secrets
    assert ds.connect(profile="kr").me().handle == "carol"
    monkeypatch.setenv("DECENTSOCIAL_KR_ACCOUNT", "dave")  # the environment wins over the keyring
    assert ds.connect(profile="kr").me().handle == "dave"


def test_threads_login_and_refresh_commands(threads_server: ContractServer, store: Store) -> None:
    user = threads_user(threads_server, username="cli_threads")
    env = {"DS_THREADS_SECRET": user["app_secret"]}
    done = run(
        store,
        "login",
        "threads",
        "-p",
        "brand-threads",
        "--app-id",
        user["app_id"],
        "--app-secret-env",
        "DS_THREADS_SECRET",
        "--redirect-uri",
        "http://127.0.0.1:0/cb",
        "--authorize-url",
        threads_server.url,
        "--base-url",
        threads_server.url,
        "--timeout",
        "30",
        choice="cli_threads",
        extra_env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "Signed in to threads as cli_threads." in done.stdout
    assert "The token is valid until" in done.stdout
    token = store.secrets()["brand-threads/access_token"]
    assert token not in done.stdout + done.stderr
    assert user["app_secret"] not in done.stdout + done.stderr
    not_due = runner.invoke(app, ["refresh", "brand-threads"])
    assert not_due.exit_code == 0, not_due.output
    assert "not due for renewal yet" in not_due.output
    early = runner.invoke(app, ["refresh", "brand-threads", "--force"])
    assert early.exit_code == 1
    assert "24 hours old" in early.output
    assert store.secrets()["brand-threads/access_token"] == token


def test_a_busy_redirect_port_fails_before_the_user_is_sent_anywhere(
    mastodon_server: MastodonServer, store: Store
) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = runner.invoke(
            app, ["login", "mastodon", mastodon_server.base_url, "-p", "x", "--port", str(port)]
        )
    assert result.exit_code == 1
    assert f"cannot listen for the sign-in redirect on 127.0.0.1:{port}" in result.output
    assert "/oauth/authorize?" not in result.output
    assert not store.config.exists()


def test_profiles_report_environment_overrides(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    store.config.write_text(
        '[profiles.brand-m]\nnetwork = "mastodon"\nbase_url = "https://m.example"\n'
        'access_token_env = "BRAND_M_TOKEN"\n'
    )
    listed = runner.invoke(app, ["profiles", "--json"])
    assert json.loads(listed.output)[0]["secrets"] == {"access_token": {"in": "env", "present": False}}
    monkeypatch.setenv("DECENTSOCIAL_BRAND_M_ACCESS_TOKEN", "t0ken-value")
    listed = runner.invoke(app, ["profiles", "--json"])
    assert json.loads(listed.output)[0]["ready"] is True
    assert "t0ken-value" not in listed.output
