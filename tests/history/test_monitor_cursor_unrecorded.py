"""A post the monitor could not record in its cursor file (the lock held by another monitor past its wait,
a full disk) was not handed to the caller, so a monitor started again with that file yields it.

The lock is held here through a descriptor of this process (``flock`` locks are per open file, so the
monitor waits for it as for another process) and let go as the monitor ends, so its final write could
succeed: that write used to save the post as yielded."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial import private_files
from decentsocial.backends.sandbox import SandboxNetwork
from decentsocial.errors import NetworkUnavailable
from decentsocial.monitor_state import CursorFile


@pytest.fixture
def net(tmp_path: Path) -> Iterator[SandboxNetwork]:
    network = ds.connect("sandbox", path=tmp_path / "s.db", account="fan")
    yield network
    network.close()


def test_a_post_whose_line_could_not_be_written_comes_again_after_a_restart(
    net: SandboxNetwork, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cursor = tmp_path / "monitor.json"
    since = datetime.now(timezone.utc) - timedelta(minutes=1)
    sent = [net.publish(f"acme {n}").id for n in range(3)]
    posts = ds.monitor([net], "acme", cursor=cursor, since=since, streams=False, interval=0)
    assert next(posts).id == sent[0]

    monkeypatch.setattr(private_files, "LOCK_WAIT", 0.05)
    holder = os.open(cursor.with_name(cursor.name + ".lock"), os.O_RDWR)
    fcntl.flock(holder, fcntl.LOCK_EX)  # another monitor holds the file
    close = CursorFile.close

    def let_go(store: CursorFile) -> None:  # the other monitor is done as this one ends
        fcntl.flock(holder, fcntl.LOCK_UN)
        close(store)

    monkeypatch.setattr(CursorFile, "close", let_go)
    try:
        with pytest.raises(NetworkUnavailable) as failed:
            next(posts)
    finally:
        os.close(holder)
    assert failed.value.retryable
    monkeypatch.undo()

    again = [p.id for p in ds.monitor([net], "acme", cursor=cursor, streams=False, max_polls=1)]
    assert again == sent[1:]  # the post not handed over comes, and the one handed over does not
