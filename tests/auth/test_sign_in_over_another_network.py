"""A sign-in never replaces a profile of another network: ``--profile brand-mastodon`` mistyped on a
Bluesky, Nostr, Hive or Threads sign-in used to overwrite that profile and delete its token and app
secret from the keyring (a Mastodon token still valid on the server, no longer revocable by logout).
It is refused before anything is spent or sent (closed ports: a request would be NetworkUnavailable),
and the profile and its secrets stay as they were. Signing in again on the same network still
replaces the profile (see test_mastodon_signin)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from typer.testing import CliRunner

import decentsocial as ds
from tests.auth.conftest import Store

pytest.importorskip("keyring", reason="sign-in checks the keyring first")

#: Nothing listens here: a request that went out would fail with NetworkUnavailable, not this refusal.
CLOSED = "http://127.0.0.1:9"
MASTODON = (
    '[profiles.brand]\nnetwork = "mastodon"\nbase_url = "https://mastodon.example"\n'
    'access_token_keyring = "brand/access_token"\n\n'
    '[profiles.brand.login]\nclient_id = "app"\nclient_secret_keyring = "brand/login.client_secret"\n'
)
SECRETS = {"brand/access_token": "masto-token-1234", "brand/login.client_secret": "masto-app-secret"}


@pytest.fixture
def mastodon_profile(store: Store) -> Store:
    import keyring

    store.config.write_text(MASTODON)
    for entry, value in SECRETS.items():
        keyring.set_password("decentsocial", entry, value)
    return store


def unchanged(store: Store) -> None:
    assert store.config_text() == MASTODON
    assert store.secrets() == SECRETS


def threads_finish() -> Any:
    flow = ds.auth.start(
        "threads",
        client_id="1234",
        client_secret="app-secret",
        redirect_uri="https://app.example/cb",
        authorize_url=CLOSED,
        base_url=CLOSED,
        allow_http=True,
    )
    return flow.finish(code="abc", state=flow.state, profile="brand")


SIGN_INS: dict[str, Callable[[], Any]] = {
    "bluesky": lambda: ds.auth.bluesky_login(
        handle="brand.example", app_password="xxxx-xxxx-xxxx-xxxx", base_url=CLOSED, profile="brand"
    ),
    "nostr": lambda: ds.auth.nostr_import(relays=["ws://127.0.0.1:9"], profile="brand"),
    "hive": lambda: ds.auth.hive_import(
        "hive", account="brand", nodes=[CLOSED], posting_key="5Kbogus", profile="brand"
    ),
    "threads": threads_finish,
}


@pytest.mark.parametrize("network", sorted(SIGN_INS))
def test_a_sign_in_refuses_a_profile_of_another_network(mastodon_profile: Store, network: str) -> None:
    with pytest.raises(ds.ConfigurationError, match="already a mastodon profile") as caught:
        SIGN_INS[network]()
    assert "decentsocial logout brand" in str(caught.value)
    unchanged(mastodon_profile)


def test_the_save_itself_refuses_a_profile_of_another_network(mastodon_profile: Store) -> None:
    """The last check, under the file's lock: a profile another process made meanwhile is kept."""
    from decentsocial.auth._common import save_signed_in

    with pytest.raises(ds.ConfigurationError, match="already a mastodon profile"):
        save_signed_in("brand", "nostr", {"relays": ["wss://relay.example"]}, {"private_key": "nsec1x"})
    unchanged(mastodon_profile)


@pytest.mark.parametrize(
    "args",
    [
        ["login", "nostr", "-p", "brand", "--relay", "ws://127.0.0.1:9"],
        ["login", "bluesky", "brand.example", "-p", "brand", "--server", CLOSED],
        ["login", "threads", "-p", "brand", "--app-id", "1234", "--redirect-uri", "https://app.example/cb"],
    ],
)
def test_the_command_refuses_before_anything_is_asked_or_sent(
    mastodon_profile: Store, args: list[str]
) -> None:
    from decentsocial.cli import app

    done = CliRunner().invoke(app, args, input="")  # a prompt for a password would find no answer
    assert done.exit_code != 0
    assert "already a mastodon profile" in done.output
    assert "App password" not in done.output
    assert "app secret" not in done.output
    unchanged(mastodon_profile)


def test_login_mastodon_refuses_a_profile_of_another_network_before_registering(store: Store) -> None:
    from decentsocial.cli import app

    nostr = '[profiles.brand]\nnetwork = "nostr"\nprivate_key_keyring = "brand/private_key"\n'
    store.config.write_text(nostr)
    done = CliRunner().invoke(app, ["login", "mastodon", CLOSED, "-p", "brand", "--no-browser"])
    assert done.exit_code != 0
    assert "already a nostr profile" in done.output
    assert store.config_text() == nostr


def test_a_profile_of_no_network_is_not_replaced_either(store: Store) -> None:
    store.config.write_text('[profiles.brand]\nhandle = "brand.example"\n')
    with pytest.raises(ds.ConfigurationError, match="already a profile of no network"):
        ds.auth.nostr_import(relays=["ws://127.0.0.1:9"], profile="brand")
