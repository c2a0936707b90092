"""The shared idempotency store: one key, one content; many processes, one winner."""

from __future__ import annotations

import multiprocessing
import pickle
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from decentsocial import errors, state
from decentsocial.paging import Page, paginate
from decentsocial.state import StateStore, use_wal

from ..handles import open_handles


def _claim(path: str, barrier: Any, results: Any) -> None:
    store = StateStore(Path(path))
    barrier.wait()
    results.put(store.claim("mastodon:brand", "publish:launch", "digest-1") is None)


def test_many_processes_claiming_one_key_have_exactly_one_first(tmp_path: Path) -> None:
    # Six processes open a new file together (each switching it to WAL), then claim one key.
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(6, timeout=60)  # a worker that dies early cannot strand the rest
    results = context.Queue()
    workers = [
        context.Process(target=_claim, args=(str(tmp_path / "s.db"), barrier, results), daemon=True)
        for _ in range(6)
    ]
    try:
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=90)
            assert worker.exitcode == 0
        firsts = [results.get(timeout=5) for _ in workers]
        assert firsts.count(True) == 1
    finally:
        for worker in workers:  # never leave a child for the interpreter's exit to wait on
            if worker.is_alive():
                worker.kill()


def test_a_store_held_open_for_days_forgets_month_old_records_as_opening_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = StateStore(tmp_path / "s.db")
    store.claim("scope", "old", "d")
    store.claim("scope", "recent", "d")
    crisis = {"active": True}
    assert store.swap("scope", "kept", None, crisis, "d", keep=True)
    identity = store.identity
    with sqlite3.connect(tmp_path / "s.db") as other:  # "old" was claimed 31 days ago
        other.execute(
            "UPDATE records SET saved_at = ? WHERE key = 'old'", (time.time() - state.KEEP_SECONDS - 86400,)
        )
    other.close()
    store.claim("scope", "today", "d")  # less than a day since it was opened: nothing forgotten yet
    assert store.get("scope", "old") is not None
    monkeypatch.setattr(state, "FORGET_EVERY", 0.0, raising=False)  # a day has gone by
    store.claim("scope", "tomorrow", "d")
    assert store.get("scope", "old") is None  # a retry a month later is a new publish
    assert sorted(key for key, _, _ in store.items("scope")) == ["kept", "recent", "today", "tomorrow"]
    assert store.get("scope", "kept") == ("d", crisis)
    assert store.identity == identity


def test_one_key_one_content(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "s.db")
    assert store.claim("scope", "k", "d1") is None
    assert store.claim("scope", "k", "d1") == {}
    assert store.claim("other-account", "k", "d2") is None  # scoped by target
    with pytest.raises(ds.InvalidInput, match="already used with different content"):
        store.claim("scope", "k", "d2", network="nostr")


