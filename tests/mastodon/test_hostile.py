"""A hostile or broken server cannot hold a call, flood memory, crash a converter or redirect a request.

Each case runs against a real misbehaving server on 127.0.0.1
(tests/servers/mastodon_hostile.py): a drip-feed, a gzip bomb, JSON nested
past the limit or of the wrong shape, an endless stream line, a repeating
cursor, a server that is down. Each call must end in a typed error within
its deadline (bounds are generous: deadline + 2 s).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

import pytest

from decentsocial import (
    Account,
    ConfigurationError,
    DecentSocialError,
    InvalidInput,
    NetworkUnavailable,
    connect,
)
from decentsocial.backends.mastodon import MastodonNetwork
from tests.mastodon.server_fixtures import hostile  # noqa: F401 - the server fixture
from tests.servers.mastodon import DEAD_PORT, HOST
from tests.servers.mastodon_hostile import HostileServer, answer, drip, elapsed, gzip_bomb, hostile_server

from .cassettes import recorded_statuses

DEADLINE = 1.0


def status(ident: str = "1") -> dict[str, Any]:
    data = copy.deepcopy(next(s for s in recorded_statuses() if not s.get("reblog")))
    data["id"] = ident
    return data


def net_for(server: HostileServer, **settings: Any) -> MastodonNetwork:
    options: dict[str, Any] = {
        "access_token": "t",
        "mastodon_version": "4.2.0",
        "retry": {"attempts": 1},
        "limits": {"deadline": DEADLINE},
        **settings,
    }
    net = connect("mastodon", base_url=server.base_url, **options)
    assert isinstance(net, MastodonNetwork)
    return net


def raises_in_time(call: Callable[[], object], error: type[Exception] = NetworkUnavailable) -> Exception:
    started = time.monotonic()
    with pytest.raises(error) as caught:
        call()
    assert elapsed(started) < DEADLINE + 2
    return caught.value


# ---------------------------------------------------------------- deadlines and sizes


def test_a_body_dripped_one_byte_at_a_time_ends_at_the_deadline(server: HostileServer) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"
    server.respond = lambda method, path: drip(head)
    error = raises_in_time(lambda: net_for(server).get_post("1"))
    assert "deadline" in str(error)


def test_headers_dripped_one_byte_at_a_time_end_at_the_deadline(server: HostileServer) -> None:
    server.respond = lambda method, path: drip(b"HTTP/1.1 200 OK\r\nX-Slow: ", every=0.1)
    # Each byte comes well within the read timeout: only the deadline can end this.
    error = raises_in_time(lambda: net_for(server, timeout=5.0).get_post("1"))
    assert "deadline" in str(error)


def test_a_gzip_bomb_is_refused_not_unpacked(server: HostileServer) -> None:
    server.respond = lambda method, path: gzip_bomb(8 * 1024 * 1024)
    net = net_for(server, limits={"deadline": 10, "max_body_bytes": 1024 * 1024})
    error = raises_in_time(lambda: net.get_post("1"))
    assert "max_body_bytes" in str(error)


def test_a_small_gzip_answer_is_read(server: HostileServer) -> None:
    import gzip
    import json

    body = gzip.compress(json.dumps(status("7")).encode())
    server.respond = lambda method, path: answer(body, headers={"Content-Encoding": "gzip"}, raw=True)
    assert net_for(server).get_post("7").id == "7"


def test_json_nested_past_the_limit_is_a_typed_error(server: HostileServer) -> None:
    server.respond = lambda method, path: answer(b"[" * 100_000 + b"]" * 100_000, raw=True)
    error = raises_in_time(lambda: net_for(server).get_post("1"))
    assert "nests deeper" in str(error)


def test_json_nested_past_the_limit_after_a_byte_order_mark_is_a_typed_error(server: HostileServer) -> None:
    # No Content-Type: requests reads the text as UTF-8-SIG, the mark is dropped, the JSON is read.
    deep = b"\xef\xbb\xbf" + b"[" * 500 + b"]" * 500
    server.respond = lambda method, path: (
        f"HTTP/1.1 200 X\r\nContent-Length: {len(deep)}\r\nConnection: close\r\n\r\n".encode() + deep
    )
    error = raises_in_time(lambda: net_for(server).get_post("1"))
    assert "nests deeper" in str(error)


@pytest.mark.parametrize("code", [301, 302, 307, 308])
def test_a_redirect_is_refused_not_followed(server: HostileServer, code: int) -> None:
    with hostile_server() as other:
        other.respond = lambda method, path: answer(status("9"))
        elsewhere = f"{other.base_url}/collect"
        server.respond = lambda method, path: answer({}, code, headers={"Location": elsewhere})
        net = net_for(server)
        for call in (lambda: net.get_post("1"), lambda: net.publish("private draft text")):
            error = raises_in_time(call, ConfigurationError)
            assert f"HTTP {code} to 127.0.0.1: redirects are not followed" in str(error)
        assert other.requests == []  # neither the read nor the post's text went to the other host


def test_a_redirect_loop_ends_at_once(server: HostileServer) -> None:
    server.respond = lambda method, path: answer({}, 302, headers={"Location": "/api/v1/statuses/1"})
    error = raises_in_time(lambda: net_for(server).get_post("1"), ConfigurationError)
    assert "within the server" in str(error)
    assert len(server.requests) == 1


@pytest.mark.parametrize("body", [[1, 2], "a string", 12, None, {"id": "1"}, {"id": {"x": 1}, "account": []}])
def test_an_answer_of_the_wrong_shape_is_a_typed_error(server: HostileServer, body: Any) -> None:
    server.respond = lambda method, path: answer(body)
    raises_in_time(lambda: net_for(server).get_post("1"), DecentSocialError)


def test_one_bad_status_does_not_cost_the_rest_of_the_page(
    server: HostileServer, caplog: pytest.LogCaptureFixture
) -> None:
    broken = status("2")
    del broken["account"]
    nested = status("3")
    nested["content"] = "<b>" * 1200 + "deep" + "</b>" * 1200  # would exhaust a recursive walk
    server.respond = lambda method, path: answer([status("1"), broken, nested, "junk", status("4")])
    posts = list(net_for(server).timeline(limit=10))
    assert [p.id for p in posts] == ["1", "3", "4"]
    assert posts[1].text == "deep"
    assert "skipping a malformed item (id 2)" in caplog.text


def test_a_repeating_cursor_is_a_typed_error(server: HostileServer) -> None:
    link = {"Link": f'<{server.base_url}/api/v1/timelines/home?max_id=5>; rel="next"'}
    pages = iter(range(1_000_000))

    def respond(method: str, path: str) -> bytes:
        n = next(pages)
        return answer([status(str(10_000 - n))], headers=link)

    server.respond = respond
    with pytest.raises(NetworkUnavailable, match="cursor"):
        list(net_for(server).timeline(limit=None))
    assert len(server.requests) < 5


def test_an_endless_stream_line_ends_the_stream(server: HostileServer) -> None:
    def respond(method: str, path: str) -> Any:
        if "streaming" in path:
            head = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: "
            return iter([(0.0, head), *((0.0, b"x" * 4096) for _ in range(1000))])
        return answer({"uri": "x", "version": "4.2.0"})

    server.respond = respond
    net = net_for(server, stream_attempts=1, limits={"deadline": DEADLINE, "max_line_bytes": 4096})
    net.sleep = lambda seconds: None
    error = raises_in_time(lambda: next(net.stream(kind="public")))
    assert "failed 1 times" in str(error)
    assert "longer than 4096 bytes" in str(error)


def test_a_down_server_fails_search_fast_and_typed() -> None:
    # Mastodon.py's version probe used to recurse until RecursionError here.
    net = connect("mastodon", base_url=f"http://{HOST}:{DEAD_PORT}", access_token="t", retry={"attempts": 1})
    for call in (lambda: list(net.search("hello")), lambda: list(net.search("#tag")), net.me):
        started = time.monotonic()
        with pytest.raises(NetworkUnavailable):
            call()
        assert elapsed(started) < 3


# ---------------------------------------------------------------- ids


BAD_IDS = [
    "../accounts/5/follow?",
    "1/../../accounts/5/follow",
    "5?x=1",
    "1#",
    "a b",
    "1\x00",
    "",
    "9" * 65,
    "é",
]


@pytest.mark.parametrize("bad", BAD_IDS)
@pytest.mark.parametrize("member", ["like", "unlike", "repost", "delete", "get_post", "thread"])
def test_an_id_that_is_not_an_id_sends_nothing(server: HostileServer, member: str, bad: str) -> None:
    server.respond = lambda method, path: answer(status())
    with pytest.raises(InvalidInput):
        getattr(net_for(server), member)(bad)
    assert server.requests == []


@pytest.mark.parametrize("bad", BAD_IDS[:4])
def test_an_account_or_reply_id_that_is_not_an_id_sends_nothing(server: HostileServer, bad: str) -> None:
    server.respond = lambda method, path: answer(status())
    net = net_for(server)
    stranger = Account(network="mastodon", id=bad, handle="x")
    for call in (
        lambda: net.follow(stranger),
        lambda: net.unfollow(stranger),
        lambda: list(net.posts(stranger)),
        lambda: net.reply(bad, "hello"),
    ):
        with pytest.raises(InvalidInput):
            call()
    assert server.requests == []


@pytest.mark.parametrize("tag", ["#../../accounts/5/follow", "#a/b", "#x?y=1", "#%2e%2e"])
def test_a_hashtag_that_is_not_a_hashtag_sends_nothing(server: HostileServer, tag: str) -> None:
    server.respond = lambda method, path: answer([])
    with pytest.raises(InvalidInput):
        list(net_for(server).search(tag))
    assert server.requests == []


def test_ids_of_every_mastodon_api_server_are_taken(server: HostileServer) -> None:
    # Mastodon snowflakes, Pleroma/Akkoma flake ids, GoToSocial ULIDs.
    ids = ["109876543210987654", "AbCdEfGh12345678", "01HQ3Z9G5XKJ8Y7W6V5T4S3R2Q", "a_b-c"]
    server.respond = lambda method, path: answer(status(path.split("/")[4]))
    net = net_for(server)
    assert [net.get_post(i).id for i in ids] == ids
    assert [path for _, path in server.requests] == [f"/api/v1/statuses/{i}" for i in ids]
