"""Mastodon sign-in end to end on the local Mastodon-API server (``mastodon_mock serve``), through its
real OAuth endpoints: app registration, the authorize page a user clicks, the token exchange, revoke.

What the server implements (read from mastodon_mock 0.6.1's routers/oauth.py): ``POST /api/v1/apps``;
``GET /oauth/authorize`` renders an account picker (no password, no Deny button) and ``POST
/oauth/authorize`` redirects with ``code`` and ``state``; ``POST /oauth/token`` (authorization_code,
client_credentials, refresh_token); ``POST /oauth/revoke``; RFC 8414 metadata advertising S256 PKCE.
It does NOT verify the PKCE verifier, nor the client secret or redirect address at the token
endpoint, and its codes are self-describing and reusable (``mockcode_<username>``): the tests below
say which checks are the server's and which are ours. A denied authorization is the redirect a real
Mastodon sends (``?error=access_denied``), delivered to the listener as a browser would.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

import decentsocial as ds
from decentsocial.auth.mastodon import MastodonFlow
from tests.auth.browser import click
from tests.auth.conftest import Store
from tests.servers.mastodon import DEAD_PORT, MastodonServer

LOOPBACK = "http://127.0.0.1:0/callback"


def approve(server: MastodonServer, url: str, account: str = "alice") -> httpx.Response:
    """The user opens the authorize page and clicks the account (or ``"deny"``)."""
    assert url.startswith(server.base_url + "/oauth/authorize?")
    return click(url, account)


def sign_in_as(server: MastodonServer, account: str, profile: str) -> None:
    """The whole loopback sign-in: the user approves ``account``, the code is exchanged and saved."""
    flow = ds.auth.start("mastodon", base_url=server.base_url, redirect_uri=LOOPBACK)
    approve(server, flow.url, account)
    code, state = flow.wait_for_code(timeout=10)
    flow.finish(code=code, state=state, profile=profile)


def test_sign_in_through_the_loopback_redirect_then_post_with_the_profile(
    mastodon_server: MastodonServer, store: Store
) -> None:
    flow = ds.auth.start(
        "mastodon", base_url=mastodon_server.base_url, redirect_uri=LOOPBACK, scopes=["read", "write"]
    )
    query = parse_qs(urlsplit(flow.url).query)
    assert query["scope"] == ["read write"]
    assert query["response_type"] == ["code"]
    assert isinstance(flow, MastodonFlow)
    assert flow.pkce
    assert query["code_challenge_method"] == ["S256"]
    assert re.match(r"^http://127\.0\.0\.1:\d+/callback$", flow.redirect_uri)
    assert ":0/" not in flow.redirect_uri
    landing = approve(mastodon_server, flow.url)
    assert "close this tab" in landing.text  # the page our listener showed the browser
    code, state = flow.wait_for_code(timeout=10)
    assert state == flow.state
    signed = flow.finish(code=code, state=state, profile="brand-mastodon")
    assert signed.account.handle == "alice"
    assert signed.profile == "brand-mastodon"
    assert set(signed.scopes) == {"read", "write"}

    token = store.secrets()["brand-mastodon/access_token"]
    text = store.config_text()
    assert token not in text
    assert store.secrets()["brand-mastodon/login.client_secret"] not in text
    assert 'access_token_keyring = "brand-mastodon/access_token"' in text
    assert "access_token =" not in text

    with ds.connect(profile="brand-mastodon") as net:
        post = net.publish("signed in with decentsocial login — مرحبا")
        assert post.author.handle == "alice"
        assert net.get_post(post.id).text.startswith("signed in")


def test_out_of_band_code_pasted_by_the_user(mastodon_server: MastodonServer, store: Store) -> None:
    flow = ds.auth.start("mastodon", base_url=mastodon_server.base_url, scopes=["read"])
    assert flow.redirect_uri == ds.auth.OOB
    page = approve(mastodon_server, flow.url, "bob")
    code = re.search(r"Authorization code: (\S+?)<", page.text)
    assert code is not None
    signed = flow.finish(code=code[1], profile="bob-reader")
    assert signed.account.handle == "bob"
    assert signed.scopes == ("read",)
    with pytest.raises(ds.AuthenticationError, match="already finished"):
        flow.finish(code=code[1])  # ours: a finished sign-in is never exchanged twice


def test_logout_revokes_the_token_and_forgets_the_profile(
    mastodon_server: MastodonServer, store: Store
) -> None:
    flow = ds.auth.start("mastodon", base_url=mastodon_server.base_url, redirect_uri=LOOPBACK)
    approve(mastodon_server, flow.url, "carol")
    code, state = flow.wait_for_code(timeout=10)
    flow.finish(code=code, state=state, profile="carol")
    token = store.secrets()["carol/access_token"]
    done = ds.auth.logout("carol")
    assert done[0] == "token revoked on the server"
    assert store.secrets() == {}
    assert "carol" not in store.config_text()
    old = httpx.get(
        f"{mastodon_server.base_url}/api/v1/accounts/verify_credentials",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert old.status_code == 401  # the server no longer knows the token
    with pytest.raises(ds.ConfigurationError, match="no profile 'carol'"):
        ds.connect(profile="carol")


def test_a_revoke_that_fails_removes_nothing(mastodon_server: MastodonServer, store: Store) -> None:
    flow = ds.auth.start("mastodon", base_url=mastodon_server.base_url, redirect_uri=LOOPBACK)
    approve(mastodon_server, flow.url, "carol")
    code, state = flow.wait_for_code(timeout=10)
    flow.finish(code=code, state=state, profile="carol")
    secrets = store.secrets()
    # The server has gone away since the sign-in: nothing answers at the profile's address.
    store.config.write_text(
        store.config_text().replace(mastodon_server.base_url, f"http://127.0.0.1:{DEAD_PORT}")
    )
    refused = r"could not revoke the token .*nothing was removed"
    with pytest.raises(ds.NetworkUnavailable, match=refused) as caught:
        ds.auth.logout("carol")
    assert caught.value.network == "mastodon"
    assert store.secrets() == secrets
    assert "carol" in store.config_text()
    assert ds.auth.logout("carol", revoke=False)[-1] == "profile carol removed from the config file"


def test_denied_authorization_is_a_typed_error_and_nothing_is_saved(
    mastodon_server: MastodonServer, store: Store
) -> None:
    flow = ds.auth.start("mastodon", base_url=mastodon_server.base_url, redirect_uri=LOOPBACK)
    # Mastodon's Deny button redirects back with error=access_denied (the mock has no such button,
    # so the browser helper sends that redirect itself).
    approve(mastodon_server, flow.url, "deny")
    with pytest.raises(ds.AuthenticationError, match=r"denied or cancelled.*click Authorize"):
        flow.wait_for_code(timeout=5)
    assert not store.config.exists()
    assert store.secrets() == {}


def test_redirect_that_never_comes_times_out(mastodon_server: MastodonServer, store: Store) -> None:
    flow = ds.auth.start("mastodon", base_url=mastodon_server.base_url, redirect_uri=LOOPBACK)
    with httpx.Client(timeout=5) as stray:
        assert stray.get(flow.redirect_uri.replace("/callback", "/favicon.ico")).status_code == 404
    with pytest.raises(ds.AuthenticationError, match=r"no sign-in came back .* within 0\.5 s"):
        flow.wait_for_code(timeout=0.5)
    assert not store.config.exists()


def test_a_refused_code_and_a_foreign_state(mastodon_server: MastodonServer, store: Store) -> None:
    flow = ds.auth.start("mastodon", base_url=mastodon_server.base_url, redirect_uri=LOOPBACK)
    with pytest.raises(ds.InvalidInput, match="does not belong to this sign-in"):
        flow.finish(code="mockcode_alice", state="another-tab", profile="x")  # ours, before any request
    # The server's: a code it never issued (a used code on real Mastodon answers the same invalid_grant).
    with pytest.raises(ds.AuthenticationError, match="refused the authorization code") as caught:
        flow.finish(code="mockcode_nobody", state=flow.state, profile="x")
    assert caught.value.server_message == "invalid_grant"
    assert not store.config.exists()
    assert store.secrets() == {}
    flow.close()


@pytest.fixture
def web_site() -> Iterator[str]:
    """A web server that is not a Mastodon-API server: an HTML page for every address."""

    class Page(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            body = b"<html><body>Welcome to my blog</body></html>"
            self.send_response(200 if self.path == "/" else 404)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET

    server = HTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_wrong_addresses_are_typed_errors_before_saving(
    mastodon_server: MastodonServer, store: Store, web_site: str
) -> None:
    with pytest.raises(ds.ConfigurationError, match="not a Mastodon-API server"):
        ds.auth.start("mastodon", base_url=web_site)
    with pytest.raises(ds.ConfigurationError, match="address only"):
        ds.auth.start("mastodon", base_url=mastodon_server.base_url + "/@alice")  # a profile page
    with pytest.raises(ds.NetworkUnavailable, match="cannot reach"):
        ds.auth.start("mastodon", base_url=f"http://127.0.0.1:{DEAD_PORT}")
    with pytest.raises(ds.ConfigurationError, match="in the clear"):
        ds.auth.start("mastodon", base_url="http://mastodon.example")
    with pytest.raises(ds.InvalidInput, match="not Mastodon scopes: publish"):
        ds.auth.start("mastodon", base_url="https://mastodon.example", scopes=["read", "publish"])
    assert not store.config.exists()


def test_secrets_never_in_reprs_errors_or_logs(
    mastodon_server: MastodonServer, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    flow = ds.auth.start("mastodon", base_url=mastodon_server.base_url, redirect_uri=LOOPBACK)
    secret = flow._client_secret.get_secret_value()
    assert secret not in repr(flow)
    assert secret not in str(vars(flow).get("url"))
    approve(mastodon_server, flow.url)
    code, state = flow.wait_for_code(timeout=10)
    signed = flow.finish(code=code, state=state, profile="p")
    token = store.secrets()["p/access_token"]
    assert token not in repr(signed)
    with pytest.raises(ds.AuthenticationError) as caught:
        flow.finish(code=code, state=state)
    assert token not in str(caught.value)
    assert secret not in str(caught.value)
    with ds.connect(profile="p") as net:
        net.me()
    assert caplog.records, "nothing was logged: the check below would prove nothing"
    assert token not in caplog.text
    assert secret not in caplog.text


def test_signing_in_again_replaces_the_profile_or_leaves_the_old_one_whole(
    mastodon_server: MastodonServer, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    def sign_in() -> None:
        sign_in_as(mastodon_server, "bob", "again")

    sign_in()
    text_before, secrets_before = store.config_text(), store.secrets()
    # The keyring takes the new token, then refuses the app's secret: the old profile must stay whole.
    monkeypatch.setenv("DECENTSOCIAL_TEST_KEYRING_FAIL_WRITE", "2")
    with pytest.raises(ds.ConfigurationError, match=r"could not write entry 'again/login\.client_secret'"):
        sign_in()
    monkeypatch.delenv("DECENTSOCIAL_TEST_KEYRING_FAIL_WRITE")
    assert store.config_text() == text_before
    assert store.secrets() == secrets_before  # the old token was put back, not deleted
    with ds.connect(profile="again") as net:
        assert net.me().handle == "bob"
    sign_in()
    assert store.secrets()["again/access_token"] != secrets_before["again/access_token"]
    assert set(store.secrets()) == set(secrets_before)


def test_a_keyed_post_is_found_after_signing_in_again_with_a_new_token(
    mastodon_server: MastodonServer, store: Store
) -> None:
    """The profile names the account by its id, so a job retried with the new token posts nothing new."""

    def sign_in() -> None:
        sign_in_as(mastodon_server, "bob", "rotated")

    draft = ds.Draft(text="عرض اليوم فقط — today only", idempotency_key="flash-sale-rotated")
    sign_in()
    with ds.connect(profile="rotated") as net:
        bob_id = net.me().id
        first = ds.crosspost(draft, [net])
    old_token = store.secrets()["rotated/access_token"]
    sign_in()
    assert store.secrets()["rotated/access_token"] != old_token
    with ds.connect(profile="rotated") as net:
        again = ds.crosspost(draft, [net])
        mine = [p for p in net.posts() if p.text == draft.text]
    assert first.ok
    assert again.ok
    assert [p.id for p in again.outcomes[0].posts] == [p.id for p in first.outcomes[0].posts]
    assert len(mine) == 1
    assert f'account_id = "{bob_id}"' in store.config_text()


def test_a_token_of_another_account_than_account_id_is_refused(mastodon_server: MastodonServer) -> None:
    bob_id = mastodon_server.connect("bob").me().id
    net = mastodon_server.connect("alice", account_id=bob_id)
    with pytest.raises(ds.ConfigurationError, match=f"not to account_id {bob_id}"):
        net.me()
    assert mastodon_server.connect("alice").identity != mastodon_server.connect("bob").identity
