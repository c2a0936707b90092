"""What reaches the sign-in besides the one good redirect: an idle browser connection, forged or stale
redirects, a second redirect, a server that quotes our secrets, a cancelled approval pasted back.

The flows run against the local Mastodon-API server and the Threads contract server; a token
endpoint that quotes the form it was sent is a scripted server on this machine.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

import decentsocial as ds
from tests.auth.browser import ConsentForm, click
from tests.auth.conftest import Store
from tests.servers._process import ContractServer
from tests.servers._scripted_http import Reply, Request, scripted_server
from tests.servers.mastodon import MastodonServer
from tests.servers.threads import threads_user

LOOPBACK = "http://127.0.0.1:0/callback"


@pytest.fixture
def idle_connection() -> Iterator[list[socket.socket]]:
    """Sockets opened to a listener that never send a byte (a browser's speculative connection)."""
    opened: list[socket.socket] = []
    yield opened
    for sock in opened:
        sock.close()


def port_of(uri: str) -> int:
    port = urlsplit(uri).port
    assert port
    return port


def test_an_idle_browser_connection_does_not_hold_back_the_redirect(
    mastodon_server: MastodonServer, store: Store, idle_connection: list[socket.socket]
) -> None:
    flow = ds.auth.start("mastodon", base_url=mastodon_server.base_url, redirect_uri=LOOPBACK)
    # Browsers open a connection ahead of need and may leave it silent; the redirect comes on another.
    idle_connection.append(socket.create_connection(("127.0.0.1", port_of(flow.redirect_uri))))
    landing = click(flow.url, "alice")
    assert "close this tab" in landing.text
    code, state = flow.wait_for_code(timeout=10)
    assert flow.finish(code=code, state=state, profile="alice").account.handle == "alice"
    assert "alice/access_token" in store.secrets()


def test_forged_stale_and_second_redirects_do_not_end_or_change_the_sign_in(
    mastodon_server: MastodonServer, store: Store
) -> None:
    flow = ds.auth.start("mastodon", base_url=mastodon_server.base_url, redirect_uri=LOOPBACK)
    back = flow.redirect_uri
    with httpx.Client(timeout=10) as other:  # another page, tab or program on this machine
        for query in ("code=mockcode_mallory&state=another-sign-in", "error=access_denied&state=x", ""):
            refused = other.get(f"{back}?{query}")
            assert refused.status_code == 400
            assert "does not belong" in refused.text
        assert other.get(back.replace("/callback", "/favicon.ico")).status_code == 404
        landing = click(flow.url, "bob")  # the user's own approval still gets through
        assert "close this tab" in landing.text
        second = other.get(f"{back}?code=mockcode_mallory&state={flow.state}")
        assert second.status_code == 400  # the first answer stands
    code, state = flow.wait_for_code(timeout=10)
    assert code == "mockcode_bob"
    assert flow.finish(code=code, state=state, profile="bob").account.handle == "bob"


def test_a_denial_forged_with_another_state_is_not_taken_for_the_users(
    mastodon_server: MastodonServer, store: Store
) -> None:
    flow = ds.auth.start("mastodon", base_url=mastodon_server.base_url, redirect_uri=LOOPBACK)
    with httpx.Client(timeout=10) as other:
        assert other.get(f"{flow.redirect_uri}?error=access_denied&state=forged").status_code == 400
    click(flow.url, "deny")  # the user's own denial, with this sign-in's state
    with pytest.raises(ds.AuthenticationError, match="denied or cancelled"):
        flow.wait_for_code(timeout=10)
    assert store.secrets() == {}


def test_a_redirect_on_a_localhost_name_listens_on_loopback() -> None:
    flow = ds.auth.start(
        "threads", client_id="1234", client_secret="app-secret", redirect_uri="http://app.localhost:0/cb"
    )
    try:
        flow.listen()
        assert flow.redirect_uri.startswith("http://app.localhost:")
        with httpx.Client(timeout=10) as browser:  # *.localhost is this machine (RFC 6761)
            answer = browser.get(
                f"http://127.0.0.1:{port_of(flow.redirect_uri)}/cb?code=c&state={flow.state}"
            )
        assert answer.status_code == 200
        assert flow.wait_for_code(timeout=10) == ("c", flow.state)
    finally:
        flow.close()


def quoting_token_endpoint(request: Request) -> Reply:
    """A server that refuses every code and quotes the form it was sent in its words."""
    if request.path == "/api/v1/instance":
        return Reply(body={"version": "4.3.0", "uri": "quoting.example"})
    if request.path == "/api/v1/apps":
        return Reply(body={"client_id": "client-123456", "client_secret": "APP-SECRET-mastodon-123"})
    if request.path in ("/oauth/token", "/oauth/access_token"):
        form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
        words = f"client_secret {form['client_secret']} is not valid for code {form['code']}"
        if request.path == "/oauth/token":
            return Reply(400, {"error": "invalid_client", "error_description": words})
        return Reply(400, {"error": {"message": words, "type": "OAuthException", "code": 1}})
    return Reply(404, {"error": "not found"})


def test_a_token_endpoint_quoting_the_code_and_app_secret_gets_them_masked(store: Store) -> None:
    code = "ONE-TIME-CODE-987654"
    with scripted_server(quoting_token_endpoint) as server:
        mastodon = ds.auth.start("mastodon", base_url=server.url)
        with pytest.raises(ds.AuthenticationError, match="refused the authorization code") as caught:
            mastodon.finish(code=code)
        threads = ds.auth.start(
            "threads",
            client_id="1234",
            client_secret="APP-SECRET-threads-456",
            redirect_uri="https://brand.example/threads",
            authorize_url=server.url,
            base_url=server.url,
        )
        with pytest.raises(ds.AuthenticationError, match="refused the authorization code") as refused:
            threads.finish(code=f"https://brand.example/threads?code={code}&state={threads.state}#_")
    for error, secret in (
        (caught.value, "APP-SECRET-mastodon-123"),
        (refused.value, "APP-SECRET-threads-456"),
    ):
        assert error.server_message is not None
        assert "client_secret *** is not valid for code ***" in error.server_message
        assert secret not in str(error)
        assert code not in str(error)
    assert store.secrets() == {}


def test_a_pasted_cancel_address_says_the_user_cancelled(
    threads_server: ContractServer, store: Store
) -> None:
    user = threads_user(threads_server, username="paster")
    flow = ds.auth.start(
        "threads",
        client_id=user["app_id"],
        client_secret=user["app_secret"],
        redirect_uri="https://brand.example/threads",
        authorize_url=threads_server.url,
        base_url=threads_server.url,
    )
    with httpx.Client(timeout=10) as browser:  # the user clicks Cancel; the browser lands on the redirect
        form = ConsentForm()
        form.feed(browser.get(flow.url).text)
        cancelled = browser.post(threads_server.url + form.action, data={**form.fields, "decision": "cancel"})
    landed = cancelled.headers["location"]
    assert landed.startswith("https://brand.example/threads?error=access_denied")
    with pytest.raises(ds.AuthenticationError, match="denied or cancelled") as caught:
        flow.finish(code=landed, profile="paster")  # pasted, as the prompt asks
    assert caught.value.server_message == "Permissions error"
    assert not store.config.exists()


ACCOUNT = {
    "id": "1",
    "username": "alice",
    "acct": "alice",
    "display_name": "Alice",
    "url": "http://127.0.0.1/@alice",
    "created_at": "2020-01-01T00:00:00.000Z",
    "followers_count": 0,
    "following_count": 0,
    "statuses_count": 0,
    "note": "",
}


def escaping_scopes(request: Request) -> Reply:
    """A server whose token answer grants "scopes" that are terminal escape sequences."""
    if request.path == "/api/v1/instance":
        return Reply(body={"version": "4.3.0", "uri": "escaping.example"})
    if request.path == "/api/v1/apps":
        return Reply(body={"client_id": "client-123456", "client_secret": "APP-SECRET-mastodon-123"})
    if request.path == "/oauth/token":
        scope = "read \x1b]0;pwned\x07 \x1b[2Jwrite"
        return Reply(body={"access_token": "TOKEN-abcdef-123456", "token_type": "Bearer", "scope": scope})
    if request.path == "/api/v1/accounts/verify_credentials":
        return Reply(body=ACCOUNT)
    return Reply(404, {"error": "not found"})


def test_granted_scopes_from_the_server_are_names_only(store: Store) -> None:
    from typer.testing import CliRunner

    from decentsocial.cli import app
    from decentsocial.config import profile_login

    with scripted_server(escaping_scopes) as server:
        args = ["login", "mastodon", server.url, "-p", "m", "--paste-code", "--no-browser"]
        result = CliRunner().invoke(app, args, input="CODE-123456\n")
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output
    assert "Access granted: read\n" in result.output
    assert profile_login("m")["scopes"] == ["read"]
