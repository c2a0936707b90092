"""A Minds request that fails on the wire keeps no token in its error's chain: the httpx exception
under ``NetworkUnavailable`` kept the request, whose ``Authorization`` header is the session's token
(the login's: the password; see tests/auth/test_secret_free_chains.py)."""

from __future__ import annotations

import json
import warnings

import httpx
import pytest

import decentsocial as ds
from tests.auth.test_secret_free_chains import FRESH, GARBLED, PASSWORD, assert_no_secret, ok, server


def answers(path: str) -> bytes | None:
    """Logs in, then answers everything else with a garbled status line."""
    if path == "/api/v3/oauth/token":
        return ok(
            json.dumps({"access_token": FRESH, "refresh_token": "refresh-token-Zz12", "expires_in": 3600})
        )
    return GARBLED


def test_a_read_that_fails_on_the_wire_keeps_no_token() -> None:
    from decentsocial.backends.minds import MindsExperimentalWarning

    with server(answers) as url:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MindsExperimentalWarning)
            net = ds.connect("minds", base_url=url, username="brand", password=PASSWORD, timeout=0.5)
        try:
            with pytest.raises(ds.NetworkUnavailable) as caught:
                net.me()
        finally:
            net.close()
    assert_no_secret(caught.value)
    assert isinstance(caught.value.__cause__, httpx.RemoteProtocolError)
