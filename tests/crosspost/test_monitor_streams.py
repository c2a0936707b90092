"""``monitor`` streams first on the sandbox: the cursor file, the bounded buffer, mentions and replies."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from decentsocial import aio
from decentsocial.backends.sandbox import SandboxNetwork
from decentsocial.monitor_state import CURSOR_FORMAT, SEEN_WINDOW_IDS, NetCursor
from decentsocial.testing.contract.monitoring import Running

Sandbox = Callable[..., SandboxNetwork]


def test_a_restart_yields_exactly_what_was_not_yielded(sandbox: Sandbox, tmp_path: Path) -> None:
    """The consumer stops after 3 of 6 posts; 2 more come while it is down; the restart yields the other 5."""
    alice, bob = sandbox("one", account="alice"), sandbox("one", account="bob")
    cursor = tmp_path / "monitor.json"
    watching = Running([alice], keywords=["acme"], cursor=cursor)
    try:
        sent = [bob.publish(f"acme {n}") for n in range(6)]
        first = watching.take({p.id for p in sent[:3]}, 5)
    finally:
        watching.ended.set()
    # The first monitor may have yielded more before it stopped: it saved each one as it went.
    yielded = [p.id for p in first] + [p.id for p in watching.close()]
    assert yielded == [p.id for p in sent[: len(yielded)]]
    sent += [bob.publish(f"acme while down {n}") for n in range(2)]
    again = Running([alice], keywords=["acme"], cursor=cursor)
    try:
        rest = again.take({p.id for p in sent} - set(yielded), 5)
        time.sleep(2.5)  # past the catch-up search that follows the stream's start
        rest += again.close()
    finally:
        again.ended.set()
    assert [p.id for p in rest] == [p.id for p in sent if p.id not in yielded]


def test_a_crash_keeps_every_yielded_post_in_the_cursor(sandbox: Sandbox, tmp_path: Path) -> None:
    """The process dies after 3 of 6 posts, mid-way through writing a line: the restart yields the other 3."""
    alice = sandbox("one", account="alice")
    cursor = tmp_path / "monitor.json"
    since = alice.current_time()
    sent = [alice.publish(f"acme {n}") for n in range(6)]
    posts = ds.monitor([alice], "acme", since=since, cursor=cursor, streams=False, interval=600)
    assert [next(posts).id for _ in range(3)] == [p.id for p in sent[:3]]
    # No close(), no final snapshot: what is on disk is what a crash would leave.
    lines = cursor.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3  # the snapshot written with the first post, then one line per post
    with cursor.open("a", encoding="utf-8") as file:
        file.write('{"k": "sandbox:torn')  # the crash came in the middle of a line
    rest = list(ds.monitor([alice], "acme", cursor=cursor, max_polls=1))
    assert [p.id for p in rest] == [p.id for p in sent[3:]]
    assert len(cursor.read_text(encoding="utf-8").splitlines()) == 1  # compacted when that monitor ended
    posts.close()


def test_a_long_absence_is_caught_up_past_one_page(sandbox: Sandbox, tmp_path: Path) -> None:
    """120 posts came while the monitor was down (a search page is 50): all come back, in order."""
    alice = sandbox("one", account="alice")
    cursor = tmp_path / "monitor.json"
    first = alice.publish("acme first")
    since = first.created_at
    assert [p.id for p in ds.monitor([alice], "acme", since=since, max_polls=1, cursor=cursor)] == [first.id]
    missed = [alice.publish(f"acme while away {n}").id for n in range(120)]
    again = ds.monitor([alice], "acme", max_polls=1, cursor=cursor, per_poll=50)
    assert [p.id for p in again] == missed


def test_the_cursor_file_is_replaced_atomically_and_bounded(sandbox: Sandbox, tmp_path: Path) -> None:
    alice = sandbox("one", account="alice")
    cursor = tmp_path / "monitor.json"
    since = alice.current_time()
    sent = [alice.publish(f"acme {n}") for n in range(5)]
    found = list(ds.monitor([alice], "acme", since=since, max_polls=1, cursor=cursor))
    assert [p.id for p in found] == [p.id for p in sent]
    saved = json.loads(cursor.read_text(encoding="utf-8"))
    (entry,) = saved["networks"].values()
    assert entry["newest_id"] == sent[-1].id
    assert [item[0] for item in entry["seen"]] == [p.id for p in sent]
    assert list(tmp_path.glob(".monitor.json.*")) == []  # no temporary file left behind
    # However many posts, the window stays bounded.
    net_cursor = NetCursor("sandbox")
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    post = found[0]
    step = timedelta(milliseconds=100)  # ten a second: the count bounds the window before time does
    for n in range(SEEN_WINDOW_IDS + 50):
        net_cursor.note(post.model_copy(update={"id": f"p{n}", "created_at": start + n * step}))
    assert len(net_cursor.seen) == SEEN_WINDOW_IDS
    assert not net_cursor.is_new(post.model_copy(update={"id": "p3", "created_at": start + 3 * step}))
    assert not net_cursor.is_new(post.model_copy(update={"id": "p4000", "created_at": start + 4000 * step}))
    assert net_cursor.is_new(post.model_copy(update={"id": "late", "created_at": start + 60 * step}))
    # Slower: the hour bounds it.
    hourly = NetCursor("sandbox")
    for n in range(4000):
        hourly.note(post.model_copy(update={"id": f"p{n}", "created_at": start + timedelta(seconds=n)}))
    assert len(hourly.seen) == 3601
    old = post.model_copy(update={"id": "old", "created_at": start + timedelta(seconds=5)})
    assert not hourly.is_new(old)


def test_a_slow_consumer_loses_nothing_with_a_tiny_buffer(sandbox: Sandbox) -> None:
    alice, bob = sandbox("one", account="alice"), sandbox("one", account="bob")
    stop = threading.Event()
    got: list[str] = []
    ready = threading.Event()
    asked = 0

    def stopping() -> bool:
        nonlocal asked
        asked += 1
        if asked >= 2:
            ready.set()
        return stop.is_set()

    def consume() -> None:
        for post in ds.monitor([alice], ["acme"], buffer=2, stop=stopping):
            got.append(post.id)
            time.sleep(0.05)  # slower than the stream

    worker = threading.Thread(target=consume, daemon=True)
    worker.start()
    assert ready.wait(10)
    sent = [bob.publish(f"acme burst {n}").id for n in range(30)]
    deadline = time.monotonic() + 20
    while len(got) < len(sent) and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    worker.join(10)
    assert got == sent


def test_mentions_and_replies_to_the_brand(sandbox: Sandbox) -> None:
    brand, fan = sandbox("one", account="acme"), sandbox("one", account="fan")
    launch = brand.publish("our launch")
    unrelated = fan.publish("my own post")
    watching = Running([brand], mentions_of="@acme", replies_to=brand.me())
    try:
        wanted = [
            fan.reply(launch, "congrats!"),
            fan.publish("hey @acme, well done"),
            fan.publish("هذا رائع @acme"),  # Arabic, right to left
        ]
        fan.reply(unrelated, "talking to myself")
        fan.publish("@acmecorp is someone else")
        brand.reply(launch, "thanks all")
        got = watching.take({p.id for p in wanted}, 5)
        time.sleep(2.5)
        got += watching.close()
    finally:
        watching.ended.set()
    assert [p.id for p in got] == [p.id for p in wanted]


def test_tags_only_follow_the_tag_stream(sandbox: Sandbox) -> None:
    alice, bob = sandbox("one", account="alice"), sandbox("one", account="bob")
    watching = Running([alice], keywords=["#launch", "#Acme"])
    try:
        wanted = [bob.publish("day one #launch"), bob.publish("#acme rocks")]
        bob.publish("launch without a tag")
        got = watching.take({p.id for p in wanted}, 5)
        time.sleep(0.5)
        got += watching.close()
    finally:
        watching.ended.set()
    assert sorted(p.id for p in got) == sorted(p.id for p in wanted)
    assert {t.name for t in threading.enumerate() if t.name.startswith("decentsocial-monitor")} <= {
        "decentsocial-monitor-sandbox"
    }


def test_bad_input_is_typed_and_before_io(tmp_path: Path) -> None:
    net = ds.connect("sandbox", path=tmp_path / "never.db")
    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"\xff\xfe not json")
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"format": "decentsocial.monitor.cursor/1", "networks": {"x": {"seen": 1}}}))
    options: list[dict[str, Any]] = [
        {"keywords": ["acme"], "cursor": garbage},
        {"keywords": ["acme"], "cursor": wrong},
        {"keywords": ["acme"], "since": datetime.now(timezone.utc) + timedelta(hours=1)},
        {"keywords": ["acme"], "since": "yesterday"},
        {"keywords": ["acme"], "buffer": 0},
        {"keywords": ["acme"], "streams": True, "max_polls": 2},
        {"replies_to": ""},
        {},
    ]
    for kwargs in options:
        with pytest.raises(ds.InvalidInput):
            ds.monitor([net], **kwargs)
    assert not (tmp_path / "never.db").exists()
    net.close()


def test_the_async_mirror_streams_and_resumes(tmp_path: Path) -> None:
    import asyncio

    async def main() -> None:
        async with aio.connect("sandbox", path=tmp_path / "a.db", account="alice") as alice:
            bob = ds.connect("sandbox", path=tmp_path / "a.db", account="bob")
            stop = asyncio.Event()
            got: list[str] = []
            sent: list[str] = []

            async def publish_later() -> None:
                await asyncio.sleep(1.0)
                sent.append(bob.publish("acme from bob").id)

            task = asyncio.create_task(publish_later())
            started = time.monotonic()
            async for post in aio.monitor([alice], ["acme"], stop=stop, cursor=tmp_path / "c.json"):
                got.append(post.id)
                break
            await task
            assert got == sent
            assert time.monotonic() - started < 6
            bob.close()

    asyncio.run(main())


def test_a_cursor_that_cannot_be_written_is_said_before_any_network_is_asked(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    alice = sandbox("one", account="alice")
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(ds.InvalidInput, match=r"cursor .*c\.json' cannot be written there"):
        ds.monitor([alice], "acme", max_polls=1, cursor=tmp_path / "a-file" / "c.json")
    # A new cursor file is written when the monitor is made (no cursor in it yet), and it loads.
    folder = tmp_path / "cursors"
    watching = ds.monitor([alice], "acme", max_polls=1, cursor=folder / "c.json")
    saved = json.loads((folder / "c.json").read_text(encoding="utf-8"))
    assert saved == {"format": CURSOR_FORMAT, "networks": {}}
    # A cursor that can no longer be written while the monitor runs is a typed error naming it.
    for leftover in folder.iterdir():
        leftover.unlink()
    folder.rmdir()
    alice.publish("acme")
    with pytest.raises(ds.NetworkUnavailable, match=r"the monitor cursor .*c\.json cannot be written"):
        list(watching)
