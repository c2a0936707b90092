"""A Bluesky profile whose session store was empty when the connection started: the password login
and every refresh are saved, and a logout made meanwhile still wins.

The write-back compares the store with what this process last read or wrote
there: starting from nothing (no saved session; a login with the password),
that is "nothing", then the session the login wrote. Against the reference
PDS, refreshed by atproto as a long-running bot would be.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("atproto")
pytest.importorskip("keyring")

import decentsocial as ds
from decentsocial.backends.bluesky import BlueskyNetwork
from tests.auth.bluesky_session import password_profile, refresh
from tests.auth.conftest import Store
from tests.servers.bluesky import BlueskyStack

PROFILE = "empty-bluesky"
ENTRY = f"{PROFILE}/session"
PASSWORD_ENV = "EMPTY_BLUESKY_PASSWORD"


@pytest.fixture
def account(bluesky_stack: BlueskyStack, monkeypatch: pytest.MonkeyPatch) -> str:
    handle, password = bluesky_stack.create_account("emptystore")
    monkeypatch.setenv(PASSWORD_ENV, password)
    return handle


def test_a_login_into_an_empty_keyring_entry_and_each_refresh_are_saved(
    bluesky_stack: BlueskyStack, store: Store, account: str
) -> None:
    password_profile(store, bluesky_stack, PROFILE, account, PASSWORD_ENV, entry=ENTRY)
    assert store.secrets() == {}
    with ds.connect(profile=PROFILE) as net:
        assert isinstance(net, BlueskyNetwork)
        assert net.me().handle == account
        assert net.transport.logins == 1
        first = store.secrets().get(ENTRY)
        assert first == net.session_string()
        refresh(net)
        second = store.secrets().get(ENTRY)
        assert second == net.session_string()
        assert second != first
        refresh(net)  # compared with its own last write
        assert store.secrets().get(ENTRY) == net.session_string() != second
    with ds.connect(profile=PROFILE) as again:  # the saved session is the one used next: no login
        assert isinstance(again, BlueskyNetwork)
        assert again.me().handle == account
        assert again.transport.logins == 0


def test_a_logout_after_a_login_into_an_empty_keyring_entry_wins_over_the_refresh(
    bluesky_stack: BlueskyStack, store: Store, account: str
) -> None:
    password_profile(store, bluesky_stack, PROFILE, account, PASSWORD_ENV, entry=ENTRY)
    with ds.connect(profile=PROFILE) as net:
        assert isinstance(net, BlueskyNetwork)
        assert net.me().handle == account  # logged in with the password; its session saved
        assert ENTRY in store.secrets()
        ds.auth.logout(PROFILE, revoke=False)  # another process: decentsocial logout --no-revoke
        assert store.secrets() == {}
        refresh(net)
        assert store.secrets() == {}  # the removed secret does not come back
        assert net.me().handle == account  # the process goes on, its session in memory
    assert store.secrets() == {}


def test_a_login_into_an_empty_session_file_and_each_refresh_are_saved(
    bluesky_stack: BlueskyStack, store: Store, account: str, tmp_path: Path
) -> None:
    session = tmp_path / "empty.session"
    session.write_text("")  # there, and empty: no saved session
    password_profile(store, bluesky_stack, PROFILE, account, PASSWORD_ENV, file=session)
    with ds.connect(profile=PROFILE) as net:
        assert isinstance(net, BlueskyNetwork)
        assert net.me().handle == account
        assert session.read_text() == net.session_string()
        first = session.read_text()
        refresh(net)
        assert session.read_text() == net.session_string() != first
        ds.auth.logout(PROFILE, revoke=False)
        assert not session.exists() or session.read_text() == ""
        refresh(net)
        assert not session.exists() or session.read_text() == ""
        assert net.me().handle == account