def test_the_file_is_private_and_holds_no_secret(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    StateStore(path).put("scope", "k", "d", {"post_id": "1"})
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_file_that_is_not_a_store_is_a_configuration_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("these are my notes, not a database" * 100)
    with pytest.raises(ds.ConfigurationError, match="not a decentsocial state file"):
        StateStore(path)
    assert open_handles(path) == 0  # the refused file is not held open


def test_publish_with_a_reused_key_and_other_text_is_refused_everywhere(tmp_path: Path) -> None:
    with ds.connect(
        "sandbox", path=tmp_path / "a.db", account="alice", state_path=tmp_path / "s.db"
    ) as alice:
        first = alice.publish(ds.Draft(text="v1", idempotency_key="k"))
        assert alice.publish(ds.Draft(text="v1", idempotency_key="k")).id == first.id
        with pytest.raises(ds.InvalidInput, match="different content") as caught:
            alice.publish(ds.Draft(text="v2", idempotency_key="k"))
        assert caught.value.network == "sandbox"
        with pytest.raises(ds.InvalidInput):
            alice.publish(ds.Draft(text="v1", idempotency_key="   "))


def test_a_restart_remembers_keys(tmp_path: Path) -> None:
    def connect() -> Any:
        return ds.connect("sandbox", path=tmp_path / "a.db", account="alice", state_path=tmp_path / "s.db")

    with connect() as alice:
        alice.publish(ds.Draft(text="v1", idempotency_key="k"))
    StateStore._open.clear()  # as a new process would find it
    with connect() as again, pytest.raises(ds.InvalidInput):
        again.publish(ds.Draft(text="v2", idempotency_key="k"))


# ---------------------------------------------------------------- paging that cannot run for ever


def test_a_repeated_cursor_is_a_typed_error() -> None:
    def fetch(cursor: str | None, size: int) -> Page[int, str]:
        return Page([1, 2], "same")  # a server that always says "next: same"

    with pytest.raises(ds.NetworkUnavailable, match="same page cursor twice") as caught:
        list(paginate(fetch, limit=None, page_size=2, network="minds"))
    assert caught.value.network == "minds"


def test_more_pages_than_allowed_is_a_typed_error() -> None:
    def fetch(cursor: int | None, size: int) -> Page[int, int]:
        n = (cursor or 0) + 1
        return Page([n], n)

    assert len(list(paginate(fetch, limit=50, page_size=1, max_pages=50))) == 50
    with pytest.raises(ds.NetworkUnavailable, match="past 50 pages"):
        list(paginate(fetch, limit=None, page_size=1, max_pages=50, network="hive"))


# ---------------------------------------------------------------- errors travel between processes


@pytest.mark.parametrize("name", [n for n in errors.__all__ if isinstance(getattr(errors, n), type)])
def test_every_error_pickles(name: str) -> None:
    cls = getattr(errors, name)
    if cls is errors.UnsupportedFeature:
        original: errors.DecentSocialError = cls("threads", ds.Capability.POLL, "no polls")
    elif cls is errors.RateLimited:
        original = cls("slow down", retry_after=3.5, network="mastodon", server_message="429")
    else:
        original = cls("it broke", network="bluesky", server_message="server words", retryable=True)
    copy = pickle.loads(pickle.dumps(original))
    assert type(copy) is cls
    assert str(copy) == str(original)
    assert copy.__dict__ == original.__dict__


def test_keys_that_cannot_be_text_are_invalid_input(tmp_path: Path) -> None:
    from decentsocial.coerce import as_datetime, as_float

    assert as_float(10**400) is None  # too large for a float: unreadable, not OverflowError
    assert as_datetime(10**400) is None
    with pytest.raises(ds.InvalidInput, match="idempotency_key is not valid Unicode"):
        ds.Draft(text="x", idempotency_key="half \ud83d")
    with ds.connect("sandbox", path=tmp_path / "a.db", state_path=tmp_path / "s.db") as net:
        with pytest.raises(ds.InvalidInput, match="lone surrogate"):
            net.tip("someone", "1.000 SAND", idempotency_key="tip \udc00")
        assert net.publish(ds.Draft(text="any script", idempotency_key="ключ 🔑")).text == "any script"


def _held_writer(path: Path) -> sqlite3.Connection:
    """A connection in the middle of a write on a new rollback-journal file."""
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("CREATE TABLE t (x)")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO t VALUES (1)")
    return writer


def test_switching_to_wal_waits_for_another_connections_write(tmp_path: Path) -> None:
    writer = _held_writer(tmp_path / "w.db")
    reader = sqlite3.connect(tmp_path / "w.db", timeout=5.0, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError, match="locked"):  # SQLite's own answer: at once, no wait
        reader.execute("PRAGMA journal_mode=WAL")
    release = threading.Timer(0.3, writer.execute, ("COMMIT",))
    release.start()
    use_wal(reader, 10.0)
    release.join()
    assert reader.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert reader.execute("SELECT x FROM t").fetchall() == [(1,)]  # the other write was kept
    reader.close()
    writer.close()


def test_switching_to_wal_gives_up_after_its_timeout(tmp_path: Path) -> None:
    writer = _held_writer(tmp_path / "w.db")
    reader = sqlite3.connect(tmp_path / "w.db", isolation_level=None)
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        use_wal(reader, 0.3)
    assert time.monotonic() - started < 5
    writer.execute("ROLLBACK")
    reader.close()
    writer.close()


def test_a_store_held_by_another_process_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "state.db"
    writer = _held_writer(path)  # a new file, still in the rollback journal, mid-write
    monkeypatch.setattr(state, "_TIMEOUT", 0.3)
    with pytest.raises(ds.ConfigurationError, match=r"stayed locked by another process for 0\.3 s") as caught:
        StateStore(path)
    assert "not a decentsocial state file" not in caught.value.message
    writer.execute("ROLLBACK")
    writer.close()
    # The store let go of the file (SQLite itself keeps a closed connection's descriptor while
    # another connection of the process holds a lock on the file, so this is counted after).
    assert open_handles(path) == 0
    StateStore(path).put("scope", "k", "d", {})  # once the other process is done, the file opens


def _locked_store(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[StateStore, sqlite3.Connection]:
    """A store (waiting 0.3 s for locks) and another connection holding the file's write lock."""
    monkeypatch.setattr(state, "_TIMEOUT", 0.3)
    store = StateStore(path)
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    return store, other


def test_a_claim_the_store_cannot_make_is_a_typed_error_that_records_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, other = _locked_store(tmp_path / "s.db", monkeypatch)
    with pytest.raises(ds.NetworkUnavailable, match=r"stayed locked by another process for 0\.3 s") as caught:
        store.claim("scope", "k", "d", network="threads")
    assert "nothing was sent" in caught.value.message
    assert caught.value.network == "threads"
    assert not caught.value.retryable  # the retry policy does not repeat it on its own
    assert isinstance(caught.value.__cause__, sqlite3.OperationalError)
    other.execute("ROLLBACK")
    other.close()
    assert store.claim("scope", "k", "d") is None  # the failed claim left nothing behind


def test_a_record_the_store_cannot_write_is_a_typed_error_and_the_store_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, other = _locked_store(tmp_path / "s.db", monkeypatch)
    with pytest.raises(ds.NetworkUnavailable, match=r"idempotency store .* stayed locked"):
        store.put("scope", "k", "d", {"post_id": "1"})
    other.execute("ROLLBACK")
    other.close()
    store.put("scope", "k", "d", {"post_id": "1"})  # no transaction was left open
    assert store.get("scope", "k") == ("d", {"post_id": "1"})


def test_a_key_the_store_cannot_give_back_stays_claimed_and_the_refusal_stays_the_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(state, "_TIMEOUT", 0.3)
    with ds.connect("sandbox", path=tmp_path / "a.db", account="alice", state_path=tmp_path / "s.db") as net:
        assert net.claim_key("tip", "k", "d") is None
        other = sqlite3.connect(tmp_path / "s.db", isolation_level=None, check_same_thread=False)

        def refused() -> str:  # a write the server refused, while another process holds the store
            other.execute("BEGIN IMMEDIATE")
            raise ds.ContentRejected("over the balance", network="sandbox")

        with pytest.raises(ds.ContentRejected, match="over the balance"):
            net._keyed(refused, "tip", "k", True)
        assert "stayed locked" in caplog.text
        assert "the key 'tip:k' stays claimed" in caplog.text
        other.execute("ROLLBACK")
        other.close()
        assert net.claim_key("tip", "k", "d") == {}  # still claimed: the same tip again resumes


def test_a_store_that_cannot_be_made_there_says_so(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    (tmp_path / "a-folder.db").mkdir()
    for path in (tmp_path / "a-file" / "state.db", tmp_path / "a-folder.db"):
        with pytest.raises(ds.ConfigurationError, match="cannot be used as a decentsocial state file"):
            StateStore(path)


def test_a_full_disk_under_an_open_store_is_a_typed_error_naming_the_step(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "full.db", isolation_level=None)
    db.execute("CREATE TABLE t (x BLOB)")
    db.execute("PRAGMA max_page_count = 4")  # SQLite's own "database or disk is full", as on a full disk
    lock = threading.Lock()
    with (
        pytest.raises(
            ds.NetworkUnavailable, match=r"^the test store \S+ failed while writing \(.*full"
        ) as caught,
        state.store_failures(f"the test store {tmp_path / 'full.db'}", "writing", 30.0),
        state.immediate_transaction(db, lock),
    ):
        db.execute("INSERT INTO t VALUES (zeroblob(100000))")
    assert not caught.value.retryable  # only a lock held elsewhere is worth another try as it is
    assert isinstance(caught.value.__cause__, sqlite3.OperationalError)
    assert not db.in_transaction  # rolled back
    assert db.execute("SELECT count(*) FROM t").fetchone() == (0,)
    db.close()


def test_a_lease_holds_off_other_owners_until_it_ends_and_is_taken_over_after(tmp_path: Path) -> None:
    """How one keyed publish runs alone: a holder that died is taken over once its lease has ended."""
    store = StateStore(tmp_path / "s.db")
    assert store.take_lease("leases:t", "k", "a", until=110.0, now=100.0) is None
    assert store.take_lease("leases:t", "k", "b", until=150.0, now=105.0) == 110.0  # held by a
    assert store.take_lease("leases:t", "k", "a", until=120.0, now=105.0) is None  # its own: renewed
    assert store.take_lease("leases:t", "k", "b", until=150.0, now=121.0) is None  # a's has ended
    store.end_lease("leases:t", "k", "a")  # a late release by the old holder leaves b's lease alone
    assert store.take_lease("leases:t", "k", "c", until=160.0, now=130.0) == 150.0
    store.end_lease("leases:t", "k", "b")
    assert store.take_lease("leases:t", "k", "c", until=160.0, now=130.0) is None
    assert store.take_lease("leases:t", "other", "d", until=160.0, now=130.0) is None  # per key
