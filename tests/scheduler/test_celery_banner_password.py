"""The Celery worker never shows the broker's password, however it is written in the URL.

kombu masks a password after its colon (``redis://:PASSWORD@host`` is shown ``redis://:**@host``),
but the worker's banner (``transport:``) and its "Cannot connect to …" lines showed a password
written without its colon (``redis://PASSWORD@host``, which redis-py reads as a user name) as
written, where ``repr(Scheduler)`` and the store's errors mask it. Now every URL Celery shows goes
through the same helper (``decentsocial.redis_url.redacted``), and the connection is still made
from the URL as given (read as the store reads it). Real workers on a password-protected
redis-server (loopback).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("celery", reason="the celery extra is not installed")
import redis

from decentsocial.celery_app import make_app
from decentsocial.redis_url import redacted
from tests.scheduler.test_celery import ROOT, RedisServer

PASSWORD = "Qv7Rw2Lz9Kp"
WORKER = [
    *(sys.executable, "-m", "celery", "-A", "decentsocial.celery_app", "worker"),
    *("--pool=solo", "--concurrency=1", "--loglevel=INFO", "-n", "banner@%h"),
    *("--without-heartbeat", "--without-gossip", "--without-mingle"),
]


@pytest.fixture(scope="module")
def server() -> Iterator[RedisServer]:
    started = RedisServer(password=PASSWORD)
    yield started
    started.stop()


def _worker_says(url: str, until: str, log: Path) -> str:
    """What a real worker on ``url`` (store and broker) prints until it says ``until`` (or 60 s pass)."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DECENTSOCIAL_SCHEDULER_STORE": url,
        "DECENTSOCIAL_CELERY_BROKER": url,
    }
    with log.open("wb") as out:
        worker = subprocess.Popen(WORKER, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while until not in log.read_text(errors="replace") and worker.poll() is None:
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.1)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)
    return log.read_text(errors="replace")


@pytest.mark.parametrize(
    "url",
    [
        "redis://Qv7Rw2Lz9Kp@127.0.0.1:6379/0",
        "redis://:Qv7Rw2Lz9Kp@127.0.0.1:6379/0",
        "redis://app:Qv7Rw2Lz9Kp@127.0.0.1:6379/0",
    ],
)
def test_the_broker_url_celery_shows_is_masked_as_the_store_masks_it(url: str) -> None:
    app = make_app(url)  # reads the URL, connects to nothing
    try:
        shown = app.connection().as_uri()
        assert PASSWORD not in shown
        assert shown == redacted(url)  # as repr(Scheduler) and the store's errors show it
        assert app.connection_for_read().clone().as_uri() == shown
        assert app.connection().as_uri(include_password=True) == url  # what it connects with
    finally:
        app.close()


@pytest.mark.server
def test_the_banner_of_a_refused_worker_does_not_show_a_password_without_its_colon(
    server: RedisServer, tmp_path: Path
) -> None:
    url = f"redis://{PASSWORD}@127.0.0.1:{server.port}/0"
    said = _worker_says(url, "Cannot connect to", tmp_path / "worker.log")
    assert PASSWORD not in said, said
    assert f"transport:   redis://***@127.0.0.1:{server.port}/0" in said, said
    assert f"Cannot connect to redis://***@127.0.0.1:{server.port}/0" in said, said


@pytest.mark.server
def test_a_worker_connected_with_the_password_does_not_show_it(server: RedisServer, tmp_path: Path) -> None:
    said = _worker_says(f"redis://:{PASSWORD}@127.0.0.1:{server.port}/0", "ready.", tmp_path / "worker.log")
    assert PASSWORD not in said, said
    assert "Connected to redis://:" in said, said
    assert f"@127.0.0.1:{server.port}/0" in said, said


@pytest.mark.server
def test_a_user_without_a_password_still_connects_as_that_user(tmp_path: Path) -> None:
    """The URL is read as before (a user name): an ACL ``nopass`` user so named connects, masked."""
    own = RedisServer(password=PASSWORD)
    try:
        client = redis.Redis(port=own.port, password=PASSWORD)
        client.acl_setuser(
            PASSWORD, enabled=True, nopass=True, commands=["+@all"], keys=["*"], channels=["*"]
        )
        client.close()
        said = _worker_says(f"redis://{PASSWORD}@127.0.0.1:{own.port}/0", "ready.", tmp_path / "worker.log")
    finally:
        own.stop()
    assert PASSWORD not in said, said
    assert f"Connected to redis://***@127.0.0.1:{own.port}/0" in said, said
