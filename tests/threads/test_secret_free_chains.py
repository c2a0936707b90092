"""An ordinary Threads request that fails on the wire keeps no token in its error's chain: the httpx
exception under ``NetworkUnavailable`` kept the request, whose ``Authorization`` header is the token.
(The token endpoints: tests/auth/test_secret_free_chains.py.)"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

import decentsocial as ds
from decentsocial.backends.threads import ThreadsNetwork
from tests.auth.test_secret_free_chains import FRESH, GARBLED, assert_no_secret, chain, closed_port, server


def on(url: str, action: Callable[[ThreadsNetwork], object]) -> None:
    """``action`` on a connection to ``url`` whose token is ``FRESH``, sent once (no retries)."""
    settings = ThreadsNetwork.Settings(base_url=url, access_token=FRESH, user_id="123", timeout=0.5)
    net = ThreadsNetwork(settings, retry=ds.RetryPolicy(attempts=1))
    try:
        action(net)
    finally:
        net.close()


def test_a_read_that_fails_on_the_wire_keeps_no_token() -> None:
    with server(lambda _: GARBLED) as url, pytest.raises(ds.NetworkUnavailable) as caught:
        on(url, ThreadsNetwork.me)
    assert_no_secret(caught.value)
    cause = caught.value.__cause__
    assert isinstance(cause, httpx.RemoteProtocolError)
    assert str(cause.request.url) == f"{url}/v1.0/me"  # where it went, without the query


def test_a_delete_on_a_closed_port_still_says_nothing_reached_the_server() -> None:
    """The scrubbed cause keeps its type: a connection never opened is still told from a lost answer."""
    with closed_port() as url, pytest.raises(ds.NetworkUnavailable) as caught:
        on(url, lambda net: net.delete("17841400000000001"))
    assert_no_secret(caught.value)
    assert [type(link) for link in chain(caught.value)] == [ds.NetworkUnavailable, httpx.ConnectError]
    assert caught.value.retryable
