"""Fixtures for the Bluesky backend's own tests: accounts on the local AT Protocol stack."""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import decentsocial as ds
from decentsocial.backends.bluesky import BlueskyNetwork
from tests.servers.bluesky import BlueskyStack

from .hostile import HostileServer
from .proxy import FaultProxy


def make_png(width: int, height: int, *, noise: bool = False) -> bytes:
    """A valid RGB PNG; with ``noise`` its pixels are random so it does not compress."""
    row_bytes = width * 3
    rows = b"".join(
        b"\x00" + (os.urandom(row_bytes) if noise else b"\x80" * row_bytes) for _ in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 0 if noise else 6))
        + chunk(b"IEND", b"")
    )


def connect_bluesky(**settings: Any) -> BlueskyNetwork:
    """``ds.connect("bluesky", …)``, typed as the Bluesky backend (its extra members are tested here)."""
    net = ds.connect("bluesky", **settings)
    assert isinstance(net, BlueskyNetwork)
    return net


@pytest.fixture(scope="session")
def stack(bluesky_stack: BlueskyStack) -> BlueskyStack:
    return bluesky_stack


@pytest.fixture(scope="session")
def make_account(stack: BlueskyStack) -> Callable[..., Any]:
    """A new account and a network logged in to it: ``net, handle, password = make_account("carol")``."""
    made: list[Any] = []

    def make(name: str = "user", **settings: Any) -> tuple[Any, str, str]:
        handle, password = stack.create_account(name)
        net = connect_bluesky(base_url=stack.pds_url, handle=handle, password=password, **settings)
        made.append(net)
        return net, handle, password

    return make


@pytest.fixture(scope="session")
def alice(make_account: Callable[..., Any]) -> Any:
    return make_account("alice")[0]


@pytest.fixture(scope="session")
def bob(make_account: Callable[..., Any]) -> Any:
    return make_account("bob")[0]


@pytest.fixture
def proxy(stack: BlueskyStack) -> Iterator[FaultProxy]:
    fault = FaultProxy(upstream_port=int(stack.pds_url.rsplit(":", 1)[1]))
    try:
        yield fault
    finally:
        fault.close()


def list_posts(stack: BlueskyStack, did: str) -> list[dict[str, Any]]:
    """Every post record in a repo, read with plain HTTP from the PDS (not through the backend)."""
    records: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"repo": did, "collection": "app.bsky.feed.post", "limit": 100}
        if cursor:
            params["cursor"] = cursor
        answer = httpx.get(f"{stack.pds_url}/xrpc/com.atproto.repo.listRecords", params=params, timeout=30)
        answer.raise_for_status()
        body = answer.json()
        records += body.get("records", [])
        cursor = body.get("cursor")
        if not cursor or not body.get("records"):
            return records


@pytest.fixture
def net(server: HostileServer, tmp_path: Path) -> Iterator[BlueskyNetwork]:
    """A connection to the module's hostile ``server`` fixture (one attempt a call), for the modules
    that define one and do not define their own ``net``. Each test has idempotency records of its
    own: a key a hostile answer left claimed (it may have been written) is not the next test's."""
    net = connect_bluesky(
        base_url=server.url,
        handle="victim.test",
        password="pw",
        state_path=tmp_path / "state.db",
        retry={"attempts": 1},
    )
    yield net
    net.close()
