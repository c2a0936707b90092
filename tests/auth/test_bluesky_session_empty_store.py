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
from tests.auth.conftest import Store
from tests.servers.bluesky import BlueskyStack

PROFILE = "empty-bluesky"
ENTRY = f"{PROFILE}/session"
PASSWORD_ENV = "EMPTY_BLUESKY_PASSWORD"


def profile(
    store: Store, stack: BlueskyStack, handle: str, *, entry: str | None = None, file: Path | None = None
) -> None:
    """A profile that logs in with its password (from the environment) and saves its session."""
    saved = f'keyring_session = "{entry}"\n' if entry else f'session_file = "{file}"\n'
    store.config.write_text(
        f'[profiles.{PROFILE}]\nnetwork = "bluesky"\nbase_url = "{stack.pds_url}"\n'
        f'handle = "{handle}"\npassword_env = "{PASSWORD_ENV}"\n{saved}'
    )


def refresh(net: BlueskyNetwork) -> None:
    """What atproto does when the access token nears expiry (forced, so no wait)."""
    net.transport.client()._refresh_and_set_session()


@pytest.fixture
def account(bluesky_stack: BlueskyStack, monkeypatch: pytest.MonkeyPatch) -> str:
    handle, password = bluesky_stack.create_account("emptystore")
    monkeypatch.setenv(PASSWORD_ENV, password)
    return handle


def test_a_login_into_an_empty_keyring_entry_and_each_refresh_are_saved(
    bluesky_stack: BlueskyStack, store: Store, account: str
) -> None:
    profile(store, bluesky_stack, account, entry=ENTRY)
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
    profile(store, bluesky_stack, account, entry=ENTRY)
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
    profile(store, bluesky_stack, account, file=session)
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
