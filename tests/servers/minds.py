"""Starts the Minds contract server (tests/servers/_minds_app.py) and gives the contract harness.

A real HTTP server in a subprocess on 127.0.0.1, on the first free port of
38310-38319, stopped by its saved pid at the end of the session.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from tests.contract.harness import Harness
from tests.servers._ports import ports
from tests.servers._process import ContractServer, start_server

HARNESSES = ("minds",)
PORTS = ports(38310, 10)


@pytest.fixture(scope="session")
def minds_server() -> Iterator[ContractServer]:
    server = start_server("tests.servers._minds_app", PORTS)
    try:
        yield server
    finally:
        server.stop()


def minds_user(server: ContractServer, **options: Any) -> dict[str, Any]:
    """A new account on the contract server: guid, username and password."""
    user: dict[str, Any] = server.control("users", options)
    return user


def minds_connect(server: ContractServer, user: dict[str, Any], **settings: Any) -> Any:
    import decentsocial as ds
    from decentsocial.backends.minds import MindsExperimentalWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MindsExperimentalWarning)
        return ds.connect(
            "minds", base_url=server.url, username=user["username"], password=user["password"], **settings
        )


def minds_exit_script(server: ContractServer, user: dict[str, Any]) -> str:
    """Connect, log in and read and publish (opening the HTTP client), and exit without close()."""
    return f"""
import warnings

import decentsocial as ds
from decentsocial.backends.minds import MindsExperimentalWarning

warnings.simplefilter("ignore", MindsExperimentalWarning)
net = ds.connect(
    "minds",
    base_url={server.url!r},
    username={user["username"]!r},
    password={user["password"]!r},
    retry={{"attempts": 1}},
)
net.me()
net.publish("exit without close")
"""


@pytest.fixture
def minds_harness(minds_server: ContractServer) -> Iterator[Harness]:
    a, b = minds_user(minds_server), minds_user(minds_server)
    # Each follows the other, so both see each other's posts in their newsfeed.
    minds_server.control("subscribe", {"user": a["guid"], "to": b["guid"]})
    minds_server.control("subscribe", {"user": b["guid"], "to": a["guid"]})
    me, other = minds_connect(minds_server, a), minds_connect(minds_server, b)
    try:
        yield Harness(
            name="minds",
            me=me,
            other=other,
            skips={
                "test_publish_too_long_is_rejected": (
                    "Minds documents no text limit (it has no public API), so the backend checks none and "
                    "the contract server, written from what is known, enforces none"
                ),
            },
            exit_script=minds_exit_script(minds_server, a),
        )
    finally:
        me.close()
        other.close()
