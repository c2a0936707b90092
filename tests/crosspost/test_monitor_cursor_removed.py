"""The cursor file's own failures while a monitor runs: a file removed under it is written afresh (a
snapshot with its format mark, never a bare entry line), and another monitor holding its lock past the
wait is a retryable ``NetworkUnavailable``, while the config file's lock keeps its own words."""

from __future__ import annotations

import json
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import decentsocial as ds
import decentsocial.private_files as private_files
from decentsocial.config import save_profile
from decentsocial.models import Account, Post
from decentsocial.monitor_state import CURSOR_FORMAT, CursorFile
from decentsocial.private_files import exclusive

KEY = "mastodon:brand"


def post(n: int) -> Post:
    at = datetime.now(timezone.utc) - timedelta(minutes=10 - n)
    return Post(
        network="mastodon",
        id=f"p{n}",
        author=Account(network="mastodon", id="a", handle="a"),
        text="hi",
        created_at=at,
    )


def record(cursors: CursorFile, n: int) -> None:
    item = post(n)
    cursors.cursor(KEY, "mastodon", None).note(item)
    cursors.record(KEY, item)


def test_a_cursor_file_removed_while_a_monitor_runs_is_written_afresh(tmp_path: Path) -> None:
    path = tmp_path / "monitor.json"
    cursors = CursorFile.load(path)
    record(cursors, 1)
    record(cursors, 2)
    path.unlink()  # a clean-up job, or someone resetting the monitor by hand
    record(cursors, 3)
    record(cursors, 4)  # appended to the snapshot written in its place
    cursors.close()

    first = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    assert first["format"] == CURSOR_FORMAT
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = CursorFile.load(path)  # the next start reads it
    assert set(again.cursors[KEY].seen) == {"p1", "p2", "p3", "p4"}


def test_a_cursor_lock_held_past_the_wait_is_a_retryable_network_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(private_files, "LOCK_WAIT", 0.2)
    path = tmp_path / "monitor.json"
    cursors = CursorFile.load(path)
    record(cursors, 1)
    # Another monitor sharing the file, stuck while it holds the lock:
    with exclusive(path), pytest.raises(ds.NetworkUnavailable, match="held by another monitor") as caught:
        record(cursors, 2)
    assert caught.value.retryable
    assert str(path) in str(caught.value)
    record(cursors, 3)  # the lock free again: the monitor goes on
    cursors.save()  # the cursor in memory kept the post whose line could not be written
    cursors.close()
    assert {"p1", "p2", "p3"} <= set(CursorFile.load(path).cursors[KEY].seen)
    new = tmp_path / "new.json"
    with exclusive(new), pytest.raises(ds.NetworkUnavailable, match="held by another monitor"):
        CursorFile.load(new)  # written when loaded: busy, not a place it cannot be


def test_the_config_file_lock_held_past_the_wait_keeps_its_configuration_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(private_files, "LOCK_WAIT", 0.2)
    config = tmp_path / "config.toml"
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", str(config))
    with exclusive(config), pytest.raises(ds.ConfigurationError, match="being changed by another process"):
        save_profile("brand", {"network": "sandbox"})
    save_profile("brand", {"network": "sandbox"})
    assert 'network = "sandbox"' in config.read_text(encoding="utf-8")
