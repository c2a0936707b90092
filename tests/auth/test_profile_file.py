"""Writing profiles: the rest of config.toml (other profiles, comments) is kept, values round-trip,
a profile is replaced whole, and a file that is not valid TOML is never rewritten."""

from __future__ import annotations

import stat
import sys
from datetime import datetime, timezone

import pytest

import decentsocial as ds
from decentsocial.config import load_profile, profile_login, remove_profile, save_profile
from tests.auth.conftest import Store

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

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
