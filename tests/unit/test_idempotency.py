"""The shared idempotency record (decentsocial.idempotency): resume, remember, finish, and the file."""

from __future__ import annotations

import gc
import json
import weakref
from dataclasses import dataclass
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial.idempotency import PublishLog, PublishRecord, draft_digest, may_have_happened


@dataclass(kw_only=True)
class Record(PublishRecord):
    container_id: str
    created_at: float


def make(draft: ds.Draft, container: str = "c1") -> Record:
    return Record(container_id=container, created_at=1.0, digest=draft_digest(draft), text=draft.text)


def test_resume_gives_the_record_of_the_same_draft(tmp_path: Path) -> None:
    log = PublishLog(Record, tmp_path / "state.db", network="demo")
    draft = ds.Draft(text="once", idempotency_key="k")
    assert log.resume("k", draft) is None
    record = log.remember("k", make(draft))
    assert log.resume("k", draft) is record
    assert log.resume(None, draft) is None


def test_one_key_is_one_draft(tmp_path: Path) -> None:
    log = PublishLog(Record, tmp_path / "state.db", network="demo")
    log.remember("k", make(ds.Draft(text="once")))
    with pytest.raises(ds.InvalidInput, match="different draft") as info:
        log.resume("k", ds.Draft(text="another"))
    assert info.value.network == "demo"


def test_no_key_remembers_nothing(tmp_path: Path) -> None:
    log = PublishLog(Record, tmp_path / "state.db", network="demo")
    record = log.remember(None, make(ds.Draft(text="x")))
    assert log.records() == []
    log.finish(record, "p1")  # still fine: the publish goes on without a record
    assert record.post_id == "p1"


def test_finish_claimed_and_drop(tmp_path: Path) -> None:
    log = PublishLog(Record, tmp_path / "state.db", network="demo")
    a = log.remember("a", make(ds.Draft(text="a")))
    b = log.remember("b", make(ds.Draft(text="b")))
    log.finish(a, "post-a")
    assert log.claimed() == {"post-a"}
    log.drop(b)
    assert log.get("b") is None
    assert log.get("a") == a  # read back from the store: the log let go of it when it was finished


def test_a_log_holds_only_the_records_in_flight(tmp_path: Path) -> None:
    """A bot's keyed posts stay in the store: the log's memory does not grow with each one."""
    log = PublishLog(Record, tmp_path / "state.db", network="demo")
    finished, dropped = [], []
    for i in range(200):
        record = log.remember(f"k{i}", make(ds.Draft(text=f"post {i}")))
        if i % 4:
            log.finish(record, f"post-{i}")
            finished.append(weakref.ref(record))
        else:
            log.drop(record)
            dropped.append(weakref.ref(record))
    in_flight = log.remember("open", make(ds.Draft(text="still going")))
    del record
    gc.collect()
    assert [r for r in finished + dropped if r() is not None] == []
    assert log.get("open") is in_flight  # one object while in flight, so finish() can name it
    expected = make(ds.Draft(text="post 1"))
    expected.post_id = "post-1"
    assert log.get("k1") == expected
    assert log.get("k0") is None
    assert len(log.claimed()) == 150
    log.finish(in_flight, "post-open")
    read_back = log.get("open")
    assert read_back == in_flight
    assert read_back is not in_flight


def test_a_record_finished_by_another_process_is_let_go(tmp_path: Path) -> None:
    here = PublishLog(Record, tmp_path / "state.db", network="demo")
    there = PublishLog(Record, tmp_path / "state.db", network="demo")
    record = here.remember("k", make(ds.Draft(text="x")))
    there.finish(there.get("k") or make(ds.Draft(text="y")), "post-k")
    assert here.get("k") is record  # brought up to date in place
    assert record.post_id == "post-k"
    held = weakref.ref(record)
    del record
    gc.collect()
    assert held() is None


def test_records_survive_a_new_process(tmp_path: Path) -> None:
    path = tmp_path / "state" / "state.db"
    draft = ds.Draft(text="resume me", reply_to="42")
    first = PublishLog(Record, path, network="demo")
    record = make(draft)
    record.reply_to = "42"
    first.remember("k", record)
    first.finish(record, "p9")
    again = PublishLog(Record, path, network="demo").resume("k", draft)
    assert again == record
    assert b"secret" not in path.read_bytes()


def test_files_written_before_the_shared_record_still_load(tmp_path: Path) -> None:
    # The format Threads wrote before PublishRecord existed: the same keys, in another order.
    path = tmp_path / "threads.json"
    draft = ds.Draft(text="old file")
    old = {
        "container_id": "c7",
        "created_at": 1764000000.5,
        "digest": draft_digest(draft),
        "text": "old file",
        "reply_to": None,
        "quote_of": None,
        "post_id": "p7",
    }
    path.write_text(json.dumps({"k": {"saved_at": 9e9, "record": old}}))
    record = PublishLog(Record, path, network="demo").resume("k", draft)
    assert record is not None
    assert record.post_id == "p7"
    assert record.container_id == "c7"


def test_an_unreadable_file_is_a_configuration_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    with pytest.raises(ds.ConfigurationError, match="state file"):
        PublishLog(Record, path, network="demo")


def test_old_records_are_forgotten_when_the_store_is_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from decentsocial.state import StateStore

    path = tmp_path / "s.db"
    monkeypatch.setattr("decentsocial.state.time.time", lambda: 1000.0)
    StateStore(path).put("scope", "old", "d", {})
    monkeypatch.setattr("decentsocial.state.time.time", lambda: 1000.0 + 29 * 86400)
    StateStore(path).put("scope", "new", "d", {})
    monkeypatch.setattr("decentsocial.state.time.time", lambda: 1000.0 + 31 * 86400)
    assert [key for key, _, _ in StateStore(path).items("scope")] == ["new"]


def test_a_json_file_from_an_earlier_version_is_converted_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "threads.json"
    draft = ds.Draft(text="old file")
    old = {
        "digest": draft_digest(draft),
        "text": "old file",
        "post_id": "p7",
        "container_id": "c7",
        "created_at": 1.0,
    }
    path.write_text(json.dumps({"k": {"saved_at": 9e9, "record": old}}))
    PublishLog(Record, path, network="demo")
    assert (tmp_path / "threads.json.json-before-sqlite").exists()
    again = PublishLog(Record, path, network="demo").resume("k", draft)  # now read from SQLite
    assert again is not None
    assert again.post_id == "p7"


def test_may_have_happened() -> None:
    assert may_have_happened(ds.NetworkUnavailable("timeout", retryable=False))
    assert not may_have_happened(ds.NetworkUnavailable("never connected", retryable=True, sent=False))
    # Safe to repeat (an Idempotency-Key, a signed transaction) is not "nothing was made".
    assert may_have_happened(ds.NetworkUnavailable("503 after sending", retryable=True))
    assert not may_have_happened(ds.ContentRejected("refused"))
    assert not may_have_happened(ds.RateLimited())
