"""A setting holding half a surrogate pair (an undecodable byte of the command line or the environment,
after Python's surrogateescape) is refused by the settings model, for every backend, naming the field.

It used to get through in many settings (a Mastodon ``account_id``, a Bluesky handle, password or
session, Hive's nodes, keys and ``app``, Minds' ``client_id``) and fail later, when the value reached
a URL, a header, a request body or the keyring: "the server's answer could not be read", "could not
be built: UnicodeEncodeError", a keyring error quoting the entry. Paths still take any byte: a file
name may hold one.
"""

from __future__ import annotations

import importlib.util
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds

HALF = "\udcff"  # what os.fsdecode makes of the byte 0xff
SECRET = "SeCrEt-" + HALF + "-tail"

#: Each network's smallest valid settings, and the extra its backend needs (``None``: none).
BASE: dict[str, tuple[dict[str, Any], str | None]] = {
    "sandbox": ({}, None),
    "mastodon": ({"base_url": "http://127.0.0.1:9", "access_token": "tok"}, "mastodon"),
    "bluesky": ({"base_url": "http://127.0.0.1:9", "handle": "a.test", "password": "pw"}, "atproto"),
    "hive": ({"nodes": ["http://127.0.0.1:9"], "account": "alice"}, "beem"),
    "steem": ({"nodes": ["http://127.0.0.1:9"], "account": "alice"}, "beem"),
    "nostr": ({"relays": ["ws://127.0.0.1:9"]}, "websockets"),
    "threads": ({"access_token": "tok", "user_id": "me", "base_url": "http://127.0.0.1:9"}, None),
    "minds": ({"username": "a", "password": "pw", "base_url": "http://127.0.0.1:9"}, None),
}

#: (network, field, is a secret): every kind of text setting, secrets included.
FIELDS = [
    ("sandbox", "account", False),
    ("sandbox", "display_name", False),
    ("mastodon", "base_url", False),
    ("mastodon", "access_token", True),
    ("mastodon", "account_id", False),
    ("mastodon", "user_agent", False),
    ("bluesky", "base_url", False),
    ("bluesky", "handle", False),
    ("bluesky", "password", True),
    ("bluesky", "session_string", True),
    ("bluesky", "keyring_session", False),
    ("bluesky", "firehose_url", False),
    ("hive", "nodes", False),
    ("hive", "account", False),
    ("hive", "posting_key", True),
    ("hive", "active_key", True),
    ("hive", "app", False),
    ("hive", "web_url", False),
    ("steem", "account", False),
    ("nostr", "relays", False),
    ("nostr", "private_key", True),
    ("threads", "access_token", True),
    ("threads", "user_id", False),
    ("threads", "base_url", False),
    ("minds", "username", False),
    ("minds", "password", True),
    ("minds", "client_id", False),
]


def settings_for(network: str) -> dict[str, Any]:
    base, extra = BASE[network]
    if extra is not None:
        pytest.importorskip(extra, reason=f"the {network} extra is not installed")
    return dict(base)


def with_half(value: Any, secret: bool) -> Any:
    """``value`` with a lone surrogate in it (a list: in its first item)."""
    if secret:
        return SECRET
    if isinstance(value, list):
        return [value[0] + HALF]
    return (value if isinstance(value, str) else "x") + HALF


def refused(network: str, settings: dict[str, Any]) -> str:
    """The message of the ``ConfigurationError`` that ``connect`` raises, before any I/O."""
    with pytest.raises(ds.ConfigurationError) as info:
        ds.connect(network, **settings)
    return str(info.value)


def names(said: str, field: str) -> None:
    """``said`` names ``field`` and why, and quotes none of the value (it may be a secret)."""
    assert f"{field}: " in said, said
    assert "is not valid Unicode" in said, said
    assert HALF not in said, said
    assert "\\udcff" not in said, said
    assert "SeCrEt" not in said, said


@pytest.mark.parametrize(("network", "field", "secret"), FIELDS, ids=[f"{n}.{f}" for n, f, _ in FIELDS])
def test_a_lone_surrogate_in_a_setting_is_refused_naming_the_field(
    network: str, field: str, secret: bool
) -> None:
    settings = settings_for(network)
    settings[field] = with_half(settings.get(field), secret)
    said = refused(network, settings)
    names(said, field)
    assert "tail" not in said


def test_a_path_setting_takes_any_byte(tmp_path: Path) -> None:
    """A file name may hold a byte that is not UTF-8: the sandbox is made and used there."""
    net = ds.connect("sandbox", path=tmp_path / f"s{HALF}.db", state_path=tmp_path / f"st{HALF}.db")
    try:
        assert net.publish("hi").text == "hi"
    finally:
        net.close()
    assert os.listdir(os.fsencode(tmp_path)) == [b"s\xff.db"]


