"""The firehose: the configured server (never a public relay, plain ws only on loopback); stop() ends it."""

from __future__ import annotations

import random
import threading
import time
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.backends.bluesky.firehose import FirehoseReader, firehose_url
from tests.servers._loopback_http import listen


def test_the_firehose_url_is_the_configured_server() -> None:
    assert (
        firehose_url("https://pds.example", network="bluesky", allow_http=False) == "wss://pds.example/xrpc"
    )
    assert (
        firehose_url("http://127.0.0.1:2583", network="bluesky", allow_http=False)
        == "ws://127.0.0.1:2583/xrpc"
    )
    assert (
        firehose_url("wss://relay.example", network="bluesky", allow_http=False) == "wss://relay.example/xrpc"
    )
    with pytest.raises(ds.ConfigurationError):
        firehose_url("http://pds.example", network="bluesky", allow_http=False)  # plain ws off loopback
    with pytest.raises(ds.ConfigurationError):
        firehose_url("", network="bluesky", allow_http=False)  # never empty: the public default


def test_a_bad_firehose_setting_fails_at_connect() -> None:
    with pytest.raises(ds.ConfigurationError):
        ds.connect("bluesky", handle="a.test", password="p", firehose_url="ftp://relay.example")


def _no_post(did: str, uri: str, cid: str, record: dict[str, Any]) -> ds.Post:
    raise AssertionError("no post was sent")


def test_a_stopped_firehose_dials_no_more_and_its_iterator_returns() -> None:
    # A loopback server that hangs up on every connection: the reader keeps reconnecting
    # until stop(), then must not dial again, end its thread, and leave the program's
    # global random state alone (the reconnect jitter is the library's own).
    dials: list[float] = []
    state = random.getstate()
    with listen(lambda conn: dials.append(time.monotonic())) as port:
        reader = FirehoseReader(f"ws://127.0.0.1:{port}/xrpc", network="bluesky")
        got: list[Any] = []
        consumer = threading.Thread(target=lambda: got.extend(reader.posts(_no_post, tag=None)))
        consumer.start()
        end = time.monotonic() + 15
        while len(dials) < 2 and time.monotonic() < end:
            time.sleep(0.02)
        assert len(dials) >= 2, "the reader did not reconnect after the server hung up"
        reader.stop()
        stopped = time.monotonic()
        consumer.join(timeout=5)
        assert not consumer.is_alive(), "the iterator did not return after stop()"
        assert reader.thread is not None
        reader.thread.join(timeout=5)
        assert not reader.thread.is_alive(), "the reading thread still runs after stop()"
        time.sleep(1.5)  # longer than the reconnect wait
    assert [t for t in dials if t > stopped] == []
    assert got == []
    assert random.getstate() == state


def test_a_reader_stopped_before_it_is_read_never_connects() -> None:
    reader = FirehoseReader("ws://127.0.0.1:9/xrpc", network="bluesky")
    reader.stop()
    assert list(reader.posts(_no_post, tag=None)) == []
    assert reader.thread is None
