"""``monitor`` and its cursor at the edges: quiet first runs, hostile dates, torn lines, shared files,
look-alike mentions, full-width hashtags and out-of-range arguments. Real sandboxes, or the in-process
relay of ``relay.py`` where a post's date must be the author's choice."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial.backends.sandbox import SandboxNetwork
from decentsocial.models import Account, Post
from decentsocial.monitor_state import CURSOR_FORMAT, CursorFile, Watch

from .relay import Relay
from .test_monitor import between_polls

Sandbox = Callable[..., SandboxNetwork]
LONG_AGO = datetime(2000, 1, 1, tzinfo=timezone.utc)


def now() -> datetime:
    return datetime.now(timezone.utc)


def test_a_restart_after_a_quiet_first_run_yields_what_came_meanwhile(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    brand = sandbox("one", account="brand")
    fan = sandbox("one", account="fan")
    cursor = tmp_path / "monitor.json"
    fan.publish("unrelated chatter")
    assert list(ds.monitor([brand], ["acme"], cursor=cursor, interval=0, max_polls=2)) == []
    meanwhile = fan.publish("acme, said while the monitor was down")
    again = list(ds.monitor([brand], ["acme"], cursor=cursor, interval=0, max_polls=2))
    assert [p.id for p in again] == [meanwhile.id]


def test_since_with_a_cursor_never_yields_an_older_post(sandbox: Sandbox, tmp_path: Path) -> None:
    brand = sandbox("one", account="brand")
    cursor = tmp_path / "monitor.json"
    brand.publish("acme, before since")
    brand.advance_time(timedelta(seconds=1))
    since = brand.current_time()
    assert list(ds.monitor([brand], ["acme"], cursor=cursor, since=since, max_polls=1)) == []
    assert list(ds.monitor([brand], ["acme"], cursor=cursor, since=since, max_polls=1)) == []
    # The position is ``since``: started again without it, the monitor catches up from there.
    later = brand.publish("acme, after since")
    assert [p.id for p in ds.monitor([brand], ["acme"], cursor=cursor, max_polls=1)] == [later.id]


def test_a_post_dated_in_the_future_hides_no_later_post(tmp_path: Path) -> None:
    relay = Relay()
    cursor = tmp_path / "monitor.json"

    def before_poll_2() -> None:
        relay.add("real-1", "acme is great", now())
        relay.add("spam", "acme from the year 2100", datetime(2100, 1, 1, tzinfo=timezone.utc))

    def before_poll_3() -> None:
        relay.add("real-2", "acme again", now())

    steps = between_polls(lambda: None, before_poll_2, before_poll_3)
    found = list(ds.monitor([relay], ["acme"], cursor=cursor, interval=0, max_polls=3, stop=steps))
    assert [p.id for p in found] == ["real-1", "real-2"]
    relay.add("real-3", "acme after a restart", now())
    assert [p.id for p in ds.monitor([relay], ["acme"], cursor=cursor, max_polls=1)] == ["real-3"]


def test_a_cursor_saved_with_a_future_position_is_read_as_now(tmp_path: Path) -> None:
    relay = Relay()
    cursor = tmp_path / "monitor.json"
    future = "2100-01-01T00:00:00+00:00"
    entry = {"network": "relay", "newest_id": "spam", "newest_at": future, "horizon": future, "seen": []}
    snapshot = {"format": CURSOR_FORMAT, "networks": {"relay:local": entry}}
    cursor.write_text(json.dumps(snapshot) + "\n", encoding="utf-8")
    steps = between_polls(lambda: None, lambda: relay.add("real", "acme, a genuine post", now()))
    found = list(ds.monitor([relay], ["acme"], cursor=cursor, interval=0, max_polls=2, stop=steps))
    assert [p.id for p in found] == ["real"]


def test_posts_at_the_ends_of_the_calendar_are_not_fatal(tmp_path: Path) -> None:
    relay = Relay()
    relay.add("last", "acme", datetime.fromtimestamp(253402300799, tz=timezone.utc))  # 9999-12-31T23:59:59Z
    relay.add("first", "acme from year 1", datetime(1, 1, 1, 0, 30, tzinfo=timezone.utc))
    assert list(ds.monitor([relay], ["acme"], interval=0, max_polls=2)) == []  # the baseline notes them
    found = list(ds.monitor([relay], ["acme"], since=datetime(1, 1, 1, tzinfo=timezone.utc), max_polls=1))
    assert [p.id for p in found] == ["first"]  # year 9999 is too far ahead to be taken
    # A cursor file whose line is dated year 1 loads; one nested too deep for JSON is not a cursor.
    year_one = tmp_path / "year-one.json"
    line = {"k": "relay:local", "n": "relay", "id": "x", "at": "0001-01-01T00:00:00+00:00"}
    snapshot = {"format": CURSOR_FORMAT, "networks": {}}
    year_one.write_text(json.dumps(snapshot) + "\n" + json.dumps(line) + "\n", encoding="utf-8")
    found = list(ds.monitor([relay], ["acme"], cursor=year_one, max_polls=1))
    assert [p.id for p in found] == ["first"]  # the position is year 1: what came after it is new
    nested = tmp_path / "nested.json"
    nested.write_text("[" * 100_000, encoding="utf-8")
    with pytest.raises(ds.InvalidInput, match="not a monitor cursor file"):
        ds.monitor([relay], ["acme"], cursor=nested, max_polls=1)


def test_a_torn_last_line_cutting_a_character_is_ignored(tmp_path: Path) -> None:
    folder = tmp_path / "données"
    cursor = folder / "monitor.json"
    with ds.connect("sandbox", path=folder / "s.db", account="alice") as alice:
        first = alice.publish("acme one")
        assert [p.id for p in ds.monitor([alice], ["acme"], cursor=cursor, since=LONG_AGO, max_polls=1)] == [
            first.id
        ]
        line = json.dumps({"k": f"sandbox:{alice.identity}", "n": "sandbox", "id": "x"}, ensure_ascii=False)
        data = line.encode("utf-8")
        with cursor.open("ab") as file:
            file.write(data[: data.index("é".encode()) + 1])  # the crash came inside the 'é'
        second = alice.publish("acme two")
        assert [p.id for p in ds.monitor([alice], ["acme"], cursor=cursor, max_polls=1)] == [second.id]


def test_two_monitors_sharing_a_cursor_file_keep_both_positions(sandbox: Sandbox, tmp_path: Path) -> None:
    nets = [sandbox("a", account="brand"), sandbox("b", account="brand")]
    cursor = tmp_path / "monitor.json"
    for net in nets:
        for n in range(5):
            net.publish(f"acme {n}")
    CursorFile.load(cursor).close()  # the file both services are pointed at exists already
    both_running = threading.Barrier(2, timeout=30)
    counts: dict[str, int] = {}
    failures: list[BaseException] = []

    def run(net: SandboxNetwork) -> None:
        try:
            posts = ds.monitor([net], ["acme"], cursor=cursor, since=LONG_AGO, max_polls=1)
            first = next(posts)
            both_running.wait()
            counts[net.identity] = len([first, *posts])
        except BaseException as exc:
            both_running.abort()
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(net,)) for net in nets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert sorted(counts.values()) == [5, 5]
    saved = json.loads(cursor.read_text(encoding="utf-8").splitlines()[0])
    assert sorted(saved["networks"]) == sorted(f"sandbox:{net.identity}" for net in nets)
    for net in nets:
        assert list(ds.monitor([net], ["acme"], cursor=cursor, since=LONG_AGO, max_polls=1)) == []


def test_a_mention_of_a_look_alike_account_is_someone_else(sandbox: Sandbox) -> None:
    brand = sandbox("one", account="acme")
    fan = sandbox("one", account="fan")
    for handle in ("acme-shop", "acme.corp", "acmecorp"):
        sandbox("one", account=handle).publish("hello")
    fan.publish("thanks @acme-shop for the delivery")
    fan.publish("loving @acme.corp products")
    fan.publish("hello @acmecorp")
    meant = fan.publish("hey @acme, question")
    found = list(ds.monitor([brand], mentions_of="@acme", since=LONG_AGO, max_polls=1))
    assert [p.id for p in found] == [meant.id]
    # A named server is required: the same name on another server is another account.
    watch = Watch(mentions_of="acme@mastodon.social")
    author = Account(network="mastodon", id="9", handle="fan@example.org")

    def post(text: str, mentions: tuple[str, ...]) -> Post:
        return Post(network="mastodon", id="1", author=author, text=text, mentions=mentions, created_at=now())

    assert not watch.wants(post("@acme@evil.example hi", ("acme@evil.example",)), lambda p: None)
    assert not watch.wants(post("@acme@evil.example hi", ()), lambda p: None)
    assert watch.wants(post("@acme@mastodon.social hi", ()), lambda p: None)
    assert watch.wants(post("thanks @acme.", ()), lambda p: None)  # a trailing full stop ends the handle


def test_a_full_width_hash_keyword_is_a_hashtag(sandbox: Sandbox) -> None:
    alice = sandbox("one", account="alice")
    bob = sandbox("one", account="bob")
    posted: list[str] = []
    steps = between_polls(lambda: None, lambda: posted.append(bob.publish("launch day #acme").id))
    found = list(ds.monitor([alice], ["＃acme"], interval=0, max_polls=2, stop=steps))
    assert [p.id for p in found] == posted
    assert Watch(keywords=ds.monitor_state.check_keywords("＃Acme")).tags == ("acme",)


def test_out_of_range_and_ill_typed_arguments_are_invalid_input(sandbox: Sandbox) -> None:
    alice = sandbox("one", account="alice")
    calls: list[Callable[[], object]] = [
        lambda: ds.monitor([alice], ["acme"], interval=float("nan")),
        lambda: ds.monitor([alice], ["acme"], interval=float("inf")),
        lambda: ds.monitor([alice], ["acme"], interval=1e12),  # past threading.TIMEOUT_MAX
        lambda: ds.monitor([alice], ["acme"], max_polls="3"),  # type: ignore[arg-type]
        lambda: ds.monitor([alice], 123),  # type: ignore[arg-type]
        lambda: ds.monitor([alice], ["acme"], stop="yes"),  # type: ignore[arg-type]
        lambda: ds.monitor(alice, ["acme"]),  # type: ignore[arg-type]
        lambda: ds.monitor([alice], ["acme"], since=datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5)))),
    ]
    for call in calls:
        with pytest.raises(ds.InvalidInput):
            call()
