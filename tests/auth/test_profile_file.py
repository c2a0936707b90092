"""Writing profiles: the rest of config.toml (other profiles, comments) is kept, values round-trip,
a profile is replaced whole, and a file that is not valid TOML is never rewritten."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from pydantic import SecretStr

import decentsocial as ds
from decentsocial.config import load_profile, profile_login, remove_profile, save_profile, update_profile
from decentsocial.limits import Limits
from tests.auth.conftest import Store
from tests.keyring_backend import FileKeyring

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
HAND_WRITTEN = """# my profiles — مرحبا
[profiles.hand]
network = "sandbox"   # written by hand
account = "bob"

[profiles.brand-x]
network = "sandbox"
account = "old"

[profiles.brand-x.login]
client_id = "old-app"

[profiles.after]
network = "sandbox"
relays = [
  "wss://a.example",
]
"""


def test_saving_replaces_one_profile_and_keeps_the_rest(store: Store) -> None:
    store.config.write_text(HAND_WRITTEN, encoding="utf-8")
    when = datetime(2026, 12, 3, 9, 30, tzinfo=timezone.utc)
    save_profile(
        "brand-x",
        {"network": "sandbox", "account": 'حساب "quoted" \\ back', "retry": {"attempts": 2}},
        {"client_id": "new-app", "signed_in_at": when, "scopes": ["read", "write"]},
    )
    text = store.config_text()
    assert text.startswith('# my profiles — مرحبا\n[profiles.hand]\nnetwork = "sandbox"   # written by hand')
    assert "old-app" not in text
    assert 'account = "old"' not in text
    data = tomllib.loads(text)["profiles"]
    assert set(data) == {"hand", "brand-x", "after"}
    assert data["after"]["relays"] == ["wss://a.example"]
    assert data["brand-x"]["account"] == 'حساب "quoted" \\ back'
    assert data["brand-x"]["login"]["signed_in_at"] == when
    assert load_profile("brand-x") == {
        "network": "sandbox",
        "account": 'حساب "quoted" \\ back',
        "retry": {"attempts": 2},
    }
    assert profile_login("brand-x")["scopes"] == ["read", "write"]
    assert stat.S_IMODE(store.config.stat().st_mode) == 0o600
    assert ds.connect(profile="hand").me().handle == "bob"

    assert remove_profile("brand-x")
    assert not remove_profile("brand-x")
    assert set(tomllib.loads(store.config_text())["profiles"]) == {"hand", "after"}


def test_a_broken_file_is_not_rewritten(store: Store) -> None:
    store.config.write_text("[profiles.x\nnetwork = ", encoding="utf-8")
    with pytest.raises(ds.ConfigurationError, match="not valid TOML"):
        save_profile("y", {"network": "sandbox"})
    assert store.config_text() == "[profiles.x\nnetwork = "


def test_profile_names_are_checked(store: Store) -> None:
    with pytest.raises(ds.InvalidInput, match="letters, digits"):
        save_profile("brand mastodon]", {"network": "sandbox"})
    with pytest.raises(ds.InvalidInput, match="letters, digits"):
        ds.auth.nostr_generate(relays=["ws://127.0.0.1:9"], profile="../x")
    assert not store.config.exists()
    assert store.secrets() == {}


def test_no_usable_keyring_fails_before_anything(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring.core
    from typer.testing import CliRunner

    from decentsocial.cli import app

    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")  # what a bare server has
    keyring.core.init_backend()
    with pytest.raises(ds.ConfigurationError, match="no system keyring is available"):
        ds.auth.nostr_generate(relays=["ws://127.0.0.1:9"], profile="n")
    result = CliRunner().invoke(app, ["login", "mastodon", "http://127.0.0.1:9", "-p", "m", "--no-browser"])
    assert result.exit_code == 1
    assert "no system keyring is available" in result.output
    assert "cannot reach" not in result.output  # refused before any request
    assert not store.config.exists()


_SAVER = """
import sys
from decentsocial.config import save_profile
for i in range(int(sys.argv[2])):
    save_profile(f"{sys.argv[1]}-{i}", {"network": "sandbox", "account": sys.argv[1]})
