"""``worker --once`` (for cron) gives up on a store out of reach, with status 1, instead of waiting for ever.

A long-running worker waits out a store that is down or locked elsewhere. With
``--once`` it waited the same way, for ever: cron started another each minute
and none of them ended. Here another process holds the SQLite store's write
lock throughout; the bound (a minute) is made short for the test.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial import campaign_cli, sqlite_store
from tests.cli._helpers import invoke, write_config

#: When the lock is let go at the latest: a worker still waiting then (as before) ends with status 0.
RELEASED_AFTER = 15.0


def _posts(home: Path) -> list[str]:
    with ds.connect("sandbox", path=home / "s.db", account="brand") as net:
        return [p.text for p in net.posts(limit=None)]


def test_worker_once_gives_up_on_a_store_locked_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = write_config(tmp_path)
    assert invoke(home, "schedule", "Now #camp", "--to", "brand", "--at", "now").exit_code == 0
    monkeypatch.setattr(sqlite_store, "_TIMEOUT", 0.1)
    monkeypatch.setattr(campaign_cli, "ONCE_STORE_WAIT", 0.5, raising=False)  # no bound before the fix
    other = sqlite3.connect(home / "campaign.db", isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another process holds the store's write lock
    released = threading.Event()

    def release() -> None:
        if not released.is_set():
            released.set()
            other.execute("ROLLBACK")
            other.close()

    timer = threading.Timer(RELEASED_AFTER, release)
    timer.start()
    try:
        began = time.monotonic()
        ran = invoke(home, "worker", "--once", "--poll", "0.05")
        took = time.monotonic() - began
        still_locked = not released.is_set()
    finally:
        timer.cancel()
        release()
    assert still_locked, f"worker --once waited {took:.1f} s, until the store was free"  # before: for ever
    assert ran.exit_code == 1, ran.output
    error = ran.stderr.splitlines()
    assert len(error) == 1, ran.stderr
    assert error[0].startswith("error: "), error
    assert "stayed locked" in error[0], error
    assert "worker --once gives up" in error[0]
    assert "trying again in 0.05 s" in " ".join(ran.stdout.split())  # it did wait, a while
    assert _posts(home) == []  # nothing ran, nothing lost: the next run sends it, once
    again = invoke(home, "worker", "--once")
    assert again.exit_code == 0, again.output
    assert _posts(home) == ["Now #camp"]
