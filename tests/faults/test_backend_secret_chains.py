"""No token is reachable from the error a Mastodon or Bluesky backend call raises, through its chain.

The sign-in paths are covered in ``tests/auth/test_secret_free_chains.py``; these are the calls a
connected bot makes every minute. requests' exceptions (under Mastodon.py) keep the request and
its ``Authorization: Bearer …`` header, httpx's (under atproto) the same, and the login request
keeps the password in its body: none of it may hang off our error. The causes that tell the
backend whether a write may have happened (a refused connection) must survive the scrubbing.

Each path is run against a loopback listener that answers with a garbled status line, a 200 that
is not JSON (holding a token), or is not listening.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import httpx
import pytest

import decentsocial as ds
from decentsocial import errors
from tests.auth.test_secret_free_chains import (
    APP_SECRET,
    FRESH,
    GARBLED,
    NOT_JSON,
    PASSWORD,
    chain,
    closed_port,
    server,
)

MASTODON_TOKEN = "mastodon-token-Kq72Zx18Wv"
ACCESS_SIGNATURE = "ACCESSsig-Pw38Ld90"
REFRESH_SIGNATURE = "REFRESHsig-Gh61Tm27"
SECRETS = (MASTODON_TOKEN, ACCESS_SIGNATURE, REFRESH_SIGNATURE, PASSWORD, FRESH, APP_SECRET)


def _jwt(signature: str, scope: str) -> str:
    """An unsigned JWT atproto can decode (it reads the expiry; the server would check the signature)."""

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    claims = {"scope": scope, "sub": "did:plc:brand", "iat": 1, "exp": 4102444800, "aud": "did:web:pds"}
    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.{signature}"


def reachable_text(error: BaseException) -> str:
    """What a tracker could read off the chain: reprs, attributes, and any request's URL, headers and body."""
    texts: list[str] = []
    for link in chain(error):
        texts += [repr(link), str(link), repr(link.args), repr(getattr(link, "__dict__", {}))]
        for holder in (link, getattr(link, "response", None)):
            try:
                request = getattr(holder, "request", None)
            except RuntimeError:  # httpx raises when an exception has no request
                request = None
            if isinstance(request, httpx.Request):
                texts += [str(request.url), repr(list(request.headers.items())), repr(request.content)]
            elif request is not None:  # requests' PreparedRequest
                texts += [repr(getattr(request, "url", "")), repr(dict(request.headers)), repr(request.body)]
        for name in ("doc", "object"):
            texts.append(repr(getattr(link, name, "")))
    return "\n".join(texts)


def mastodon(url: str) -> Any:
    return ds.connect("mastodon", base_url=url, access_token=MASTODON_TOKEN, timeout=0.5)


def mastodon_timeline(url: str) -> None:
    with mastodon(url) as net:
        list(net.timeline(limit=1))


def mastodon_publish(url: str) -> None:
    with mastodon(url) as net:
        net.publish("hello")


def mastodon_stream(url: str) -> None:
    with mastodon(url) as net, net.transport.open_stream(url + "/api/v1/streaming/user", {}) as answer:
        list(answer.chunks)


def bluesky_session_call(url: str) -> None:
    session = f"brand.test:::did:plc:brand:::{_jwt(ACCESS_SIGNATURE, 'com.atproto.access')}:::" + (
        f"{_jwt(REFRESH_SIGNATURE, 'com.atproto.refresh')}:::{url}"
    )
    with ds.connect("bluesky", base_url=url, session_string=session, timeout=0.5) as net:
        list(net.timeline(limit=1))


def bluesky_password_login(url: str) -> None:
    with ds.connect("bluesky", base_url=url, handle="brand.test", password=PASSWORD, timeout=0.5) as net:
        list(net.timeline(limit=1))


PATHS: dict[str, Callable[[str], None]] = {
    "mastodon timeline": mastodon_timeline,
    "mastodon publish": mastodon_publish,
    "mastodon stream": mastodon_stream,
    "bluesky call with a saved session": bluesky_session_call,
    "bluesky password login": bluesky_password_login,
}
#: An event stream whose connection is dropped in the middle of a chunk.
DROPPED = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel"
LISTENERS: dict[str, Callable[[], AbstractContextManager[str]]] = {
    "garbled status line": lambda: server(lambda _path: GARBLED),
    "a 200 that is not JSON": lambda: server(lambda _path: NOT_JSON),
    "a stream dropped mid-chunk": lambda: server(lambda _path: DROPPED),
    "nothing listening": closed_port,
}


def _reads(path: str, listener: str) -> bool:
    """Whether ``path`` fails on what ``listener`` sends: a stream reads no JSON, the others no stream."""
    if listener == "a 200 that is not JSON":
        return path != "mastodon stream"
    if listener == "a stream dropped mid-chunk":
        return path == "mastodon stream"
    return True


CASES = [(path, listener) for path in PATHS for listener in LISTENERS if _reads(path, listener)]


@pytest.mark.parametrize(("path", "listener"), CASES)
def test_no_token_hangs_off_a_failed_backend_call(path: str, listener: str) -> None:
    with LISTENERS[listener]() as url, pytest.raises(errors.DecentSocialError) as caught:
        PATHS[path](url)
    error = caught.value
    assert isinstance(error, errors.NetworkUnavailable), repr(error)
    text = reachable_text(error)
    assert not [s for s in SECRETS if s in text], text


@pytest.mark.parametrize(
    "path", ["mastodon timeline", "mastodon publish", "bluesky call with a saved session"]
)
def test_a_refused_connection_is_still_told_apart(path: str) -> None:
    """The scrubbed cause keeps the failure's kind: a refused port means the request never arrived,
    which is what lets a write be retried without posting twice."""
    with closed_port() as url, pytest.raises(errors.NetworkUnavailable) as caught:
        PATHS[path](url)
    kinds = [type(link) for link in chain(caught.value)[1:]]
    assert any(issubclass(kind, (ConnectionRefusedError, httpx.ConnectError)) for kind in kinds), kinds
