"""A running process refreshing its Bluesky session after the profile changed under it.

The session a process refreshes was written back to the keyring entry (or the
session file) whatever had happened meanwhile: after ``logout --no-revoke``
the removed secret reappeared, and after a new sign-in of the profile the old
process overwrote the new session with its own. The refresh is atproto's own,
against the reference PDS, made after the other step as a long-running bot
would make it.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

pytest.importorskip("atproto")
pytest.importorskip("keyring")

import decentsocial as ds
from decentsocial.backends.bluesky import BlueskyNetwork
from decentsocial.keyring_store import get_secret
from tests.auth.bluesky_session import refresh
from tests.auth.conftest import Store
from tests.servers.bluesky import BlueskyStack

PROFILE = "brand-bluesky"
ENTRY = f"{PROFILE}/session"


def sign_in(stack: BlueskyStack, handle: str, password: str) -> str:
    """``decentsocial login bluesky`` for ``PROFILE``; the session it saved."""
    ds.auth.bluesky_login(handle=handle, app_password=password, base_url=stack.pds_url, profile=PROFILE)
    value = get_secret(ENTRY)  # read through the library, as another process would
    assert value is not None
    return value


def test_a_refresh_after_logout_puts_no_secret_back(
    bluesky_stack: BlueskyStack, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    handle, password = bluesky_stack.create_account("outrefresh")
    sign_in(bluesky_stack, handle, password)
    with ds.connect(profile=PROFILE) as net:
        assert isinstance(net, BlueskyNetwork)
        started = net.session_string()  # the process has read its session
        ds.auth.logout(PROFILE, revoke=False)  # another process: decentsocial logout --no-revoke
        assert store.secrets() == {}
        with caplog.at_level(logging.DEBUG, logger="decentsocial"):
            refresh(net)
        assert store.secrets() == {}  # the secret the user removed stays removed
        current = net.session_string()
        assert current != started
        assert net.me().handle == handle  # the process goes on with its session, in memory
    assert store.secrets() == {}
    assert "not saved" in caplog.text
    for part in current.split(":::")[2:4]:
        assert part not in caplog.text


def test_a_refresh_after_a_new_sign_in_keeps_the_new_session(
    bluesky_stack: BlueskyStack, store: Store
) -> None:
    handle, password = bluesky_stack.create_account("newsignin")
    sign_in(bluesky_stack, handle, password)
    with ds.connect(profile=PROFILE) as old:
        assert isinstance(old, BlueskyNetwork)
        old.session_string()
        new = sign_in(bluesky_stack, handle, password)  # signed in again, from another process
        refresh(old)
        assert store.secrets()[ENTRY] == new
        assert old.me().handle == handle
    assert store.secrets()[ENTRY] == new
    with ds.connect(profile=PROFILE) as net:  # and the new session is the one that works next
        assert net.me().handle == handle


def test_refreshes_with_nothing_changed_are_saved_each_time(
    bluesky_stack: BlueskyStack, store: Store
) -> None:
    handle, password = bluesky_stack.create_account("keeps")
    first = sign_in(bluesky_stack, handle, password)
    with ds.connect(profile=PROFILE) as net:
        assert isinstance(net, BlueskyNetwork)
        refresh(net)
        second = store.secrets()[ENTRY]
        assert second != first
        refresh(net)  # the process's own earlier write is what it compares with
        assert store.secrets()[ENTRY] not in (first, second)
        assert store.secrets()[ENTRY] == net.session_string()


def test_a_refresh_after_logout_writes_no_session_file_back(
    bluesky_stack: BlueskyStack, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    handle, password = bluesky_stack.create_account("filerefresh")
    monkeypatch.setenv("BRAND_BLUESKY_PASSWORD", password)
    session = tmp_path / "brand-bluesky.session"
    store.config.write_text(
        f'[profiles.{PROFILE}]\nnetwork = "bluesky"\nbase_url = "{bluesky_stack.pds_url}"\n'
        f'handle = "{handle}"\npassword_env = "BRAND_BLUESKY_PASSWORD"\nsession_file = "{session}"\n'
    )
    with ds.connect(profile=PROFILE) as net:
        assert isinstance(net, BlueskyNetwork)
        assert net.me().handle == handle
        assert session.exists()
        ds.auth.logout(PROFILE, revoke=False)
        assert not session.exists()
        refresh(net)
        assert not session.exists()
        assert net.me().handle == handle
    assert not session.exists()
