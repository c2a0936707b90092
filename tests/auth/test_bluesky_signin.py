"""Bluesky sign-in with an app password on the reference PDS: the session is saved, not the password.

The app password is made as a user makes one (Settings > App passwords: the PDS's
``com.atproto.server.createAppPassword``). atproto OAuth (DPoP + PAR) is not supported yet.
"""

from __future__ import annotations

import httpx
import pytest

import decentsocial as ds
from decentsocial.backends.bluesky import BlueskyNetwork
from tests.auth.conftest import Store
from tests.servers.bluesky import BlueskyStack


def app_password(stack: BlueskyStack, handle: str, password: str) -> str:
    with httpx.Client(base_url=stack.pds_url, timeout=30) as client:
        session = client.post(
            "/xrpc/com.atproto.server.createSession", json={"identifier": handle, "password": password}
        )
        session.raise_for_status()
        made = client.post(
            "/xrpc/com.atproto.server.createAppPassword",
            json={"name": "decentsocial"},
            headers={"Authorization": f"Bearer {session.json()['accessJwt']}"},
        )
        made.raise_for_status()
        value: str = made.json()["password"]
        return value


def test_app_password_sign_in_saves_the_session_only(bluesky_stack: BlueskyStack, store: Store) -> None:
    handle, password = bluesky_stack.create_account("signin")
    secret = app_password(bluesky_stack, handle, password)
    signed = ds.auth.bluesky_login(
        handle=handle, app_password=secret, base_url=bluesky_stack.pds_url, profile="brand-bluesky"
    )
    assert signed.account.handle == handle
    saved = store.secrets()
    assert set(saved) == {"brand-bluesky/session"}
    assert secret not in str(saved)
    text = store.config_text()
    assert secret not in text
    assert saved["brand-bluesky/session"] not in text
    assert 'keyring_session = "brand-bluesky/session"' in text
    assert "handle" not in text  # the session alone signs in: no password to pair a handle with
    with ds.connect(profile="brand-bluesky") as net:
        assert isinstance(net, BlueskyNetwork)
        post = net.publish("signed in with an app password — مرحبا")
        assert post.author.handle == handle
        # A refresh (atproto does it when the access token nears expiry; forced here through the
        # client's own refresh against the PDS) rotates the refresh token: the keyring follows.
        net.transport.client()._refresh_and_set_session()
    rotated = store.secrets()["brand-bluesky/session"]
    assert rotated != saved["brand-bluesky/session"]
    with ds.connect(profile="brand-bluesky") as net:  # a new process would start from the new session
        assert isinstance(net, BlueskyNetwork)
        assert net.me().handle == handle
        assert net.transport.logins == 0
    refresh_jwt = store.secrets()["brand-bluesky/session"].split(":::")[3]
    done = ds.auth.logout("brand-bluesky")
    assert "session ended on the server" in done
    assert store.secrets() == {}
    again = httpx.post(
        f"{bluesky_stack.pds_url}/xrpc/com.atproto.server.refreshSession",
        headers={"Authorization": f"Bearer {refresh_jwt}"},
        timeout=30,
    )
    assert again.status_code in (400, 401), again.text  # the PDS no longer takes the saved session


def test_wrong_app_password_is_a_typed_error_and_nothing_saved(
    bluesky_stack: BlueskyStack, store: Store
) -> None:
    handle, _ = bluesky_stack.create_account("wrong")
    with pytest.raises(ds.AuthenticationError) as caught:
        ds.auth.bluesky_login(
            handle=handle, app_password="aaaa-bbbb-cccc-dddd", base_url=bluesky_stack.pds_url, profile="x"
        )
    assert "aaaa-bbbb" not in str(caught.value)
    assert not store.config.exists()
    assert store.secrets() == {}


def test_a_session_gone_from_the_keyring_says_to_sign_in_again(store: Store) -> None:
    store.config.write_text(
        '[profiles.b]\nnetwork = "bluesky"\nbase_url = "http://127.0.0.1:9"\nkeyring_session = "b/session"\n'
    )
    with ds.connect(profile="b") as net, pytest.raises(ds.AuthenticationError, match="sign in again"):
        net.me()  # no request is made: there is nothing to send
