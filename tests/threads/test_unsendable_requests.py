"""A parameter too long for an address (a search text or a name of 70,000 characters) is a typed
``InvalidInput`` with nothing sent: httpx refuses to build such a request, and its bare
``httpx.InvalidURL`` reached the caller before. Against the Threads contract server."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import decentsocial as ds
from tests.servers._process import ContractServer

LONG = "x" * 70_000
CALLS: dict[str, Callable[[Any], object]] = {
    "search": lambda net: list(net.search(LONG, limit=3)),
    "tag search": lambda net: list(net.search("#" + LONG, limit=3)),
    "account": lambda net: net.account(LONG),
    "posts": lambda net: list(net.posts(LONG, limit=3)),
}


@pytest.mark.parametrize("call", CALLS, ids=list(CALLS))
def test_a_parameter_too_long_for_an_address_is_invalid_input(
    net: Any, threads_server: ContractServer, call: str
) -> None:
    net._own_username()  # the own profile a listing reads first (once), read already
    before = threads_server.control("stats")["requests"]
    with pytest.raises(ds.InvalidInput, match="too long or invalid") as caught:
        CALLS[call](net)
    assert caught.value.network == "threads"
    assert LONG[:100] not in str(caught.value)
    assert threads_server.control("stats")["requests"] == before  # nothing was sent
