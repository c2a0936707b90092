"""No secret is reachable from the error a token or sign-in request raises, through its whole chain.

Error trackers and debuggers walk ``__cause__``/``__context__`` and dump each exception's
attributes: an httpx exception's ``request`` (URL, headers, body) or a ``JSONDecodeError``'s
``doc`` (the token endpoint's whole answer) must not be there. The error stays typed: the cause is
still the httpx failure (or the JSON error, with its position), only scrubbed.

Each path is run against a loopback listener that answers with a garbled status line, a 200 that is
not JSON (holding a token), nothing at all, or is not listening.
"""

from __future__ import annotations

import json
import socket
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

import decentsocial as ds
from decentsocial.auth import mastodon as mastodon_auth
from decentsocial.auth import threads as threads_auth
from decentsocial.auth.loopback import OOB
from decentsocial.backends.threads import ThreadsNetwork
from tests.auth.conftest import Store
from tests.servers._loopback_http import listen, serve

APP_SECRET = "app-secret-Q7Zk29xw"
TOKEN = "short-token-Lm44Pq81"
FRESH = "fresh-token-Hh90Tt55"
PASSWORD = "hunter2-pass-Vv31Nn"
CODE = "auth-code-Rr82Ss64"
SECRETS = (APP_SECRET, TOKEN, FRESH, PASSWORD, CODE)

#: A path's answer: raw bytes, or ``None`` to say nothing until the client gives up.
Answers = Callable[[str], bytes | None]
GARBLED = b"HTTP/1.1 abc\r\n\r\n"


