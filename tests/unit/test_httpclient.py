"""The shared HTTP transport (decentsocial.httpclient) against httpx's MockTransport, and its limits
against misbehaving servers on 127.0.0.1."""

from __future__ import annotations

import gzip
import json
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

import decentsocial as ds
from decentsocial.errors import DecentSocialError
from decentsocial.httpclient import HttpApi, checked_text, read_token, server_words
from decentsocial.limits import Limits, guarded_transport
from tests.servers._hostile_httpapi import HostileServer, hostile_server
from tests.servers._loopback_http import serve

Handler = Callable[[httpx.Request], httpx.Response]


def no_sleep(seconds: float) -> None:
    return None


def api(handler: Handler, *, attempts: int = 3, cls: type[HttpApi] = HttpApi) -> HttpApi:
    return cls(
        "demo",
        "Demo",
        "https://api.example/",
        timeout=5.0,
        retry=ds.RetryPolicy(attempts=attempts, sleep=no_sleep),
        transport=httpx.MockTransport(handler),
    )


def answers(*responses: httpx.Response | Exception) -> tuple[Handler, list[httpx.Request]]:
    """A handler giving ``responses`` in turn (an exception is raised), and the requests it saw."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        item = responses[min(len(seen), len(responses)) - 1]
        if isinstance(item, Exception):
            raise item
        return item

    return handler, seen


def test_the_transport_opens_on_first_use_and_again_after_close() -> None:
    handler, seen = answers(httpx.Response(200, json={"ok": True}))
    client = api(handler)
    assert client._transport is None  # building a connection does no I/O
    assert client.call("GET", "/x") == {"ok": True}
    client.close()
    assert client._transport is None
    assert client.call("GET", "/x") == {"ok": True}
    assert [r.url.path for r in seen] == ["/x", "/x"]


def test_requests_carry_the_base_path_query_body_and_headers() -> None:
    handler, seen = answers(httpx.Response(200, json={"ok": True}))
    client = HttpApi(
        "demo", "Demo", "https://api.example/base/", timeout=5.0, transport=httpx.MockTransport(handler)
    )
    client.call("GET", "/v1/x", params={"q": "نعم", "n": 2}, headers={"X-Extra": "1"})
    client.call("POST", "v1/form", data={"a": "b c"})
    client.call("PUT", "/v1/json", json={"text": "مرحبا"})
    get, form, put = seen
    assert str(get.url) == "https://api.example/base/v1/x?q=%D9%86%D8%B9%D9%85&n=2"
    assert get.headers["accept-encoding"] == "gzip, deflate"  # exactly what the guarded transport decodes
    assert get.headers["user-agent"] == "decentsocial"
    assert get.headers["x-extra"] == "1"
    assert get.headers["host"] == "api.example"
    assert get.extensions["timeout"] == {"connect": 5.0, "read": 5.0, "write": 5.0, "pool": 5.0}
    assert form.url.path == "/base/v1/form"
    assert form.headers["content-type"] == "application/x-www-form-urlencoded"
    assert form.content == b"a=b+c"
    assert json.loads(put.content) == {"text": "مرحبا"}


def test_a_cookie_a_server_sets_is_never_sent_back() -> None:
    handler, seen = answers(httpx.Response(200, headers={"Set-Cookie": "tracker=1; Path=/"}, json={}))
    client = api(handler)
    client.call("GET", "/x")
    client.call("GET", "/x")
    assert "cookie" not in seen[1].headers


def test_the_request_log_names_the_path_never_the_query(caplog: pytest.LogCaptureFixture) -> None:
    handler, _ = answers(httpx.Response(200, json={}))
    caplog.set_level(logging.DEBUG)
    api(handler).call("GET", "/access_token", params={"client_secret": "s3cr3t-value"})
    assert "GET /access_token: 200" in caplog.text
    assert "s3cr3t-value" not in caplog.text


def test_a_connection_that_never_opened_is_retried_and_then_retryable() -> None:
    handler, seen = answers(httpx.ConnectError("refused"))
    with pytest.raises(ds.NetworkUnavailable, match="cannot reach Demo") as info:
        api(handler, attempts=2).call("POST", "/posts", safe_to_repeat=False)
    assert info.value.retryable is True  # nothing reached the server, even for a write
    assert len(seen) == 2
    assert isinstance(info.value.__cause__, httpx.ConnectError)


def test_a_timeout_is_retried_only_when_safe_to_repeat() -> None:
    handler, seen = answers(httpx.ReadTimeout("slow"), httpx.Response(200, json={"n": 1}))
    assert api(handler).call("GET", "/read") == {"n": 1}
    assert len(seen) == 2
    handler, seen = answers(httpx.ReadTimeout("slow"), httpx.Response(200, json={"n": 1}))
    with pytest.raises(ds.NetworkUnavailable, match="ReadTimeout") as info:
        api(handler).call("POST", "/write")
    assert info.value.retryable is False
    assert len(seen) == 1


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, ds.ContentRejected),
        (401, ds.AuthenticationError),
        (403, ds.PermissionDenied),
        (404, ds.NotFound),
        (422, ds.ContentRejected),
        (503, ds.NetworkUnavailable),
    ],
)
def test_statuses_go_through_the_shared_table_with_the_servers_words(
    status: int, error: type[DecentSocialError]
) -> None:
    handler, _ = answers(httpx.Response(status, json={"message": "the server's words"}))
    with pytest.raises(error) as info:
        api(handler, attempts=1).call("GET", "/x")
    assert info.value.server_message == "the server's words"
    assert info.value.network == "demo"


def test_a_5xx_is_retried_for_reads_not_for_writes() -> None:
    handler, seen = answers(httpx.Response(503), httpx.Response(200, json={}))
    api(handler).call("GET", "/x")
    assert len(seen) == 2
    handler, seen = answers(httpx.Response(503), httpx.Response(200, json={}))
    with pytest.raises(ds.NetworkUnavailable) as info:
        api(handler).call("PUT", "/x")
    assert info.value.retryable is False
    assert len(seen) == 1


def test_429_carries_the_wait_the_server_asked_for() -> None:
    handler, seen = answers(httpx.Response(429, headers={"Retry-After": "7"}))
    with pytest.raises(ds.RateLimited) as info:
        api(handler, attempts=1).call("POST", "/x")
    assert info.value.retry_after == pytest.approx(7.0)
    assert len(seen) == 1


def test_a_backend_hook_reads_its_own_error_bodies() -> None:
    class Coded(HttpApi):
        def error(
            self, response: httpx.Response, body: Any, *, method: str, safe_to_repeat: bool
        ) -> DecentSocialError:
            if body and body.get("code") == 190:
                return ds.AuthenticationError("token expired", network=self.network)
            return super().error(response, body, method=method, safe_to_repeat=safe_to_repeat)

    handler, _ = answers(httpx.Response(400, json={"code": 190}))
    with pytest.raises(ds.AuthenticationError, match="token expired"):
        api(handler, cls=Coded).call("GET", "/x")
    handler, _ = answers(httpx.Response(400, text="<html>proxy</html>"))
    with pytest.raises(ds.ContentRejected):  # no JSON: the hook gets None and falls back
        api(handler, cls=Coded).call("GET", "/x")


@pytest.mark.parametrize("response", [httpx.Response(200, text="not json"), httpx.Response(200, json=[1, 2])])
def test_an_answer_that_is_not_a_json_object_is_the_servers_failure(response: httpx.Response) -> None:
    handler, _ = answers(response)
    with pytest.raises(ds.NetworkUnavailable, match="Demo answered"):
        api(handler, attempts=1).call("GET", "/x")


def test_a_401_renews_the_credentials_once_and_resends() -> None:
    class Session(HttpApi):
        token = "old"
        renewals = 0

        def auth_headers(self) -> dict[str, str]:
            return {"Authorization": f"Bearer {self.token}"}

        def reauthenticate(self) -> bool:
            self.renewals += 1
            self.token = "new"
            return True

    handler, seen = answers(httpx.Response(401), httpx.Response(200, json={"me": 1}))
    client = api(handler, cls=Session)
    assert client.call("GET", "/me") == {"me": 1}
    assert [r.headers["Authorization"] for r in seen] == ["Bearer old", "Bearer new"]
    handler, seen = answers(httpx.Response(401))
    client = api(handler, cls=Session)
    assert isinstance(client, Session)
    with pytest.raises(ds.AuthenticationError):
        client.call("GET", "/me")
    assert client.renewals == 1  # once per request, not a loop
    assert len(seen) == 2


def test_without_a_renewal_hook_a_401_is_the_answer() -> None:
    handler, seen = answers(httpx.Response(401))
    with pytest.raises(ds.AuthenticationError):
        api(handler).call("GET", "/me")
    assert len(seen) == 1


def test_unauthenticated_requests_leave_out_the_auth_headers() -> None:
    class Bearer(HttpApi):
        def auth_headers(self) -> dict[str, str]:
            return {"Authorization": "Bearer t"}

    handler, seen = answers(httpx.Response(200, json={}))
    client = api(handler, cls=Bearer)
    client.send("POST", "/token", safe_to_repeat=True, authenticated=False)
    client.send("GET", "/me", safe_to_repeat=True)
    assert "Authorization" not in seen[0].headers
    assert seen[1].headers["Authorization"] == "Bearer t"


def test_delete_after_a_lost_answer_treats_not_found_as_done() -> None:
    handler, seen = answers(httpx.Response(502), httpx.Response(404))
    api(handler).delete("/posts/1")
    assert [r.method for r in seen] == ["DELETE", "DELETE"]


def test_delete_of_something_missing_is_not_found() -> None:
    handler, seen = answers(httpx.Response(404))
    with pytest.raises(ds.NotFound):
        api(handler).delete("/posts/1")
    assert len(seen) == 1


def test_server_words() -> None:
    assert server_words({"message": "m", "error": "e"}) == "m"
    assert server_words({"error": "invalid_grant", "error_description": "bad password"}) == "bad password"
    assert server_words({"message": 5}) is None
    assert server_words(["message"]) is None
    assert server_words(None) is None


def test_read_token() -> None:
    token = read_token({"access_token": "a-secret", "refresh_token": "r-secret", "expires_in": 3600})
    assert token is not None
    assert token.access_token.get_secret_value() == "a-secret"
    assert token.refresh_token is not None
    assert token.refresh_token.get_secret_value() == "r-secret"
    assert token.expires_in == 3600
    assert token.expires_at is not None
    assert token.token_type == "bearer"
    assert "a-secret" not in repr(token)
    assert "r-secret" not in repr(token)
    assert read_token({"access_token": ""}) is None
    assert read_token({"token": "x"}) is None
    assert read_token("not an object") is None
    assert read_token({"access_token": "tøken"}) is None  # no header could carry it
    assert read_token({"access_token": "a b"}) is None
    broken = read_token({"access_token": "a", "refresh_token": "r\ud800"})
    assert broken is not None
    assert broken.refresh_token is None  # could not be sent back: as good as none
    odd = read_token({"access_token": "a", "expires_in": "9" * 25, "refresh_token": 3})
    assert odd is not None
    assert odd.expires_at is None
    assert odd.expires_in is None
    assert odd.refresh_token is not None  # a number is read as text, like every id


# ---------------------------------------------------------------- limits against misbehaving servers


@pytest.fixture(scope="module")
def hostile() -> Iterator[HostileServer]:
    with hostile_server() as server:
        yield server


def loopback_api(base_url: str, *, deadline: float = 30.0, attempts: int = 3) -> HttpApi:
    return HttpApi(
        "demo",
        "Demo",
        base_url,
        timeout=30.0,
        retry=ds.RetryPolicy(attempts=attempts, sleep=no_sleep),
        limits=Limits(deadline=deadline),
    )


def test_a_dripping_server_cannot_hold_a_call_past_the_deadline(hostile: HostileServer) -> None:
    client = loopback_api(f"{hostile.url}/drip", deadline=1.0)
    before = len(hostile.requests)
    started = time.monotonic()
    with pytest.raises(ds.NetworkUnavailable, match="deadline") as info:
        client.call("GET", "/x")  # the drip alone takes 10 s
    assert time.monotonic() - started < 1.0 + 2.0
    assert info.value.network == "demo"
    assert len(hostile.requests) == before + 1  # not retried: the server would do it again
    client.close()


def test_a_gzip_bomb_is_refused_not_unpacked(hostile: HostileServer) -> None:
    client = loopback_api(f"{hostile.url}/bomb")
    with pytest.raises(ds.NetworkUnavailable, match="max_body_bytes"):
        client.call("GET", "/x")
    client.close()


def test_json_nested_past_the_depth_limit_is_a_typed_error(hostile: HostileServer) -> None:
    client = loopback_api(f"{hostile.url}/deep")
    with pytest.raises(ds.NetworkUnavailable, match="deeper than 64"):
        client.call("GET", "/x")
    client = loopback_api(f"{hostile.url}/deeperror", attempts=1)
    with pytest.raises(ds.ContentRejected):  # the 400 it is, its unreadable body read as none
        client.call("GET", "/x")
    client.close()


def test_the_limits_hold_over_a_transport_given_by_the_caller() -> None:
    bomb = gzip.compress(b" " * (4 * 1024 * 1024))
    handler, _ = answers(httpx.Response(200, headers={"Content-Encoding": "gzip"}, content=bomb))
    client = HttpApi(
        "demo",
        "Demo",
        "https://api.example",
        timeout=5.0,
        limits=Limits(max_body_bytes=1024 * 1024),
        transport=httpx.MockTransport(handler),
    )
    with pytest.raises(ds.NetworkUnavailable, match="max_body_bytes"):
        client.call("GET", "/x")


@pytest.fixture
def encoded_server() -> Iterator[str]:
    """A well-behaved server on 127.0.0.1 answering ``{"ok": "نعم"}`` gzipped, chunked or plain (by path)."""
    import http.server
    import json

    body = json.dumps({"ok": "نعم"}).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive and chunked answers

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            if self.path.startswith("/gzip"):
                data = gzip.compress(body)
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            elif self.path.startswith("/chunked"):
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for part in (body[:5], body[5:]):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                self.wfile.write(b"0\r\n\r\n")
            else:
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

    with serve(Handler) as url:
        yield url


@pytest.mark.parametrize("path", ["/gzip", "/chunked", "/plain"])
def test_answers_read_over_sockets_are_kept_decoded_with_their_length(encoded_server: str, path: str) -> None:
    """The guarded transport hands httpx the answer it read and capped: decoded, its length stated,
    the connection reused for the next request."""
    client = loopback_api(encoded_server)
    for _ in range(2):
        assert client.call("GET", path) == {"ok": "نعم"}
    response = client.send("GET", path, safe_to_repeat=True)
    assert response.json() == {"ok": "نعم"}
    assert "content-encoding" not in response.headers
    assert "transfer-encoding" not in response.headers
    assert response.headers["content-length"] == str(len(response.content))
    client.close()


@pytest.mark.parametrize("path", ["/gzip", "/chunked", "/plain"])
def test_a_transport_below_httpx_gets_the_answer_already_read(encoded_server: str, path: str) -> None:
    """A transport wrapping the guarded one (Bluesky's endpoint and depth check) reads ``content``
    before any client has called ``read()``: the guarded transport's answer is read whole."""
    transport = guarded_transport(Limits(), network="test")
    try:
        response = transport.handle_request(httpx.Request("GET", encoded_server + path))
        assert json.loads(response.content) == {"ok": "نعم"}
        assert response.is_closed
    finally:
        transport.close()


def test_a_parameter_no_url_can_carry_is_invalid_input_and_nothing_is_sent(hostile: HostileServer) -> None:
    client = HttpApi("demo", "Demo", f"{hostile.url}/ok", timeout=5.0)
    before = len(hostile.requests)
    with pytest.raises(ds.InvalidInput, match="lone surrogate"):
        client.call("GET", "/search", params={"q": "caf\udce9"})
    with pytest.raises(ds.InvalidInput, match="lone surrogate at character 3"):
        checked_text("caf\udce9", network="demo", what="a query")
    with pytest.raises(ds.InvalidInput, match="must be text"):
        checked_text(None, network="demo", what="a query")  # type: ignore[arg-type]
    assert len(hostile.requests) == before
    assert client.call("GET", "/search", params={"q": "café"}) == {}
    client.close()


TOKEN = "EAAGm0PX4ZCpsBAKZD0secret"


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422, 429, 500])
def test_a_token_the_server_quotes_in_its_error_is_masked(status: int) -> None:
    """A server may quote the credentials it refused ("invalid token EAA…"): never in our error."""

    def handler(request: httpx.Request) -> httpx.Response:
        query = request.url.params["access_token"]
        said = f"invalid {request.headers['authorization']} and access_token={query}"
        return httpx.Response(status, json={"error": {"message": said}, "message": said})

    class Authed(HttpApi):
        def auth_headers(self) -> dict[str, str]:
            return {"Authorization": f"Bearer {TOKEN}"}

    with pytest.raises(DecentSocialError) as caught:
        api(handler, attempts=1, cls=Authed).once(
            "GET", "me", safe_to_repeat=True, params={"access_token": TOKEN + "2"}
        )
    error = caught.value
    shown = f"{error} {error!r} {error.message} {error.server_message} {error.args}"
    assert TOKEN not in shown
    assert "invalid Bearer *** and access_token=***" in (error.server_message or "")


def test_a_form_secret_the_token_endpoint_quotes_is_masked() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"error_description": f"bad client: {request.content.decode()}"})

    with pytest.raises(DecentSocialError) as caught:
        api(handler, attempts=1).once(
            "POST",
            "oauth/token",
            safe_to_repeat=False,
            authenticated=False,
            data={"client_id": "app", "client_secret": "s3cr3t-value", "code": "one-time-code-123"},
        )
    assert "s3cr3t-value" not in str(caught.value)
    assert "one-time-code-123" not in str(caught.value)
    assert "client_id=app" in str(caught.value)  # what is no secret stays readable


def test_only_parameters_named_like_secrets_are_masked() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"message": f"refused {request.url.query.decode()}"})

    params = {"author": "brand-account", "keyword": "springsale", "api_key": "k3y-value-123"}
    with pytest.raises(DecentSocialError) as caught:
        api(handler, attempts=1).once("GET", "search", safe_to_repeat=True, params=params)
    said = str(caught.value)
    assert "author=brand-account" in said
    assert "keyword=springsale" in said
    assert "k3y-value-123" not in said