"""


def test_processes_saving_profiles_at_once_each_keep_theirs(store: Store) -> None:
    """Each save reads and replaces the whole file: without the lock, the last writer won."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    writers = [
        subprocess.Popen([sys.executable, "-c", _SAVER, f"w{n}", "25"], env=env, cwd=ROOT) for n in range(4)
    ]
    assert [w.wait(timeout=120) for w in writers] == [0] * 4
    saved = set(tomllib.loads(store.config_text())["profiles"])
    assert saved == {f"w{n}-{i}" for n in range(4) for i in range(25)}
    assert stat.S_IMODE(store.config.with_name("config.toml.lock").stat().st_mode) == 0o600


def test_an_update_keeps_what_another_process_saved_meanwhile(store: Store) -> None:
    """A token refresh writes back only the expiry, into the profile as the file holds it then."""
    save_profile("t", {"network": "sandbox", "account": "old"}, {"client_id": "app"})
    save_profile("t", {"network": "sandbox", "account": "new"}, {"client_id": "app"})  # a sign-in meanwhile
    when = datetime(2027, 1, 1, tzinfo=timezone.utc)
    assert update_profile("t", {"token_expires_at": when})
    data = tomllib.loads(store.config_text())["profiles"]["t"]
    assert (data["account"], data["token_expires_at"], data["login"]) == ("new", when, {"client_id": "app"})
    remove_profile("t")
    assert not update_profile("t", {"token_expires_at": when})  # signed out meanwhile: nothing comes back
    assert "profiles.t" not in store.config_text()


def test_typed_settings_are_saved_as_plain_values_and_secrets_never(store: Store, tmp_path: Path) -> None:
    ds.auth.nostr_generate(
        relays="ws://127.0.0.1:9",  # one relay as text, as connect() takes it: not split into characters
        profile="typed",
        retry=ds.RetrySettings(attempts=2),
        limits=Limits(max_body_bytes=1 << 20),
        state_path=tmp_path / "state.db",
    )
    table = load_profile("typed")
    assert table["relays"] == ["ws://127.0.0.1:9"]
    assert table["retry"] == {"attempts": 2}
    assert table["limits"] == {"max_body_bytes": 1 << 20}
    assert table["state_path"] == str(tmp_path / "state.db")
    with ds.connect(profile="typed") as net:
        assert net.settings.retry.attempts == 2
    with pytest.raises(ds.InvalidInput, match="secret never is"):
        save_profile("s", {"network": "sandbox", "password": SecretStr("hunter2")})
    assert "hunter2" not in store.config_text()


def test_folders_made_for_the_config_are_the_users_only(store: Store, tmp_path: Path) -> None:
    nested = tmp_path / "new" / "decentsocial" / "config.toml"
    os.environ["DECENTSOCIAL_CONFIG"] = str(nested)  # restored by the store fixture's monkeypatch
    save_profile("x", {"network": "sandbox"})
    assert stat.S_IMODE(nested.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(nested.stat().st_mode) == 0o600


class _PlainFile(FileKeyring):
    """keyrings.alt's PlaintextKeyring as the keyring library sees it (its module and name)."""


_PlainFile.__module__, _PlainFile.__name__ = "keyrings.alt.file", "PlaintextKeyring"


@pytest.mark.parametrize("configured", [False, True])
def test_a_plain_text_keyring_picked_by_priority_is_warned_of(
    store: Store, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, configured: bool
) -> None:
    """keyrings.alt's file keyring is chosen on its own on a server; using it unasked is said, once chosen
    in the keyring library's configuration it is not."""
    import keyring

    from decentsocial.config import check_profile_name

    if not configured:
        monkeypatch.delenv("PYTHON_KEYRING_BACKEND")
        monkeypatch.setenv("XDG_CONFIG_HOME", str(store.config.parent / "no-keyringrc"))
    keyring.set_keyring(_PlainFile())  # type: ignore[no-untyped-call]
    with caplog.at_level("WARNING", logger="decentsocial.keyring_store"):
        assert check_profile_name("brand", keyring=True) == "brand"
    warned = [r.getMessage() for r in caplog.records if "plain-text file" in r.getMessage()]
    assert len(warned) == (0 if configured else 1)
    assert all("keyrings.alt.file.PlaintextKeyring" in w for w in warned)