def ok(body: str | bytes, kind: str = "application/json") -> bytes:
    data = body if isinstance(body, bytes) else body.encode()
    head = (
        f"HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {len(data)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + data


NOT_JSON = ok(f"access_token={FRESH}&client_secret={APP_SECRET}")
NOT_UTF8 = ok(f'{{"access_token": "{FRESH}'.encode() + b'\xff"}')  # a token, then a byte no UTF-8 has


@contextmanager
def server(answers: Answers) -> Iterator[str]:
    """A loopback listener answering each request with ``answers(path)``."""

    def answer(conn: socket.socket) -> None:
        conn.settimeout(2)
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
        except OSError:
            return
        path = data.split(b" ", 2)[1].decode().split("?")[0]
        raw = answers(path)
        if raw is None:
            time.sleep(1.0)  # past the client's 0.5 s timeout
            return
        conn.sendall(raw)

    with listen(answer) as port:
        yield f"http://127.0.0.1:{port}"


@contextmanager
def closed_port() -> Iterator[str]:
    """An address nothing listens on (connection refused)."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    yield f"http://127.0.0.1:{port}"


def chain(error: BaseException) -> list[BaseException]:
    found: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and all(current is not seen for seen in found):
        found.append(current)
        current = current.__cause__ or current.__context__
    return found


def reachable_text(error: BaseException) -> str:
    """Everything a tracker could read off the chain: reprs, attributes, the request, the answer."""
    texts: list[str] = []
    for link in chain(error):
        texts += [repr(link), str(link), repr(link.args), repr(getattr(link, "__dict__", {}))]
        if isinstance(link, httpx.RequestError):
            try:
                request = link.request
            except RuntimeError:
                request = None
            if request is not None:
                texts += [str(request.url), repr(list(request.headers.items())), repr(request.content)]
        for name in ("doc", "object"):
            texts.append(repr(getattr(link, name, "")))
    return "\n".join(texts)


def assert_no_secret(error: BaseException) -> None:
    text = reachable_text(error)
    assert not [s for s in SECRETS if s in text], text


def threads_exchange(url: str) -> None:
    ThreadsNetwork.exchange_token(TOKEN, APP_SECRET, base_url=url, timeout=0.5)


def threads_refresh(url: str) -> None:
    settings = ThreadsNetwork.Settings(base_url=url, access_token=TOKEN, user_id="123", timeout=0.5)
    net = ThreadsNetwork(settings)
    try:
        net.refresh_token()
    finally:
        net.close()


def threads_flow(url: str) -> threads_auth.ThreadsFlow:
    return threads_auth.start(
        client_id="123",
        client_secret=APP_SECRET,
        redirect_uri="https://app.example/cb",
        authorize_url=url,
        base_url=url,
        allow_http=True,
        timeout=0.5,
    )


def threads_sign_in(url: str) -> None:
    flow = threads_flow(url)
    flow.finish(code=CODE, state=flow.state)


def minds_login(url: str) -> None:
    from decentsocial.backends.minds import MindsExperimentalWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MindsExperimentalWarning)
        net = ds.connect("minds", base_url=url, username="brand", password=PASSWORD, timeout=0.5)
    try:
        net.login()
    finally:
        net.close()


def mastodon_flow(url: str) -> mastodon_auth.MastodonFlow:
    return mastodon_auth.MastodonFlow(
        base_url=url,
        redirect_uri=OOB,
        scopes=("read",),
        client_id="app-id",
        client_secret=SecretStr(APP_SECRET),
        state="state",
        verifier=None,
        challenge=None,
        receiver=None,
        allow_http=True,
        timeout=0.5,
        limits=None,
        instance="example",
    )


def mastodon_code_exchange(url: str) -> None:
    mastodon_flow(url).finish(code=CODE)


def mastodon_revoke(url: str) -> None:
    mastodon_auth.revoke(url, SecretStr(TOKEN), "app-id", SecretStr(APP_SECRET), timeout=0.5)


def bluesky_sign_in(url: str) -> None:
    ds.auth.bluesky_login(handle="brand.test", app_password=PASSWORD, base_url=url, timeout=0.5)


def bluesky_revoke(url: str) -> None:
    from decentsocial.auth.bluesky import revoke

    revoke(SecretStr(f"did:plc:abc:::brand.test:::{TOKEN}:::{FRESH}:::{url}"), timeout=0.5)


PATHS: dict[str, Callable[[str], None]] = {
    "threads exchange": threads_exchange,
    "threads refresh": threads_refresh,
    "threads sign-in": threads_sign_in,
    "minds login": minds_login,
    "mastodon code exchange": mastodon_code_exchange,
    "mastodon revoke": mastodon_revoke,
    "bluesky sign-in": bluesky_sign_in,
    "bluesky revoke": bluesky_revoke,
}
#: The failure a server that answers so must cause (the cause's type), by answer.
FAILURES: dict[str, tuple[bytes | None, type[BaseException]]] = {
    "garbled": (GARBLED, httpx.RemoteProtocolError),
    "silent": (None, httpx.ReadTimeout),
}


@pytest.mark.parametrize("answer", sorted(FAILURES))
@pytest.mark.parametrize("path", sorted(PATHS))
def test_a_failed_token_request_chains_no_secret(path: str, answer: str, store: Store) -> None:
    raw, cause = FAILURES[answer]
    with server(lambda _: raw) as url, pytest.raises(ds.NetworkUnavailable) as caught:
        PATHS[path](url)
    assert_no_secret(caught.value)
    assert isinstance(caught.value.__cause__, cause)  # still says what failed
    assert type(caught.value.__cause__).__name__ in str(caught.value) or answer == "silent"


@pytest.mark.parametrize("path", sorted(PATHS))
def test_a_refused_connection_chains_no_secret(path: str, store: Store) -> None:
    with closed_port() as url, pytest.raises(ds.NetworkUnavailable) as caught:
        PATHS[path](url)
    assert_no_secret(caught.value)
    assert isinstance(caught.value.__cause__, httpx.ConnectError)


@pytest.mark.parametrize("answer", [NOT_JSON, NOT_UTF8], ids=["not JSON", "not UTF-8"])
@pytest.mark.parametrize("path", sorted(set(PATHS) - {"bluesky revoke"}))  # a revoke reads no answer
def test_a_token_answer_that_is_not_json_is_not_kept(path: str, answer: bytes, store: Store) -> None:
    with server(lambda _: answer) as url, pytest.raises(ds.NetworkUnavailable) as caught:
        PATHS[path](url)
    assert_no_secret(caught.value)
    assert isinstance(caught.value.__cause__, ValueError)  # the parser's error, without the answer


def test_the_scrubbed_cause_keeps_the_address_and_the_position(store: Store) -> None:
    with server(lambda _: GARBLED) as url, pytest.raises(ds.NetworkUnavailable) as caught:
        threads_exchange(url)
    request = caught.value.__cause__.request  # type: ignore[union-attr]
    assert (request.method, str(request.url)) == ("GET", f"{url}/access_token")
    with server(lambda _: NOT_JSON) as url, pytest.raises(ds.NetworkUnavailable) as caught:
        threads_exchange(url)
    decoding = caught.value.__cause__
    assert isinstance(decoding, json.JSONDecodeError)
    assert (decoding.doc, decoding.pos, decoding.lineno, decoding.colno) == ("", 0, 1, 1)
    with server(lambda _: NOT_UTF8) as url, pytest.raises(ds.NetworkUnavailable) as caught:
        threads_exchange(url)
    undecodable = caught.value.__cause__
    assert isinstance(undecodable, UnicodeDecodeError)
    assert str(undecodable) == "'utf-8' codec can't decode byte 0xff in position 38: invalid start byte"


def threads_answers(me: bytes | None) -> Answers:
    """A Threads server that exchanges the code and the token, then answers ``/me`` with ``me``."""

    def answers(path: str) -> bytes | None:
        if path == "/oauth/access_token":
            return ok(json.dumps({"access_token": TOKEN, "user_id": "123"}))
        if path == "/access_token":
            return ok(json.dumps({"access_token": FRESH, "token_type": "bearer", "expires_in": 5183944}))
        return me

    return answers


def test_the_sign_in_check_of_the_new_token_chains_no_token(store: Store) -> None:
    """The long-lived token goes in ``/me``'s Authorization header: its failure must not keep it."""
    with server(threads_answers(GARBLED)) as url, pytest.raises(ds.NetworkUnavailable) as caught:
        threads_sign_in(url)
    assert_no_secret(caught.value)
    assert isinstance(caught.value.__cause__, httpx.RemoteProtocolError)


def test_an_app_registration_answer_that_is_not_json_is_not_kept(store: Store) -> None:
    """``POST /api/v1/apps`` answers the app's secret: a garbled answer must not ride on the error."""

    def answers(path: str) -> bytes | None:
        if path == "/api/v1/instance":
            return ok(json.dumps({"uri": "example", "version": "4.3.0"}))
        if path == "/api/v1/apps":
            return ok(f'{{"client_id": "app-id", "client_secret": "{APP_SECRET}"')  # cut short
        return b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"

    with server(answers) as url, pytest.raises(ds.NetworkUnavailable) as caught:
        mastodon_auth.start(url, allow_http=True, timeout=0.5)
    assert_no_secret(caught.value)
    assert isinstance(caught.value.__cause__, ValueError)


def test_a_scrubbed_error_still_pickles(store: Store) -> None:
    import pickle

    with server(lambda _: GARBLED) as url, pytest.raises(ds.NetworkUnavailable) as caught:
        threads_exchange(url)
    again: Any = pickle.loads(pickle.dumps(caught.value))
    assert str(again) == str(caught.value)


def test_the_mastodon_check_of_the_new_token_chains_no_token(store: Store) -> None:
    """``verify_credentials`` carries the new token in its header (requests keeps it on its errors)."""

    def answers(path: str) -> bytes | None:
        if path == "/oauth/token":
            return ok(json.dumps({"access_token": FRESH, "token_type": "Bearer", "scope": "read"}))
        return GARBLED

    with server(answers) as url, pytest.raises(ds.NetworkUnavailable) as caught:
        mastodon_code_exchange(url)
    assert_no_secret(caught.value)
    for link in chain(caught.value):  # requests' exceptions keep a PreparedRequest with the headers
        request = getattr(link, "request", None)
        assert FRESH not in repr(dict(getattr(request, "headers", None) or {}))


class QuotesThePassword(BaseHTTPRequestHandler):
    """A PDS whose refusal quotes the app password it was sent."""

    def do_POST(self) -> None:
        sent = json.loads(self.rfile.read(int(self.headers["content-length"])))
        said = f"Invalid identifier or password {sent.get('password')}"
        out = json.dumps({"error": "AuthenticationRequired", "message": said}).encode()
        self.send_response(401)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args: object) -> None:
        pass


def test_a_bluesky_app_password_the_server_quotes_is_masked(store: Store) -> None:
    with serve(QuotesThePassword) as url, pytest.raises(ds.AuthenticationError) as caught:
        bluesky_sign_in(url)
    assert_no_secret(caught.value)
    assert "Invalid identifier or password ***" in str(caught.value)  # the server's words, kept
    assert not store.secrets()


@pytest.mark.parametrize("path", ["mastodon code exchange", "threads sign-in"])
def test_a_pasted_code_that_is_not_unicode_is_not_kept(path: str, store: Store) -> None:
    """A code with a lone surrogate cannot be sent (``InvalidInput``); the encoder's error, which
    keeps the text it could not encode, must not ride along as the context."""
    code = f"{CODE}\ud800"
    flows: dict[str, Callable[[str], object]] = {
        "mastodon code exchange": lambda url: mastodon_flow(url).finish(code=code),
        "threads sign-in": lambda url: (flow := threads_flow(url)).finish(code=code, state=flow.state),
    }
    with closed_port() as url, pytest.raises(ds.InvalidInput, match="lone surrogate") as caught:
        flows[path](url)
    assert_no_secret(caught.value)
