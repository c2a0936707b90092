"""connect(): names, third-party backends, profiles and secrets."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

import decentsocial as ds
from decentsocial import registry
from decentsocial.base import BaseNetwork
from decentsocial.config import load_profile
from decentsocial.settings import NetworkSettings


class EchoSettings(NetworkSettings):
    base_url: str = "http://127.0.0.1:9"
    token: SecretStr | None = None


class EchoNetwork(BaseNetwork[EchoSettings]):
    """A third-party backend as a user would write one."""

    name = "echo"
    Settings = EchoSettings


def test_unknown_network_lists_known_ones() -> None:
    with pytest.raises(ds.ConfigurationError) as info:
        ds.connect("nope")
    for name in ("sandbox", "mastodon", "bluesky", "hive", "steem", "nostr", "threads", "minds"):
        assert name in str(info.value)


def test_no_name_and_no_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DECENTSOCIAL_PROFILE", raising=False)
    with pytest.raises(ds.ConfigurationError, match="network name or a profile"):
        ds.connect()


def test_third_party_entry_point(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "_third_party", lambda: {"echo": f"{__name__}:EchoNetwork"})
    assert "echo" in ds.known_networks()
    net = ds.connect_any("echo", token="s3cret-token")  # a third-party backend: its settings are untyped
    assert isinstance(net, EchoNetwork)
    assert "s3cret-token" not in repr(net)
    with pytest.raises(ds.UnsupportedFeature, match="echo does not support publish"):
        net.publish("hello")


def test_settings_errors_never_show_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "_third_party", lambda: {"echo": f"{__name__}:EchoNetwork"})
    with pytest.raises(ds.ConfigurationError) as info:
        ds.connect_any("echo", token=["s3cret-token"], passwrd="hunter2-secret")
    text = str(info.value) + repr(info.value)
    assert "s3cret-token" not in text
    assert "hunter2-secret" not in text
    assert "token" in text
    assert "passwrd" in text
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__


def test_profile_from_file_and_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "_third_party", lambda: {"echo": f"{__name__}:EchoNetwork"})
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        '[profiles.brand-echo]\nnetwork = "echo"\n'
        'base_url = "http://127.0.0.1:1"\ntoken_env = "BRAND_TOKEN"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", str(cfg))
    monkeypatch.setenv("BRAND_TOKEN", "tok-from-env")
    monkeypatch.setenv("DECENTSOCIAL_BRAND_ECHO_BASE_URL", "http://127.0.0.1:2")
    net = ds.connect(profile="brand-echo")
    assert isinstance(net.settings, EchoSettings)
    assert net.settings.base_url == "http://127.0.0.1:2"  # environment wins over the file
    assert net.settings.token is not None
    assert net.settings.token.get_secret_value() == "tok-from-env"
    monkeypatch.setenv("DECENTSOCIAL_PROFILE", "brand-echo")
    assert isinstance(ds.connect(), EchoNetwork)


def test_missing_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", str(tmp_path / "absent.toml"))
    with pytest.raises(ds.ConfigurationError, match="no profile 'ghost'"):
        ds.connect(profile="ghost")


def test_profile_for_another_network(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('[profiles.p]\nnetwork = "sandbox"\n', encoding="utf-8")
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", str(cfg))
    with pytest.raises(ds.ConfigurationError, match="is for sandbox, not mastodon"):
        ds.connect("mastodon", profile="p")


def test_import_loads_no_network_library() -> None:
    code = (
        "import sys, decentsocial as ds; ds.Draft(text='x'); "
        "heavy = {'atproto', 'mastodon', 'beem', 'websockets', 'coincurve', 'httpx', 'pandas', 'sqlite3'}; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_errors_carry_network_and_server_message() -> None:
    err = ds.ContentRejected("too long", network="mastodon", server_message="Text character limit exceeded")
    assert str(err) == "[mastodon] too long (server said: Text character limit exceeded)"
    assert isinstance(err, ds.DecentSocialError)
    limited = ds.RateLimited(retry_after=12, network="bluesky")
    assert limited.retry_after == 12
    assert limited.retryable
    assert "12.0s" in str(limited)
    unsupported = ds.UnsupportedFeature("hive", ds.Capability.POLL)
    assert str(unsupported) == "[hive] hive does not support poll"


def test_environment_of_a_longer_profile_name_is_not_mixed_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        '[profiles.brand]\nnetwork = "sandbox"\n[profiles.brand-bluesky]\nnetwork = "bluesky"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", str(cfg))
    monkeypatch.setenv("DECENTSOCIAL_BRAND_BLUESKY_PASSWORD", "app-password")
    monkeypatch.setenv("DECENTSOCIAL_BRAND_ACCOUNT", "brand")
    assert load_profile("brand") == {"network": "sandbox", "account": "brand"}
    assert load_profile("brand-bluesky")["password"] == "app-password"
