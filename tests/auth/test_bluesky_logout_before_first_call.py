"""A Bluesky connection made from a profile that is logged out (or signed in again) before its first call.

The connection reads the profile's session store only at its first call. When
the profile was logged out in between, the store was empty both before and
after, so comparing it with what this process last read could not see the
logout: the first call logged in with the password the connection holds and
wrote its session into the removed profile's keyring entry (or session
file), and the secret was back. After a new sign-in in between, the first
call took the new sign-in's session and its refreshes overwrote it. Against
the reference PDS; the logout and sign-in are the library's own, as another
process (``decentsocial logout``, ``decentsocial login bluesky``) makes them.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

pytest.importorskip("atproto")
pytest.importorskip("keyring")

import decentsocial as ds
from decentsocial.backends.bluesky import BlueskyNetwork
from decentsocial.errors import AuthenticationError
from decentsocial.keyring_store import get_secret
from tests.auth.bluesky_session import password_profile, refresh
from tests.auth.conftest import Store
from tests.servers.bluesky import BlueskyStack

PROFILE = "brand-bsky"
ENTRY = f"{PROFILE}/session"
PASSWORD_ENV = "BRAND_BSKY_TEST_PASSWORD"


@pytest.fixture
def account(bluesky_stack: BlueskyStack, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    handle, password = bluesky_stack.create_account("outfirst")
    monkeypatch.setenv(PASSWORD_ENV, password)
    return handle, password


def test_a_first_call_after_logout_puts_no_session_in_the_removed_keyring_entry(
    bluesky_stack: BlueskyStack, store: Store, account: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    handle, _ = account
    password_profile(store, bluesky_stack, PROFILE, handle, PASSWORD_ENV, entry=ENTRY)
    with ds.connect(profile=PROFILE) as net:
        assert isinstance(net, BlueskyNetwork)
        ds.auth.logout(PROFILE, revoke=False)  # another process: decentsocial logout --no-revoke
        assert store.secrets() == {}
        with caplog.at_level(logging.DEBUG, logger="decentsocial"):
            assert net.me().handle == handle  # logged in with the password it holds, in memory only
            assert store.secrets() == {}
            refresh(net)
        assert store.secrets() == {}
        assert net.me().handle == handle
        current = net.session_string()
    assert store.secrets() == {}
    assert PROFILE not in store.config_text()
    assert "not saved" in caplog.text
    assert "logged out or signed in again" in caplog.text
    for part in current.split(":::")[2:4]:
        assert part not in caplog.text


def test_a_first_call_after_logout_puts_no_session_file_back(
    bluesky_stack: BlueskyStack, store: Store, account: tuple[str, str], tmp_path: Path
) -> None:
    handle, _ = account
    session = tmp_path / "brand.session"
    password_profile(store, bluesky_stack, PROFILE, handle, PASSWORD_ENV, file=session)
    with ds.connect(profile=PROFILE) as net:
        assert isinstance(net, BlueskyNetwork)
        ds.auth.logout(PROFILE, revoke=False)
        assert net.me().handle == handle
        refresh(net)
        assert net.me().handle == handle
    assert not session.exists()


def test_a_first_call_after_a_revoking_logout_of_a_signed_in_profile_saves_nothing(
    bluesky_stack: BlueskyStack, store: Store, account: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    handle, password = account
    ds.auth.bluesky_login(
        handle=handle, app_password=password, base_url=bluesky_stack.pds_url, profile=PROFILE
    )
    # The profile's session, with the app password given to this process as a fallback.
    monkeypatch.setenv("DECENTSOCIAL_BRAND_BSKY_HANDLE", handle)
    monkeypatch.setenv("DECENTSOCIAL_BRAND_BSKY_PASSWORD", password)
    with ds.connect(profile=PROFILE) as net:
        assert isinstance(net, BlueskyNetwork)
        ds.auth.logout(PROFILE)  # decentsocial logout: the session is ended on the PDS too
        assert store.secrets() == {}
        assert net.me().handle == handle
        assert net.transport.logins == 1
        refresh(net)
    assert store.secrets() == {}


def test_a_first_call_after_logout_without_a_password_says_why(
    bluesky_stack: BlueskyStack, store: Store, account: tuple[str, str]
) -> None:
    handle, password = account
    ds.auth.bluesky_login(
        handle=handle, app_password=password, base_url=bluesky_stack.pds_url, profile=PROFILE
    )
    with ds.connect(profile=PROFILE) as net:
        ds.auth.logout(PROFILE, revoke=False)
        with pytest.raises(AuthenticationError, match="logged out or signed in again"):
            net.me()
    assert store.secrets() == {}


def test_a_first_call_after_a_new_sign_in_leaves_the_new_session_alone(
    bluesky_stack: BlueskyStack, store: Store, account: tuple[str, str]
) -> None:
    handle, password = account
    password_profile(store, bluesky_stack, PROFILE, handle, PASSWORD_ENV, entry=ENTRY)
    with ds.connect(profile=PROFILE) as old:
        assert isinstance(old, BlueskyNetwork)
        # Signed in again from another process: a profile of its own, its session in the entry.
        ds.auth.bluesky_login(
            handle=handle, app_password=password, base_url=bluesky_stack.pds_url, profile=PROFILE
        )
        new = get_secret(ENTRY)
        assert new is not None
        assert old.me().handle == handle
        refresh(old)
        assert old.me().handle == handle
        assert store.secrets() == {ENTRY: new}
        assert old.transport.logins == 1  # its own login: the new sign-in's session was not taken
    assert store.secrets() == {ENTRY: new}
    with ds.connect(profile=PROFILE) as net:  # the new sign-in's session still works, unrefreshed by the old
        assert isinstance(net, BlueskyNetwork)
        assert net.me().handle == handle
        assert net.transport.logins == 0


def test_a_profile_edited_by_hand_meanwhile_still_gets_its_session(
    bluesky_stack: BlueskyStack, store: Store, account: tuple[str, str]
) -> None:
    handle, _ = account
    password_profile(store, bluesky_stack, PROFILE, handle, PASSWORD_ENV, entry=ENTRY)
    with ds.connect(profile=PROFILE) as net:
        assert isinstance(net, BlueskyNetwork)
        with store.config.open("a") as config:  # a setting that is not where the session is kept
            config.write("index_wait = 1\n")
        assert net.me().handle == handle
        assert store.secrets().get(ENTRY) == net.session_string()
        refresh(net)
        assert store.secrets().get(ENTRY) == net.session_string()


def test_explicit_settings_save_the_session_whatever_the_config_file_holds(
    bluesky_stack: BlueskyStack, store: Store, account: tuple[str, str]
) -> None:
    handle, password = account
    password_profile(store, bluesky_stack, PROFILE, handle, PASSWORD_ENV, entry=ENTRY)
    ds.auth.logout(PROFILE, revoke=False)  # no such profile: these settings come from no profile
    net = ds.connect(
        "bluesky", base_url=bluesky_stack.pds_url, handle=handle, password=password, keyring_session=ENTRY
    )
    with net:
        assert net.me().handle == handle
        assert store.secrets().get(ENTRY) == net.session_string()
        refresh(net)
        assert store.secrets().get(ENTRY) == net.session_string()
