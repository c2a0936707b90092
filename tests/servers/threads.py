"""Starts the Threads contract server (tests/servers/_threads_app.py) and gives the contract harness.

The server runs as a real HTTP server in a subprocess on 127.0.0.1, on the
first free port of 38300-38309, and is stopped by its saved pid at the end
of the session.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.contract.harness import Harness
from tests.servers._ports import ports
from tests.servers._process import ContractServer, start_server

HARNESSES = ("threads",)
PORTS = ports(38300, 10)


@pytest.fixture(scope="session")
def threads_server() -> Iterator[ContractServer]:
    server = start_server("tests.servers._threads_app", PORTS, "--video-seconds", "0.3")
    try:
        yield server
    finally:
        server.stop()


def threads_user(server: ContractServer, **options: Any) -> dict[str, Any]:
    """A new account on the contract server: its id, username, token and the app secret."""
    user: dict[str, Any] = server.control("users", options)
    return user


def threads_connect(server: ContractServer, user: dict[str, Any], **settings: Any) -> Any:
    import decentsocial as ds

    defaults: dict[str, Any] = {"poll_interval": 0.05, "poll_max_interval": 0.2, "publish_timeout": 10.0}
    return ds.connect(
        "threads",
        base_url=server.url,
        access_token=user["access_token"],
        user_id=user["id"],
        **{**defaults, **settings},
    )


def threads_exit_script(server: ContractServer, user: dict[str, Any]) -> str:
    """Connect, open the HTTP client (read, publish through a container) and exit without close()."""
    return f"""
import decentsocial as ds

net = ds.connect(
    "threads",
    base_url={server.url!r},
    access_token={user["access_token"]!r},
    user_id={user["id"]!r},
    poll_interval=0.05,
    retry={{"attempts": 1}},
)
net.me()
net.publish("exit without close")
"""


@pytest.fixture
def threads_harness(threads_server: ContractServer) -> Iterator[Harness]:
    user = threads_user(threads_server)
    me = threads_connect(threads_server, user)
    other = threads_connect(threads_server, threads_user(threads_server))
    try:
        yield Harness(
            name="threads",
            me=me,
            other=other,
            skips={
                "test_publish_with_media": (
                    "Threads fetches media from public URLs and has no upload endpoint: a Draft with "
                    "Media(data=...) is refused with ContentRejected before any request (tested in "
                    "tests/threads with Media(url=...))"
                ),
            },
            exit_script=threads_exit_script(threads_server, user),
        )
    finally:
        me.close()
        other.close()
