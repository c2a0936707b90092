"""Settings validation, lazy opening, and the economy that belongs to the database."""

from __future__ import annotations

import gc
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from decentsocial import ConfigurationError, InvalidInput
from decentsocial.backends.sandbox import SandboxNetwork

from .conftest import sandbox


@pytest.mark.parametrize(
    "settings",
    [
        {"nope": 1},
        {"account": "not a handle"},
        {"account": ""},
        {"asset": "sand"},
        {"like_reward": "-1"},
        {"like_reward": "0.0001"},
        {"starting_balance": "1.2345"},
        {"payout_delay": -5},
        {"max_length": 0},
        {"timeout": 0},
    ],
)
def test_bad_settings_are_configuration_errors(settings: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError) as caught:
        ds.connect("sandbox", **settings)
    assert caught.value.network == "sandbox"


def test_defaults() -> None:
    net = sandbox()
    assert net.handle == "me"
    assert net.config.max_length == 500
    assert net.config.asset == "SAND"
    assert net.config.like_reward == Decimal("1.000")
    assert net.config.payout_delay == timedelta(days=7)
    assert net.me().raw == {"handle": "me", "balance": "100.000 SAND"}
    net.close()


def test_handle_is_normalised() -> None:
    net = sandbox(account="@Alice")
    assert net.handle == "alice"
    assert net.me().handle == "alice"
    net.close()


def test_connect_does_no_io(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "lazy.db"
    net = sandbox(path=str(path))
    assert not path.exists(), "connect() must not touch the file"
    net.publish("now it exists")
    assert path.exists()
    net.close()


def test_memory_path_means_memory(tmp_path: Path) -> None:
    net = sandbox(path=":memory:")
    assert net.config.path is None
    net.close()


def test_the_economy_belongs_to_the_database(tmp_path: Path) -> None:
    path = str(tmp_path / "eco.db")
    first = sandbox(path=path, account="alice", like_reward="2.500", asset="GOLD")
    first.me()
    # A later connection inherits the file's economy...
    second = sandbox(path=path, account="bob")
    assert second.balance().asset == "GOLD"
    # ...and may restate it, but not contradict it.
    same = sandbox(path=path, account="carol", like_reward="2.500")
    same.me()
    clash = sandbox(path=path, account="dave", like_reward="1.000")
    with pytest.raises(ConfigurationError, match="like_reward"):
        clash.me()
    for net in (first, second, same, clash):
        net.close()


def test_closed_connection_refuses_work() -> None:
    net = sandbox()
    net.publish("before")
    net.close()
    net.close()  # closing twice is harmless
    with pytest.raises(ConfigurationError, match="closed"):
        net.publish("after")


def test_context_manager_closes() -> None:
    with sandbox() as net:
        net.publish("inside")
    with pytest.raises(ConfigurationError):
        net.me()


def test_a_connection_nobody_closes_closes_its_database_when_collected(tmp_path: Path) -> None:
    """The write-ahead log goes away only when SQLite's last connection to the file closes."""
    path = tmp_path / "forgotten.db"
    wal = tmp_path / "forgotten.db-wal"
    net = sandbox(path=str(path), account="alice")
    bob = net.as_account("bob")
    bob.publish("shared connection")
    assert wal.exists()
    del bob
    gc.collect()
    assert wal.exists()  # alice still shares the connection bob was collected from
    assert [p.text for p in net.posts("bob")] == ["shared connection"]
    del net
    gc.collect()
    assert not wal.exists()


def test_as_account_validates_the_handle() -> None:
    net = sandbox()
    with pytest.raises(InvalidInput):
        net.as_account("no spaces please")
    net.close()


def test_repr_shows_settings_not_data() -> None:
    net = sandbox(account="alice")
    text = repr(net)
    assert "SandboxNetwork" in text
    assert "alice" in text
    net.close()


def test_an_unusable_path_is_a_configuration_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    net = sandbox(path=str(blocker / "sandbox.db"))
    with pytest.raises(ConfigurationError, match="cannot open"):
        net.me()
    net.close()


def test_home_is_expanded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    net = sandbox(path="~/rehearsal.db")
    assert net.config.path == tmp_path / "rehearsal.db"
    net.publish("at home")
    assert (tmp_path / "rehearsal.db").exists()
    net.close()


def test_settings_from_a_profile_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[profiles.rehearsal]\nnetwork = "sandbox"\naccount = "brand"\npayout_delay = "3600"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", str(config))
    net = ds.connect(profile="rehearsal")
    assert isinstance(net, SandboxNetwork)
    assert net.handle == "brand"
    assert net.config.payout_delay == timedelta(hours=1)
    net.close()
