"""A config file that is no config file: a pipe, a device, a huge or pathological TOML document.

Each is a ConfigurationError naming the file (never a hang, an exhausted
memory, or Python's own ValueError / RecursionError), never quoting the token
the file holds; a file an editor started with a byte-order mark is read.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial import config

TOKEN = "tok-SECRET-4f9a"
ROOT = Path(__file__).resolve().parents[2]


def _connect_in_child(config_path: Path) -> str:
    """``connect(profile="brand")`` in a child with at most 1 GiB of memory; its one-line outcome.

    A child, so a read that never ends (a FIFO with no writer) is killed by the
    timeout and one that eats memory hits the limit, instead of the test run.
    """
    script = textwrap.dedent(
        """
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
        import decentsocial as ds
        try:
            ds.connect(profile="brand")
        except BaseException as exc:
            print(type(exc).__name__, exc)
        """
    )
    env = {**os.environ, "DECENTSOCIAL_CONFIG": str(config_path), "PYTHONPATH": str(ROOT)}
    try:
        done = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
        )
    except subprocess.TimeoutExpired:
        return "hung"
    return (
        (done.stdout.strip() or done.stderr.strip().splitlines()[-1]) if done.returncode == 0 else "crashed"
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_in_place_of_the_config_file_is_refused_not_waited_on(cfg: Path) -> None:
    os.mkfifo(cfg)
    outcome = _connect_in_child(cfg)
    assert outcome.startswith("ConfigurationError"), outcome
    assert "not a regular file" in outcome


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_a_device_that_never_ends_is_refused_not_read(tmp_path: Path) -> None:
    outcome = _connect_in_child(Path("/dev/zero"))
    assert outcome.startswith("ConfigurationError"), outcome
    assert "not a regular file" in outcome


def test_a_file_larger_than_any_config_is_refused_unread(cfg: Path) -> None:
    with cfg.open("wb") as file:  # sparse: no disk used
        file.truncate(config.MAX_CONFIG_BYTES + 1)
    with pytest.raises(ds.ConfigurationError, match=f"{cfg}.*larger than"):
        ds.connect(profile="brand")


PATHOLOGICAL = {
    "an integer of 5000 digits": "timeout = 1" + "0" * 5000,
    "arrays nested 2000 deep": "relays = " + "[" * 2000 + "]" * 2000,
    "tables nested 2000 deep": "retry = " + "{a = " * 2000 + "1" + "}" * 2000,
}


@pytest.mark.parametrize("line", PATHOLOGICAL.values(), ids=list(PATHOLOGICAL))
def test_a_document_python_cannot_parse_is_a_configuration_error_everywhere(cfg: Path, line: str) -> None:
    content = f'[profiles.brand]\nnetwork = "mastodon"\naccess_token = "{TOKEN}"\n{line}\n'
    cfg.write_text(content, encoding="utf-8")
    for call in (
        lambda: ds.connect(profile="brand"),
        config.profile_names,
        lambda: config.profile_exists("brand"),
        lambda: config.save_profile("other", {"network": "sandbox"}),
        lambda: config.remove_profile("brand"),
    ):
        with pytest.raises(ds.ConfigurationError) as info:
            call()
        assert str(cfg) in str(info.value)
        assert TOKEN not in str(info.value)
        assert TOKEN not in repr(info.value)
    assert cfg.read_text(encoding="utf-8") == content  # nothing rewritten


def test_a_file_an_editor_started_with_a_byte_order_mark_is_read(cfg: Path, tmp_path: Path) -> None:
    cfg.write_bytes(
        b'\xef\xbb\xbf[profiles.brand]\nnetwork = "sandbox"\naccount = "brand"\n'
        + f'path = "{tmp_path / "s.db"}"\n'.encode()
    )
    assert config.profile_names() == ["brand"]
    assert ds.connect(profile="brand").settings.account == "brand"
    config.save_profile("other", {"network": "sandbox"})
    assert config.profile_names() == ["brand", "other"]


def test_a_state_path_holding_a_nul_is_refused_when_connecting(cfg: Path) -> None:
    """TOML can write a NUL (``\\u0000``); no file is named by one, so the first publish would crash."""
    pytest.importorskip("mastodon", reason="the mastodon extra is not installed")
    cfg.write_text(
        '[profiles.brand]\nnetwork = "mastodon"\nbase_url = "https://mastodon.example"\n'
        f'access_token = "{TOKEN}"\nstate_path = "state\\u0000.db"\n',
        encoding="utf-8",
    )
    with pytest.raises(ds.ConfigurationError, match="state_path") as info:
        ds.connect(profile="brand")
    assert TOKEN not in str(info.value)
