"""A cursor file shared by two monitors, one of them killed in the middle of appending its line."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import decentsocial as ds


def test_a_line_appended_after_another_monitors_torn_line_is_kept(tmp_path: Path) -> None:
    net = ds.connect("sandbox", path=tmp_path / "s.db", account="fan")
    cursor, crashed = tmp_path / "monitor.json", tmp_path / "crashed.json"
    since = datetime.now(timezone.utc) - timedelta(minutes=1)
    try:
        sent = [net.publish(f"acme {n}").id for n in range(3)]
        posts = ds.monitor([net], "acme", cursor=cursor, since=since, streams=False, interval=0)
        got = [next(posts).id, next(posts).id]  # a snapshot, then one appended line
        with open(cursor, "ab") as file:  # another monitor sharing the file, killed while appending
            file.write(b'{"k":"sandbox:elsewhere","n":"sandbox","id":"ab')
        got.append(next(posts).id)  # appended after the torn line
        shutil.copy(cursor, crashed)  # the file as it is if this process dies now
        posts.close()
        later = net.publish("acme after the crash").id
        again = [p.id for p in ds.monitor([net], "acme", cursor=crashed, max_polls=1)]
    finally:
        net.close()
    assert got == sent
    assert again == [later]  # nothing repeated, and the file is still a cursor
