"""Threads sign-in on the contract server (tests/servers/_threads_oauth.py, written from Meta's docs):
the consent page a user clicks, the code exchange, the 60-day token, its refresh before expiry."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

import decentsocial as ds
from decentsocial.backends.threads import ThreadsNetwork
from tests.auth.browser import click
from tests.auth.conftest import Store
from tests.servers._process import ContractServer
from tests.servers.threads import threads_user

LOOPBACK = "http://127.0.0.1:0/threads-callback"


def begin(server: ContractServer, app: dict[str, Any], **options: Any) -> Any:
    return ds.auth.start(
        "threads",
        client_id=app["app_id"],
        client_secret=app["app_secret"],
        redirect_uri=options.pop("redirect_uri", LOOPBACK),
        authorize_url=server.url,
        base_url=server.url,
        **options,
    )


def test_sign_in_saves_a_long_lived_token_that_posts(
    threads_server: ContractServer, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    user = threads_user(threads_server, username="brand_threads")
    flow = begin(threads_server, user)
    query = parse_qs(urlsplit(flow.url).query)
    assert query["scope"][0].split(",")[0] == "threads_basic"
    assert query["client_id"] == [user["app_id"]]
    assert "threads_content_publish" in query["scope"][0]
    click(flow.url, "brand_threads")
    code, state = flow.wait_for_code(timeout=10)
    signed = flow.finish(code=code, state=state, profile="brand-threads")
    assert signed.account.handle == "brand_threads"
    assert signed.expires_at is not None
    assert signed.expires_at - datetime.now(timezone.utc) > timedelta(days=59)  # the 60-day token

    token = store.secrets()["brand-threads/access_token"]
    assert token.startswith("THL")  # the long-lived one, not the 1-hour token
    text = store.config_text()
    assert token not in text
    assert user["app_secret"] not in text
    assert user["app_secret"] not in str(store.secrets())  # the app secret is never stored
    assert f'user_id = "{user["id"]}"' in text
    assert "token_expires_at = " in text
    net = ds.connect(profile="brand-threads", poll_interval=0.05, publish_timeout=10.0)
    with net:
        post = net.publish("signed in through Threads OAuth — مرحبا")
        assert post.author.handle == "brand_threads"
    assert "/access_token" in caplog.text  # httpx logged the exchange (with the secrets redacted)
    assert token not in caplog.text
    assert user["app_secret"] not in caplog.text


def test_refresh_before_expiry_saves_the_new_token(threads_server: ContractServer, store: Store) -> None:
    user = threads_user(threads_server, username="refresher")
    flow = begin(threads_server, user)
    click(flow.url, "refresher")
    code, state = flow.wait_for_code(timeout=10)
    flow.finish(code=code, state=state, profile="refresher")
    old = store.secrets()["refresher/access_token"]
    assert ds.auth.refresh("refresher") is None  # 60 days left: nothing due
    with pytest.raises(ds.AuthenticationError, match="24 hours old"):
        ds.auth.refresh("refresher", force=True)  # the server's rule, passed on
    # Two days on (the server's clock), asking for a refresh when under 61 days are left: due now.
    threads_server.control("clock", {"advance": 2 * 86400})
    try:
        expires = ds.auth.refresh("refresher", margin=timedelta(days=61))
    finally:
        threads_server.control("clock", {"advance": -2 * 86400})
    assert expires is not None
    new = store.secrets()["refresher/access_token"]
    assert new != old
    assert new not in store.config_text()
    assert expires.replace(microsecond=0).isoformat() in store.config_text()
    with ds.connect(profile="refresher") as net:
        assert net.me().handle == "refresher"


def test_cancel_used_code_and_wrong_secret_are_typed_errors(
    threads_server: ContractServer, store: Store
) -> None:
    user = threads_user(threads_server, username="canceller")
    flow = begin(threads_server, user)
    click(flow.url, "deny")
    with pytest.raises(ds.AuthenticationError, match="denied or cancelled") as denied:
        flow.wait_for_code(timeout=10)
    assert denied.value.server_message == "Permissions error"

    flow = begin(threads_server, user)
    click(flow.url, "canceller")
    code, state = flow.wait_for_code(timeout=10)
    flow.finish(code=code, state=state)
    again = begin(threads_server, user, redirect_uri=flow.redirect_uri.replace(":0/", ":1/"))
    again.close()
    # The same code once more, through a new sign-in (ours would refuse a second finish itself):
    replay = begin(threads_server, user)
    replay.state = state
    replay.redirect_uri = flow.redirect_uri
    with pytest.raises(ds.AuthenticationError, match="already used") as used:
        replay.finish(code=code + "#_", state=state, profile="never")
    assert used.value.server_message == "This authorization code has been used."
    replay.close()

    wrong = ds.auth.start(
        "threads",
        client_id=user["app_id"],
        client_secret="not-the-secret",
        redirect_uri=LOOPBACK,
        authorize_url=threads_server.url,
        base_url=threads_server.url,
    )
    click(wrong.url, "canceller")
    code, state = wrong.wait_for_code(timeout=10)
    with pytest.raises(ds.AuthenticationError, match="refused the authorization code"):
        wrong.finish(code=code, state=state, profile="never")
    assert not store.config.exists()
    assert store.secrets() == {}


def test_bad_arguments_fail_before_any_request(store: Store) -> None:
    with pytest.raises(ds.InvalidInput, match="app id is digits"):
        ds.auth.start("threads", client_id="my-app", client_secret="s", redirect_uri="https://x.example/cb")
    with pytest.raises(ds.InvalidInput, match="threads_basic"):
        ds.auth.start(
            "threads", client_id="1", client_secret="s", redirect_uri="https://x.example/cb", scopes=["read"]
        )
    with pytest.raises(ds.InvalidInput, match="https"):
        ds.auth.start("threads", client_id="1", client_secret="s", redirect_uri="http://x.example/cb")
    with pytest.raises(ds.InvalidInput, match="bluesky_login"):
        ds.auth.start("bluesky")
    app = {"client_id": "1", "client_secret": "s"}
    for redirect in ("http://127.0.0.1:99999/cb", "http://127.0.0.1:80a/cb", "http://[::1/cb", None, 5):
        with pytest.raises(ds.InvalidInput, match="redirect"):
            ds.auth.start("threads", **app, redirect_uri=redirect)
        with pytest.raises(ds.InvalidInput, match="redirect"):
            ds.auth.start("mastodon", base_url="https://x.example", redirect_uri=redirect)
    for scopes in (None, 5, [b"threads_basic"]):
        with pytest.raises(ds.InvalidInput, match="scopes must be text"):
            ds.auth.start("threads", **app, redirect_uri="https://x.example/cb", scopes=scopes)
        with pytest.raises(ds.InvalidInput, match="scopes must be text"):
            ds.auth.start("mastodon", base_url="https://x.example", scopes=scopes)
    for secret in (None, 5):  # not sent as the text "None"
        with pytest.raises(ds.InvalidInput, match="client_secret must be text"):
            ds.auth.start("threads", client_id="1", client_secret=secret, redirect_uri="https://x.example/cb")
    spaced = ds.auth.start(
        "threads", **app, redirect_uri="https://x.example/cb", scopes="threads_basic, threads_content_publish"
    )
    assert spaced.scopes == ("threads_basic", "threads_content_publish")


def test_an_expiry_without_an_offset_is_utc(store: Store) -> None:
    """A hand-written ``token_expires_at = 2030-01-01T00:00:00`` (TOML's local time) is read as UTC."""
    from decentsocial.config import save_profile

    save_profile(
        "naive",
        {
            "network": "threads",
            "user_id": "1",
            "base_url": "http://127.0.0.1:9",
            "token_expires_at": datetime(2030, 1, 1),
        },
    )
    with ds.connect(profile="naive", access_token="t") as net:
        assert isinstance(net, ThreadsNetwork)
        assert net.settings.token_expires_at == datetime(2030, 1, 1, tzinfo=timezone.utc)
        assert net.needs_refresh(timedelta(days=7)) is False
