"""Fixtures shared by the Mastodon tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from decentsocial.backends.mastodon import MastodonNetwork
from tests.servers.mastodon import MastodonServer


@pytest.fixture
def trio(
    mastodon_server: MastodonServer,
) -> Iterator[tuple[MastodonNetwork, MastodonNetwork, MastodonNetwork]]:
    """Connections of the local server's three seeded accounts: alice, bob and carol."""
    nets = tuple(mastodon_server.connect(name) for name in ("alice", "bob", "carol"))
    yield nets  # type: ignore[misc]
    for net in nets:
        net.close()
