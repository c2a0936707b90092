"""Sign-out that cannot revoke says so; a keyring that keeps nothing is refused before a sign-in;
a wait for the browser with a timeout that is no number of seconds is a typed error."""

from __future__ import annotations

import json

import httpx
import pytest

import decentsocial as ds
from tests.auth.conftest import Store
from tests.auth.test_mastodon_signin import sign_in_as
from tests.servers.mastodon import MastodonServer


def test_a_logout_that_cannot_revoke_says_the_token_still_works(
    mastodon_server: MastodonServer, store: Store
) -> None:
    sign_in_as(mastodon_server, "carol", "carol")
    token = store.secrets()["carol/access_token"]
    data = json.loads(store.keyring.read_text())
    del data["decentsocial"]["carol/login.client_secret"]  # lost: the revoke needs it
    store.keyring.write_text(json.dumps(data))
    done = ds.auth.logout("carol")
    assert done[0].startswith("token NOT revoked on the server")
    assert "Authorized apps" in done[0]
    assert done[-1] == "profile carol removed from the config file"
    assert store.secrets() == {}
    still = httpx.get(
        f"{mastodon_server.base_url}/api/v1/accounts/verify_credentials",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert still.status_code == 200  # which is why the user is told


def test_the_null_keyring_is_refused_before_anything_is_made_or_saved(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import keyring.core

    # The setting often advised to stop tools asking for a keyring: it takes secrets and keeps none.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    keyring.core.init_backend()
    with pytest.raises(ds.ConfigurationError, match=r"keyring\.backends\.null\.Keyring, which keeps nothing"):
        ds.auth.nostr_generate(relays=["ws://127.0.0.1:9"], profile="brand-nostr")
    with pytest.raises(ds.ConfigurationError, match="keeps nothing"):
        ds.auth.bluesky_login(handle="brand.test", app_password="xxxx-xxxx", profile="brand-bluesky")
    assert not store.config.exists()


@pytest.mark.parametrize("timeout", [float("inf"), float("nan"), -1, 0, "10", None, True])
def test_a_wait_with_a_timeout_that_is_no_number_of_seconds_is_refused(timeout: object) -> None:
    flow = ds.auth.start(
        "threads", client_id="1234", client_secret="app-secret", redirect_uri="http://127.0.0.1:0/cb"
    )
    try:
        with pytest.raises(ds.InvalidInput, match="timeout is a number of seconds"):
            flow.wait_for_code(timeout=timeout)  # type: ignore[arg-type]
    finally:
        flow.close()


def test_a_revoke_never_sends_the_token_in_the_clear_where_connect_would_not(
    mastodon_server: MastodonServer, store: Store
) -> None:
    sign_in_as(mastodon_server, "carol", "carol")
    secrets = store.secrets()
    port = mastodon_server.base_url.rsplit(":", 1)[1]
    # The file edited since: plain http:// to an address the endpoint check does not take for this
    # machine (an IPv4-mapped one, which still reaches the test server here), without allow_http.
    store.config.write_text(
        store.config_text().replace(mastodon_server.base_url, f"http://[::ffff:127.0.0.1]:{port}")
    )
    with pytest.raises(ds.ConfigurationError, match="in the clear"):
        ds.connect(profile="carol")
    with pytest.raises(ds.ConfigurationError, match=r"could not revoke .*in the clear.*nothing was removed"):
        ds.auth.logout("carol")
    assert store.secrets() == secrets
    still = httpx.get(
        f"{mastodon_server.base_url}/api/v1/accounts/verify_credentials",
        headers={"Authorization": f"Bearer {secrets['carol/access_token']}"},
    )
    assert still.status_code == 200  # nothing reached the server
    assert ds.auth.logout("carol", revoke=False)[-1] == "profile carol removed from the config file"


def test_a_logout_says_where_to_cut_access_the_app_cannot_revoke(store: Store) -> None:
    from decentsocial.auth._common import save_signed_in

    save_signed_in("brand-threads", "threads", {"user_id": "1"}, {"access_token": "THL-token-123456"})
    save_signed_in("brand-bluesky", "bluesky", {"handle": "brand.test"}, {"password": "abcd-efgh-ijkl-mnop"})
    threads = ds.auth.logout("brand-threads")
    assert threads[0].startswith("Threads lets no app revoke its token")
    assert "Website permissions" in threads[0]
    bluesky = ds.auth.logout("brand-bluesky")
    assert bluesky[0].startswith("the app password stays valid on Bluesky")
    assert store.secrets() == {}
    assert not any("revoked on the server" in line for line in threads + bluesky)
