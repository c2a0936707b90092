"""Audit of the exactly-once machinery: the JSON log of earlier versions is never forgotten on its
way into the store, and a server's odd ``Date`` or a huge wait is a wait, never a crash."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from decentsocial import idempotency
from decentsocial.idempotency import PublishLog, PublishRecord, draft_digest
from decentsocial.retry import parse_retry_after, retry_after_from_headers
from decentsocial.state import StateStore
from decentsocial.stopping import wait


@dataclass(kw_only=True)
class Record(PublishRecord):
    container_id: str


DRAFT = ds.Draft(text="made before the upgrade")


def write_json_log(path: Path) -> None:
    """The file earlier versions kept: the key's publish had made post p7."""
    old = {"digest": draft_digest(DRAFT), "text": DRAFT.text, "post_id": "p7", "container_id": "c7"}
    path.write_text(json.dumps({"k": {"saved_at": 9e9, "record": old}}))


def test_a_crash_while_the_json_log_is_imported_forgets_no_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "threads.json"
    write_json_log(path)
    real_put = StateStore.put

    def crash(self: StateStore, *args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt  # the process stops after moving the file, before its records are in

    monkeypatch.setattr(StateStore, "put", crash)
    with pytest.raises(KeyboardInterrupt):
        PublishLog(Record, path, network="demo")
    monkeypatch.setattr(StateStore, "put", real_put)

    record = PublishLog(Record, path, network="demo").resume("k", DRAFT)  # the next start
    assert record is not None, "the key was forgotten: its publish would be made a second time"
    assert record.post_id == "p7"


def test_two_processes_converting_one_json_log_both_find_its_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "threads.json"
    write_json_log(path)
    real_read = idempotency._read_json_log
    raced: list[bool] = []

    def read_then_lose_the_race(where: Path, network: str) -> dict[str, dict[str, Any]]:
        data = real_read(where, network)
        if not raced:  # another process converts the file between our read and our move
            raced.append(True)
            PublishLog(Record, path, network="demo")
        return data

    monkeypatch.setattr(idempotency, "_read_json_log", read_then_lose_the_race)
    log = PublishLog(Record, path, network="demo")
    record = log.resume("k", DRAFT)
    assert record is not None
    assert record.post_id == "p7"
    kept = tmp_path / "threads.json.json-before-sqlite"
    assert json.loads(kept.read_text())["k"]["record"]["post_id"] == "p7", "the log was overwritten"
    found = StateStore(path.resolve()).get("records:demo", "k")  # the file itself, as a new process opens it
    assert found is not None, "the records went into a store that is no longer at the state path"


def test_a_json_log_nested_too_deep_is_a_configuration_error(tmp_path: Path) -> None:
    path = tmp_path / "threads.json"
    path.write_text('{"k": ' + "[" * 200_000 + "]" * 200_000 + "}")
    with pytest.raises(ds.ConfigurationError, match="state file"):
        PublishLog(Record, path, network="demo")


#: RFC 5322's "-0000" (local zone unknown): ``parsedate_to_datetime`` reads it as a naive datetime.
NAIVE_DATE = "Sun, 06 Dec 2026 11:20:00 -0000"


def test_a_naive_now_is_read_as_utc() -> None:
    now = parsedate_to_datetime(NAIVE_DATE)
    assert now.tzinfo is None
    assert parse_retry_after("Sun, 06 Dec 2026 11:21:00 GMT", now=now) == 60.0
    assert parse_retry_after("2026-12-06T11:20:30Z", now=now) == 30.0
    aware = datetime(2026, 12, 6, 11, 20, tzinfo=timezone.utc)
    assert parse_retry_after(str(int(aware.timestamp()) + 45), now=now) == 45.0
    assert retry_after_from_headers({"X-RateLimit-Reset": "2026-12-06T11:21:00Z"}, now=now) == 60.0


def test_a_now_past_the_calendar_in_utc_falls_back_to_the_clock() -> None:
    now = parsedate_to_datetime("Fri, 31 Dec 9999 23:59:59 -2359")  # one minute from year 10000 in UTC
    assert parse_retry_after("30", now=now) == 30.0
    seconds = parse_retry_after("Sun, 06 Dec 2026 11:21:00 GMT", now=now)
    assert seconds is not None
    assert seconds >= 0.0


def test_a_mastodon_429_with_a_naive_date_is_rate_limited_not_a_type_error() -> None:
    pytest.importorskip("mastodon")
    from decentsocial.backends.mastodon.failures import wait_from_headers

    headers = {"Date": NAIVE_DATE, "Retry-After": "Sun, 06 Dec 2026 11:20:10 GMT"}
    assert wait_from_headers(headers) == 10.0
    error = ds.errors.from_status(429, network="mastodon", headers=headers, retry_after=wait_from_headers)
    assert isinstance(error, ds.RateLimited)
    assert error.retry_after == 10.0


def test_an_integer_wait_past_any_float_is_unreadable() -> None:
    assert parse_retry_after(10**400) is None


def test_a_wait_longer_than_a_lock_can_wait_ends_when_its_event_is_set() -> None:
    stop = threading.Event()
    timer = threading.Timer(0.05, stop.set)
    timer.start()
    try:
        wait(1e300, stop)  # an accepted poll interval; a lock's wait past TIMEOUT_MAX overflows
    finally:
        timer.cancel()
    assert stop.is_set()


def test_a_process_stopped_between_link_and_unlink_does_not_block_the_next(tmp_path: Path) -> None:
    path = tmp_path / "threads.json"
    write_json_log(path)
    (tmp_path / "threads.json.json-importing").hardlink_to(path)  # what a stopped move leaves
    record = PublishLog(Record, path, network="demo").resume("k", DRAFT)
    assert record is not None
    assert record.post_id == "p7"


@pytest.mark.parametrize("kept", [{"id": 5}, {}, {"id": "p1", "network": "demo", "text": 7}])
def test_a_kept_post_that_cannot_be_read_is_a_configuration_error(kept: dict[str, Any]) -> None:
    with pytest.raises(ds.ConfigurationError, match="cannot read"):
        idempotency.post_of_key({"post": kept}, "k", network="demo")
