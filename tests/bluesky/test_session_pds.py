"""Where a session may send the token, and what a corrupt saved session does (loopback server, offline)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.backends.bluesky import BlueskyNetwork

from .conftest import connect_bluesky
from .hostile import DID, HANDLE, HostileServer, fake_jwt, hostile_server, send_json, session

ELSEWHERE = "https://pds.elsewhere.example"


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with hostile_server() as running:
        yield running


def _connect(server: HostileServer, **settings: Any) -> BlueskyNetwork:
    return connect_bluesky(base_url=server.url, limits={"deadline": 5}, state_path=None, **settings)


def _saved(pds: str, access: str | None = None, refresh: str | None = None) -> str:
    access = access or fake_jwt("com.atproto.access")
    refresh = refresh or fake_jwt("com.atproto.refresh")
    return f"{HANDLE}:::{DID}:::{access}:::{refresh}:::{pds}"


def test_a_saved_session_naming_another_pds_is_refused_before_any_request(server: HostileServer) -> None:
    net = _connect(server, session_string=_saved(ELSEWHERE), handle=HANDLE, password="hunter2-secret")
    with pytest.raises(ds.ConfigurationError, match=r"pds\.elsewhere\.example") as caught:
        net.me()
    assert "set base_url to it" in str(caught.value)
    assert server.paths == []  # neither the other host (never reachable here) nor a fallback login
    net.close()


def test_a_login_answer_naming_another_pds_gets_no_token(server: HostileServer) -> None:
    server.routes["com.atproto.server.createSession"] = lambda h: send_json(h, session(ELSEWHERE))
    net = _connect(server, handle=HANDLE, password="hunter2-secret")
    with pytest.raises(ds.ConfigurationError, match=r"pds\.elsewhere\.example"):
        net.publish("hello")
    assert [p.rsplit("/", 1)[-1] for p in server.paths] == ["com.atproto.server.createSession"]
    net.close()


def test_a_pds_on_the_same_host_or_a_known_handover_is_followed(server: HostileServer) -> None:
    # localhost and 127.0.0.1 are both this machine: the reference stack's DID documents say localhost.
    local = _connect(server, session_string=_saved(f"http://localhost:{server.port}"))
    local.transport.client()
    local.close()
    # Checked without a request: bsky.social hands its accounts to Bluesky's PDSes, a domain to its own.
    entryway = connect_bluesky(base_url="https://bsky.social", handle=HANDLE, password="p")
    entryway.transport._check_pds("https://morel.us-east.host.bsky.network")
    with pytest.raises(ds.ConfigurationError):
        entryway.transport._check_pds("https://bsky.network.attacker.test")
    own = connect_bluesky(base_url="https://example.com", handle=HANDLE, password="p")
    own.transport._check_pds("https://pds.example.com/")
    with pytest.raises(ds.ConfigurationError):
        own.transport._check_pds("https://notexample.com")
    with pytest.raises(ds.ConfigurationError):
        own.transport._check_pds("https://morel.us-east.host.bsky.network")
    # pin_base_url keeps every call on base_url, whatever the session names.
    pinned = _connect(server, session_string=_saved(ELSEWHERE), pin_base_url=True)
    assert pinned.transport.client()._base_url.startswith(server.url)
    pinned.close()


@pytest.mark.parametrize("token", ["garbage", fake_jwt("com.atproto.access")[:30]], ids=["junk", "truncated"])
def test_a_corrupt_session_file_is_replaced_by_one_password_login(
    server: HostileServer, tmp_path: Path, token: str
) -> None:
    path = tmp_path / "bsky.session"
    corrupt = _saved(server.url, access=token)
    path.write_text(corrupt)
    server.routes["app.bsky.actor.getProfile"] = lambda h: send_json(h, {"did": DID, "handle": HANDLE})
    net = _connect(server, session_file=path, handle=HANDLE, password="hunter2-secret")
    assert net.me().handle == HANDLE
    assert net.me().handle == HANDLE
    assert net.transport.logins == 1
    assert path.read_text() not in ("", corrupt)  # rewritten with the new session
    net.close()


def test_a_corrupt_session_without_a_password_is_an_authentication_error(
    server: HostileServer, tmp_path: Path
) -> None:
    path = tmp_path / "bsky.session"
    path.write_text(_saved(server.url, access="garbage"))
    net = _connect(server, session_file=path)
    with pytest.raises(ds.AuthenticationError, match="cannot be read") as caught:
        net.me()
    assert "garbage" not in str(caught.value)
    assert server.paths == []
    net.close()