def test_a_bluesky_session_file_takes_any_byte(tmp_path: Path) -> None:
    pytest.importorskip("atproto", reason="the bluesky extra is not installed")
    net = ds.connect("bluesky", base_url="http://127.0.0.1:9", session_file=tmp_path / f"s{HALF}.json")
    net.close()


# ---------------------------------------------------------------- from a profile: file and environment


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    if os.name != "posix":
        pytest.skip("an environment variable holding a byte that is not UTF-8 is a POSIX thing")
    path = tmp_path / "config.toml"
    db = str(tmp_path / "s.db").replace("\\", "\\\\")
    path.write_text(
        f'[profiles.brand]\nnetwork = "sandbox"\npath = "{db}"\naccount = "brand"\n'
        '[profiles.sky]\nnetwork = "bluesky"\nbase_url = "http://127.0.0.1:9"\nhandle = "a.test"\n'
        'password_env = "SKY_PASSWORD"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", str(path))
    return path


def test_a_profile_setting_from_the_environment_is_refused(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DECENTSOCIAL_BRAND_ACCOUNT", "bob" + HALF)
    with pytest.raises(ds.ConfigurationError, match=r"account: .*is not valid Unicode"):
        ds.connect(profile="brand")
    assert not (config.parent / "s.db").exists()


def test_a_secret_read_through_key_env_is_refused_without_its_value(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("atproto", reason="the bluesky extra is not installed")
    monkeypatch.setenv("SKY_PASSWORD", SECRET)
    with pytest.raises(ds.ConfigurationError) as info:
        ds.connect(profile="sky")
    said = str(info.value)
    names(said, "password")


# ---------------------------------------------------------------- the command line


@pytest.fixture
def refusing_port() -> Iterator[int]:
    """A loopback port that refuses connections (bound, never listening): what was sent fails fast."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def cli() -> Any:
    pytest.importorskip("typer", reason="the cli extra is not installed")
    from typer.testing import CliRunner

    from decentsocial.cli import app

    return CliRunner(), app


@pytest.mark.parametrize(
    ("network", "extra", "settings", "field"),
    [
        ("sandbox", None, ["account=" + HALF], "account"),
        ("mastodon", "mastodon", ["base_url=URL", "access_token=tok", "account_id=1" + HALF], "account_id"),
        ("bluesky", "atproto", ["base_url=URL", "handle=a.test", "password_env=PW"], "password"),
        ("bluesky", "atproto", ["base_url=URL", "handle=a" + HALF, "password=pw"], "handle"),
    ],
    ids=["sandbox-account", "mastodon-account_id", "bluesky-password_env", "bluesky-handle"],
)
def test_a_setting_typed_with_an_undecodable_byte_is_a_wrong_argument(
    tmp_path: Path, refusing_port: int, network: str, extra: str | None, settings: list[str], field: str
) -> None:
    """docs/cli.md, Errors: a ``--setting`` value that is not valid text is status 2, one line, before
    anything is sent or made; a secret (read with ``KEY_env``) is not quoted."""
    if extra is not None:
        pytest.importorskip(extra, reason=f"the {network} extra is not installed")
    runner, app = cli()
    url = f"http://127.0.0.1:{refusing_port}"
    args = ["post", "hi", "-n", network] + (
        ["-s", f"path={tmp_path / 's.db'}"] if network == "sandbox" else []
    )
    for setting in settings:
        args += ["-s", setting.replace("URL", url)]
    env = {
        "DECENTSOCIAL_CONFIG": str(tmp_path / "none.toml"),
        "DECENTSOCIAL_STATE_DIR": str(tmp_path / "state"),
        "DECENTSOCIAL_STORE": str(tmp_path / "campaign.db"),
        "PW": SECRET,
        "COLUMNS": "200",
    }
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    line = result.stderr
    assert len(line.splitlines()) == 1, line
    assert line.startswith("error: --setting: "), line
    names(line, field)
    assert list(tmp_path.iterdir()) == []  # no sandbox, no records, no store


def test_a_setting_from_undecodable_command_line_bytes_in_a_real_process(tmp_path: Path) -> None:
    """The case as typed in a shell: ``decentsocial post hi -n sandbox -s account=$'\\xff'``."""
    if importlib.util.find_spec("typer") is None:
        pytest.skip("the cli extra is needed")
    from tests.cli._helpers import run_with_bytes

    said = run_with_bytes(
        tmp_path, "post", "hi", "-n", "sandbox", "-s", f"path={tmp_path / 's.db'}", "-s", b"account=\xff"
    )
    assert said.startswith("error: --setting: "), said
    names(said, "account")
    assert not (tmp_path / "s.db").exists()
