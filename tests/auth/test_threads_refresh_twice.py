"""Two refreshes of one Threads profile at once (two cron jobs, a job and a shell), on the contract
server: the token is renewed and saved once, and the second refresh reports the profile's new expiry
instead of saying nothing was due or that the profile was signed in again."""

from __future__ import annotations

import logging
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.backends.threads import ThreadsNetwork
from tests.auth.conftest import Store
from tests.auth.threads_profile import sign_in
from tests.servers._process import ContractServer


def test_a_refresh_while_another_refresh_runs_keeps_one_token(
    threads_server: ContractServer,
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    sign_in(threads_server, "twice", "twice")
    real = ThreadsNetwork.refresh_token
    other: list[Any] = []

    def renew(self: ThreadsNetwork) -> Any:
        if not other:  # the other process's whole refresh runs while this one's request is out
            other.append(None)
            other[0] = ds.auth.refresh("twice", force=True)
        return real(self)

    monkeypatch.setattr(ThreadsNetwork, "refresh_token", renew)
    caplog.set_level(logging.INFO, logger="decentsocial.auth")
    threads_server.control("clock", {"advance": 2 * 86400})  # a token refreshes once a day old
    try:
        expires = ds.auth.refresh("twice", force=True)
    finally:
        threads_server.control("clock", {"advance": -2 * 86400})
    assert other[0] is not None
    assert expires == other[0].replace(microsecond=0)  # the expiry the profile holds now (saved once)
    assert "another process renewed the token meanwhile" in caplog.text
    assert "signed in again" not in caplog.text
    saved = store.secrets()["twice/access_token"]
    assert saved not in caplog.text
    with ds.connect(profile="twice") as net:
        assert net.me().handle == "twice"
