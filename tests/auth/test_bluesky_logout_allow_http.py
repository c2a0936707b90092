"""Logout ends a Bluesky session on a plain-http PDS off this machine when the profile allows it.

``allow_http = true`` lets a profile use a PDS at ``http://`` on another host;
logout refused to end that session (its revoke checked the address without
the profile's setting), so the user could only forget it locally. The PDS
here is a loopback server under a name the resolver is told to give it
(``pds.example``): no request leaves this machine.
"""

from __future__ import annotations

import socket
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar

import pytest

pytest.importorskip("keyring")

import decentsocial as ds
from tests.auth.conftest import Store
from tests.servers._loopback_http import serve

HOST = "pds.example"
REFRESH = "refresh-token-secret"
_real_getaddrinfo = socket.getaddrinfo


class _Pds(BaseHTTPRequestHandler):
    seen: ClassVar[list[tuple[str, str, str]]] = []

    def do_POST(self) -> None:
        self.seen.append((self.path, self.headers.get("Host", ""), self.headers.get("Authorization", "")))
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def pds(monkeypatch: pytest.MonkeyPatch) -> Any:
    """A loopback PDS that ``pds.example`` resolves to; every other name off loopback fails to resolve."""
    _Pds.seen = []
    with serve(_Pds) as url:
        port = int(url.rsplit(":", 1)[1])

        def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
            if host == HOST:
                return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", args[0] if args else 0))]
            if host not in ("127.0.0.1", "localhost", "::1"):
                raise socket.gaierror(socket.EAI_NONAME, "not resolved in this test")
            return _real_getaddrinfo(host, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
        yield f"http://{HOST}:{port}"


def _profile(store: Store, base_url: str, allow_http: bool) -> None:
    from decentsocial.keyring_store import set_secret

    set_secret("b/session", f"b.test:::did:plc:b:::access:::{REFRESH}:::{base_url}")
    store.config.write_text(
        f'[profiles.b]\nnetwork = "bluesky"\nbase_url = "{base_url}"\nkeyring_session = "b/session"\n'
        + ("allow_http = true\n" if allow_http else "")
    )


def test_logout_ends_the_session_on_a_plain_http_pds_the_profile_allows(store: Store, pds: str) -> None:
    _profile(store, pds, allow_http=True)
    done = ds.auth.logout("b")
    assert done[0] == "session ended on the server"
    assert _Pds.seen == [
        ("/xrpc/com.atproto.server.deleteSession", pds.removeprefix("http://"), f"Bearer {REFRESH}")
    ]
    assert store.secrets() == {}
    assert "[profiles.b]" not in store.config_text()


def test_logout_sends_no_session_in_the_clear_without_allow_http(store: Store, pds: str) -> None:
    _profile(store, pds, allow_http=False)
    with pytest.raises(ds.ConfigurationError, match="allow_http") as caught:
        ds.auth.logout("b")
    assert REFRESH not in str(caught.value)
    assert _Pds.seen == []
    assert "b/session" in store.secrets()  # nothing removed: the user can try again
