"""The two ``server`` fixtures the Mastodon tests share; a test module imports the one it uses.

Both are named ``server`` (the name the tests ask for), so a module takes one by importing it:
``from tests.mastodon.server_fixtures import local_server  # noqa: F401 - the server fixture``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers.mastodon import MastodonServer
from tests.servers.mastodon_hostile import HostileServer, hostile_server

__all__ = ["hostile", "local_server"]


@pytest.fixture(name="server")
def local_server(mastodon_server: MastodonServer) -> Iterator[MastodonServer]:
    """The session's local Mastodon-API server, with no fault left from another test (nor for the next)."""
    mastodon_server.clear_faults()
    yield mastodon_server
    mastodon_server.clear_faults()


@pytest.fixture(name="server")
def hostile() -> Iterator[HostileServer]:
    """A fresh hostile server for each test, so one test's scripted answers never reach another."""
    with hostile_server() as running:
        yield running
