"""A Redis password written without its colon (``redis://PASSWORD@host``) is never shown.

redis-py reads the part before ``@`` as a user name unless a ``:`` splits it, so the usual slip
(``redis://Pw@host`` for ``redis://:Pw@host``) sends the password as the user name, and the server
refuses it. The store named its server with that part as written ("Redis at redis://Pw@host refused
the credentials"), in the error, in ``repr(Scheduler)`` and in the terminal: a user part without a
password is masked as a password is. On a real password-protected redis-server (loopback).
"""

from __future__ import annotations

import traceback
from collections.abc import Iterator

import pytest

pytest.importorskip("redis", reason="the celery extra (redis) is not installed")
import redis

import decentsocial as ds
from decentsocial.redis_url import redacted
from decentsocial.scheduler import Scheduler
from tests.scheduler.test_celery import RedisServer

PASSWORD = "Qv7Rw2Lz9Kp"


@pytest.fixture(scope="module")
def server() -> Iterator[RedisServer]:
    started = RedisServer(password=PASSWORD)
    yield started
    started.stop()


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://Qv7Rw2Lz9Kp@127.0.0.1:6379/0", "redis://***@127.0.0.1:6379/0"),
        ("rediss://Qv7Rw2Lz9Kp@cache.example/1", "rediss://***@cache.example/1"),
        ("unix://Qv7Rw2Lz9Kp@/run/redis.sock?db=0", "unix://***@/run/redis.sock?db=0"),
        # Unchanged: a password after its colon (the user part kept), and no user part at all.
        ("redis://app:Qv7Rw2Lz9Kp@127.0.0.1:6379/0", "redis://app:***@127.0.0.1:6379/0"),
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
    ],
)
def test_a_user_part_without_a_password_is_masked(url: str, shown: str) -> None:
    assert redacted(url) == shown


@pytest.mark.server
def test_the_refusal_does_not_show_a_password_written_without_its_colon(server: RedisServer) -> None:
    store = f"redis://{PASSWORD}@127.0.0.1:{server.port}/0"
    with pytest.raises(ds.ConfigurationError, match="refused the credentials") as caught:
        Scheduler(store)
    shown = "\n".join([str(caught.value), repr(caught.value), *traceback.format_exception(caught.value)])
    assert PASSWORD not in shown, shown
    assert f"127.0.0.1:{server.port}" in shown  # which server still said


@pytest.mark.server
def test_a_scheduler_on_a_user_without_a_password_does_not_show_it(server: RedisServer) -> None:
    """A user that needs no password (an ACL ``nopass`` user) connects; its repr masks the user part."""
    client = redis.Redis(port=server.port, password=PASSWORD)
    client.acl_setuser(
        "Qv7Rw2Lz9Kp", enabled=True, nopass=True, commands=["+@all"], keys=["*"], channels=["*"]
    )
    client.close()
    with Scheduler(f"redis://{PASSWORD}@127.0.0.1:{server.port}/0") as sched:
        assert PASSWORD not in repr(sched)
        assert f"127.0.0.1:{server.port}" in repr(sched)
