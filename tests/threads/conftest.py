"""Fixtures for the Threads backend tests: fresh accounts on the session's contract server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.servers._process import ContractServer
from tests.servers.threads import threads_connect, threads_user


@pytest.fixture
def make_net(threads_server: ContractServer) -> Iterator[Callable[..., Any]]:
    """``make_net(user_options=..., **settings)`` -> (network, user) on a brand-new account."""
    made: list[Any] = []

    def make(user_options: dict[str, Any] | None = None, **settings: Any) -> Any:
        user = threads_user(threads_server, **(user_options or {}))
        net = threads_connect(threads_server, user, **settings)
        made.append(net)
        return net, user

    yield make
    for net in made:
        net.close()


@pytest.fixture
def net(make_net: Callable[..., Any]) -> Any:
    return make_net()[0]
