"""The Celery broker's URL and credentials, on a real password-protected redis-server (loopback):
a mistake is a ConfigurationError that never shows the password, and refused credentials are not
retried as if the broker were down."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

pytest.importorskip("celery", reason="the celery extra is not installed")
import redis

import decentsocial as ds
from decentsocial.celery_app import Dispatcher
from decentsocial.scheduler import Scheduler
from tests.scheduler.test_celery import RedisServer

pytestmark = pytest.mark.server

PASSWORD = "Brk9Pw7Qz"


@pytest.fixture(scope="module")
def server() -> Iterator[RedisServer]:
    started = RedisServer(password=PASSWORD)
    yield started
    started.stop()


def url(server: RedisServer, password: str, db: int = 0) -> str:
    return f"redis://:{password}@127.0.0.1:{server.port}/{db}"


@pytest.mark.parametrize("password", ["Zq7K#wPm4V", "Zq7K?wPm4V", "Zq7K/wPm4V"])
def test_a_broker_password_that_is_not_percent_encoded_is_never_echoed(
    server: RedisServer, password: str
) -> None:
    with pytest.raises(ds.ConfigurationError) as info:
        Scheduler(url(server, PASSWORD, 1), engine="celery", broker=url(server, password, 1))
    message = str(info.value)
    assert "broker URL" in message
    assert "%-encoded" in message
    for piece in ("Zq7K", "wPm4V", PASSWORD):
        assert piece not in message + repr(info.value)


def test_a_broker_that_refuses_the_password_is_a_configuration_error(server: RedisServer) -> None:
    with pytest.raises(ds.ConfigurationError, match="refused the credentials") as info:
        Scheduler(url(server, PASSWORD, 2), engine="celery", broker=url(server, "WrongPw11", 2))
    assert not info.value.retryable
    assert "WrongPw11" not in str(info.value)
    with pytest.raises(ds.ConfigurationError, match="refused the credentials"):
        Dispatcher(f"redis://127.0.0.1:{server.port}/2")  # no password at all


def test_a_broker_password_rotated_while_dispatching_stops_the_dispatcher(server: RedisServer) -> None:
    dispatcher = Dispatcher(url(server, PASSWORD, 3))
    admin = redis.Redis(port=server.port, password=PASSWORD)
    handed_back: list[str] = []

    def hand_back(job_id: str, token: str) -> None:
        handed_back.append(job_id)

    try:
        admin.config_set("requirepass", "Rotated22")
        with pytest.raises(ds.ConfigurationError, match="refused the credentials"):
            dispatcher.send(
                [("job1", "t1"), ("job2", "t2")], on_failure=lambda job, _: handed_back.append(job)
            )
    finally:
        redis.Redis(port=server.port, password="Rotated22").config_set("requirepass", PASSWORD)
        dispatcher.close()
        admin.close()
    assert handed_back == ["job1", "job2"]  # nothing lost: the jobs stay due for the next dispatch
