"""Sessions against the real PDS: one login, saved and restored sessions, a dead session, bad credentials."""

from __future__ import annotations

import base64
import json
import logging
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

import decentsocial as ds
from tests.contract.harness import poll_until
from tests.servers._loopback_http import listen
from tests.servers.bluesky import BlueskyStack

from .conftest import connect_bluesky

pytestmark = pytest.mark.server


def _expired_jwt(did: str) -> str:
    """An access token whose payload says it expired an hour ago (atproto then refreshes first)."""

    def part(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    now = int(time.time())
    payload = {"scope": "com.atproto.access", "sub": did, "iat": now - 7200, "exp": now - 3600}
    return f"{part({'typ': 'at+jwt', 'alg': 'HS256'})}.{part(payload)}.c2lnbmF0dXJl"


def test_logs_in_once_for_many_calls(make_account: Any) -> None:
    net, _, _ = make_account("once")
    net.me()
    net.publish("one")
    net.publish("two")
    # The AppView indexes a new account's profile a moment later ("Profile not found" until then).
    poll_until(lambda: list(net.posts(limit=5)))
    assert net.transport.logins == 1


def test_saved_session_is_reused_without_logging_in(
    stack: BlueskyStack, make_account: Any, tmp_path: Path
) -> None:
    first, handle, _ = make_account("saver")
    saved = first.session_string()
    restored = connect_bluesky(base_url=stack.pds_url, session_string=saved)
    assert restored.me().handle == handle
    post = restored.publish("from a restored session")
    assert post.author.handle == handle
    assert restored.transport.logins == 0
    # A session file: written after the first login, read by the next process.
    path = tmp_path / "bsky.session"
    _, handle2, password2 = make_account("filer")
    writer = connect_bluesky(base_url=stack.pds_url, handle=handle2, password=password2, session_file=path)
    writer.me()
    assert writer.transport.logins == 1
    assert path.exists()
    assert path.stat().st_mode & 0o777 == 0o600
    reader = connect_bluesky(base_url=stack.pds_url, handle=handle2, password=password2, session_file=path)
    assert reader.me().handle == handle2
    assert reader.transport.logins == 0


def test_dead_refresh_token_leads_to_one_fresh_login(stack: BlueskyStack, make_account: Any) -> None:
    net, handle, password = make_account("expiry")
    live = net.session_string()
    _, did, _, refresh, pds = live.split(":::")
    # Revoke the refresh token on the server, then hand the backend a session whose access token has expired.
    revoked = httpx.post(
        f"{stack.pds_url}/xrpc/com.atproto.server.deleteSession",
        headers={"Authorization": f"Bearer {refresh}"},
        timeout=30,
    )
    assert revoked.status_code == 200
    dead = ":::".join([handle, did, _expired_jwt(did), refresh, pds])
    recovered = connect_bluesky(base_url=stack.pds_url, handle=handle, password=password, session_string=dead)
    assert recovered.me().id == did
    assert recovered.transport.logins == 1
    recovered.publish("after a fresh login")
    assert recovered.transport.logins == 1
    # Without a password there is nothing to fall back on: one clear error.
    stuck = connect_bluesky(base_url=stack.pds_url, session_string=dead)
    with pytest.raises(ds.AuthenticationError):
        stuck.me()
    # With a wrong password: exactly one login attempt, then AuthenticationError (no loop).
    wrong = connect_bluesky(
        base_url=stack.pds_url, handle=handle, password="wrong-password", session_string=dead
    )
    with pytest.raises(ds.AuthenticationError):
        wrong.me()
    assert wrong.transport.logins == 1


def test_bad_credentials_are_authentication_error_without_secrets(
    stack: BlueskyStack, make_account: Any, caplog: pytest.LogCaptureFixture
) -> None:
    _, handle, password = make_account("secret")
    caplog.set_level(logging.DEBUG)
    net = connect_bluesky(base_url=stack.pds_url, handle=handle, password="Wrong-Secret-Password-123")
    with pytest.raises(ds.AuthenticationError) as exc:
        net.me()
    good = connect_bluesky(base_url=stack.pds_url, handle=handle, password=password)
    session = good.session_string()
    everything = "\n".join(
        [str(exc.value), repr(exc.value), repr(net), repr(good), caplog.text, str(exc.value.__cause__)]
    )
    for secret in ("Wrong-Secret-Password-123", password, session.split(":::")[2], session.split(":::")[3]):
        assert secret not in everything


def test_app_password_logs_in_like_a_password(stack: BlueskyStack, make_account: Any) -> None:
    net, handle, _ = make_account("apppw")
    client = net.transport.client()
    created = client.com.atproto.server.create_app_password({"name": "decentsocial-bot"})
    bot = connect_bluesky(base_url=stack.pds_url, handle=handle, password=created.password)
    assert bot.me().handle == handle
    assert bot.publish("posted with an app password").author.handle == handle


def test_login_whose_answer_is_lost_is_network_unavailable(
    proxy: Any, stack: BlueskyStack, make_account: Any
) -> None:
    # The proxy forwards createSession and closes the connection before the answer: atproto lets
    # httpx's RemoteProtocolError through bare, which must still become a decentsocial error.
    _, handle, password = make_account("lostlogin")
    proxy.add("com.atproto.server.createSession", "drop", times=2)
    net = connect_bluesky(base_url=proxy.url, handle=handle, password=password, pin_base_url=True)
    with pytest.raises(ds.NetworkUnavailable):
        net.me()
    with pytest.raises(ds.NetworkUnavailable):
        net.publish("never sent")
    assert proxy.dropped == 2
    assert net.me().handle == handle  # the third login goes through


def test_old_format_session_string_stays_on_the_configured_server(
    stack: BlueskyStack, make_account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A session string without its PDS (atproto's older four-field format) must be used against
    # base_url, not against atproto's built-in default host. Any https request is sent to a
    # loopback "proxy" that only records the CONNECT line, so nothing can leave the machine.
    seen: list[bytes] = []
    with listen(lambda conn: seen.append(conn.recv(200))) as port:
        for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{port}")
        first, handle, _ = make_account("oldsession")
        old = ":::".join(first.session_string().split(":::")[:4])
        restored = connect_bluesky(base_url=stack.pds_url, session_string=old)
        try:
            assert restored.me().handle == handle
        finally:
            restored.close()
    assert seen == []


def test_unwritable_session_file_is_configuration_error(
    stack: BlueskyStack, make_account: Any, tmp_path: Path
) -> None:
    _, handle, password = make_account("badfile")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the session folder should be")
    net = connect_bluesky(
        base_url=stack.pds_url, handle=handle, password=password, session_file=blocker / "bsky.session"
    )
    with pytest.raises(ds.ConfigurationError, match="session file"):
        net.me()


def test_session_file_of_another_account_is_not_used(
    stack: BlueskyStack, make_account: Any, tmp_path: Path
) -> None:
    # A bot's config switched to another account but kept its session file: it must post as
    # the account its settings name (one fresh login), never as the one the file remembers.
    path = tmp_path / "bot.session"
    _, old_handle, old_password = make_account("oldbrand")
    old = connect_bluesky(base_url=stack.pds_url, handle=old_handle, password=old_password, session_file=path)
    assert old.me().handle == old_handle
    _, new_handle, new_password = make_account("newbrand")
    new = connect_bluesky(base_url=stack.pds_url, handle=new_handle, password=new_password, session_file=path)
    assert new.me().handle == new_handle
    assert new.transport.logins == 1
    assert new.publish("from the new account").author.handle == new_handle
    # The file now holds the new account's session, reused without a login.
    again = connect_bluesky(
        base_url=stack.pds_url, handle=new_handle, password=new_password, session_file=path
    )
    assert again.me().handle == new_handle
    assert again.transport.logins == 0
