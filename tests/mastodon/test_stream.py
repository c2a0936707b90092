"""``stream()`` against the server's real Server-Sent-Events streaming API."""

from __future__ import annotations

import selectors
import socket
import threading
import time
from collections.abc import Callable, Generator, Iterator
from typing import Any

import pytest

from decentsocial import AuthenticationError, InvalidInput, NetworkUnavailable, Post, connect
from decentsocial.backends.mastodon import MastodonNetwork
from decentsocial.backends.mastodon.stream import streaming_url
from tests.contract.harness import Harness
from tests.mastodon.server_fixtures import local_server  # noqa: F401 - the server fixture
from tests.servers.mastodon import DEAD_PORT, HOST, PORT, MastodonServer

#: The cutting relay below listens here.


def opened(stream: Iterator[Post]) -> Generator[Post, None, None]:
    """The stream as the generator it is, so a test can close() it."""
    assert isinstance(stream, Generator)
    return stream


def first_match(
    stream: Iterator[Post], publish: Callable[[], Post], deadline: float = 20.0
) -> tuple[Post, Post]:
    """Publish (repeatedly, until seen) from another thread; return the published and the streamed post."""
    done = threading.Event()
    published: list[Post] = []

    def keep_publishing() -> None:
        end = time.monotonic() + deadline
        while not done.is_set() and time.monotonic() < end:
            published.append(publish())
            done.wait(0.3)

    worker = threading.Thread(target=keep_publishing, daemon=True)
    worker.start()
    try:
        end = time.monotonic() + deadline
        for post in stream:
            ids = {p.id for p in published}
            if post.id in ids:
                return next(p for p in published if p.id == post.id), post
            assert time.monotonic() < end, "no published post came through the stream"
        raise AssertionError("the stream ended")
    finally:
        done.set()
        worker.join(5)


def test_public_stream_yields_new_posts(server: MastodonServer) -> None:
    alice, bob = server.connect("alice"), server.connect("bob")
    text = Harness.unique("stream")
    stream = opened(alice.stream(kind="public"))
    sent, got = first_match(stream, lambda: bob.publish(f"{text} #Streamed"))
    stream.close()
    assert got.text == sent.text
    assert got.author.handle == "bob"
    assert "streamed" in got.tags


def test_hashtag_stream_only_that_tag(server: MastodonServer) -> None:
    alice, bob = server.connect("alice"), server.connect("bob")
    tag = Harness.unique("t")
    stream = opened(alice.stream(kind="hashtag", tag=f"#{tag}"))
    _, got = first_match(stream, lambda: bob.publish(f"about #{tag}"))
    stream.close()
    assert tag.lower() in got.tags


def test_user_stream_has_posts_of_followed_accounts(server: MastodonServer) -> None:
    alice, bob = server.connect("alice"), server.connect("bob")
    alice.follow("bob")
    try:
        stream = opened(alice.stream(kind="user"))
        sent, got = first_match(stream, lambda: bob.publish(Harness.unique("home")))
        stream.close()
        assert got.id == sent.id
    finally:
        alice.unfollow("bob")


def test_stream_reconnects_with_growing_backoff(server: MastodonServer) -> None:
    """The first two connections get 503: the stream waits (longer each time), reconnects and delivers."""
    server.add_fault(
        {
            "match": {"path": "/api/v1/streaming/public"},
            "effect": {"type": "status", "status": 503},
            "count": 2,
        }
    )
    alice, bob = server.connect("alice"), server.connect("bob")
    assert isinstance(alice, MastodonNetwork)
    waits: list[float] = []

    def record(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    alice.sleep = record
    stream = opened(alice.stream(kind="public"))
    sent, got = first_match(stream, lambda: bob.publish(Harness.unique("again")))
    stream.close()
    assert got.id == sent.id
    assert len(waits) == 2
    assert waits[0] < waits[1]


def test_stream_gives_up_after_bounded_attempts(server: MastodonServer) -> None:
    net = connect(
        "mastodon",
        base_url=f"http://{HOST}:{DEAD_PORT}",
        access_token="t",
        allow_http=True,
        stream_attempts=2,
        retry={"attempts": 1},
    )
    assert isinstance(net, MastodonNetwork)
    waits: list[float] = []
    net.sleep = waits.append
    net._instance = {}  # the dead server has no instance document to read the streaming URL from
    with pytest.raises(NetworkUnavailable):
        next(net.stream(kind="public"))
    assert len(waits) == 1


def test_a_server_down_when_the_stream_starts_is_retried_with_backoff() -> None:
    """The first connection also needs the instance document (for the streaming URL): a server
    that is down at that moment is a failed connection like any other, waited for and retried."""
    net = connect(
        "mastodon",
        base_url=f"http://{HOST}:{DEAD_PORT}",
        access_token="t",
        allow_http=True,
        stream_attempts=3,
        retry={"attempts": 1},
    )
    assert isinstance(net, MastodonNetwork)
    waits: list[float] = []
    net.sleep = waits.append
    with pytest.raises(NetworkUnavailable, match="3 times"):
        next(net.stream(kind="public"))
    assert len(waits) == 2


def test_stream_with_a_bad_token(server: MastodonServer) -> None:
    net = connect("mastodon", base_url=server.base_url, access_token="bad-token", allow_http=True)
    with pytest.raises(AuthenticationError):
        next(net.stream(kind="user"))


def test_stream_bad_arguments_fail_before_io() -> None:
    net = connect("mastodon", base_url=f"http://{HOST}:{DEAD_PORT}", access_token="t", allow_http=True)
    with pytest.raises(InvalidInput):
        net.stream(kind="local-firehose")
    with pytest.raises(InvalidInput):
        net.stream(kind="hashtag")
    anonymous: Any = connect("mastodon", base_url=f"http://{HOST}:{DEAD_PORT}", allow_http=True)
    with pytest.raises(AuthenticationError):
        anonymous.stream(kind="user")


def test_posts_made_while_reconnecting_are_caught_up(server: MastodonServer) -> None:
    """The read times out between heartbeats (1 s) and the stream reconnects; a post made
    while it was away (published from inside the backoff wait) still comes through."""
    alice, bob = server.connect("alice", stream_timeout=0.6), server.connect("bob")
    made_while_away: list[Post] = []

    def publish_while_away(seconds: float) -> None:
        if not made_while_away:
            made_while_away.append(bob.publish(Harness.unique("away")))
        time.sleep(min(seconds, 0.2))

    stream = opened(alice.stream(kind="public"))
    _, first = first_match(stream, lambda: bob.publish(Harness.unique("before")))
    alice.sleep = publish_while_away
    end = time.monotonic() + 20
    for post in stream:
        if made_while_away and post.id == made_while_away[0].id:
            break
        assert time.monotonic() < end, "the post made during the reconnect never came"
    stream.close()
    assert first.id != made_while_away[0].id


@pytest.mark.parametrize(
    ("announced", "expected"),
    [
        ("wss://streaming.social.example", "https://streaming.social.example"),  # a subdomain: trusted
        ("wss://social.example", "https://social.example"),
        ("wss://collector.elsewhere.example", "https://social.example"),  # the token must not go there
        ("wss://evilsocial.example", "https://social.example"),  # a look-alike suffix is not a subdomain
        # Read as evil.example by browsers and by the HTTP library; urlsplit read social.example.
        ("https://evil.example\\@social.example", "https://social.example"),
        ("wss://evil.example\\.social.example", "https://social.example"),
        ("wss://evil.example\tsocial.example", "https://social.example"),
        ("wss://STREAMING.Social.Example:4443/", "https://streaming.social.example:4443"),  # canonical form
        ("ws://streaming.social.example", "https://streaming.social.example"),  # no plain http elsewhere
        ("not a url", "https://social.example"),
    ],
)
def test_stream_sends_the_token_only_to_the_servers_own_hosts(announced: str, expected: str) -> None:
    net = connect("mastodon", base_url="https://social.example", access_token="secret-token")
    assert isinstance(net, MastodonNetwork)
    instance = {"configuration": {"urls": {"streaming": announced}}}  # as the instance document says
    assert streaming_url(instance, net.settings.base_url, allow_http=False) == expected


class CuttingRelay:
    """A TCP relay on loopback to the test server that cuts each streaming connection
    ``cut_after`` seconds after its request, as a proxy or a restarting streaming server does.
    Every byte in between (the server's own heartbeats) is passed through unchanged."""

    def __init__(self, cut_after: float) -> None:
        self.cut_after = cut_after
        self.cuts = 0
        self._stop = threading.Event()
        # A port the system picks: a fixed one may be the local end of some client's connection.
        self._listener = socket.create_server((HOST, 0))
        self.port: int = self._listener.getsockname()[1]
        self._listener.settimeout(0.2)
        self._threads = [threading.Thread(target=self._serve, daemon=True)]
        self._threads[0].start()

    def close(self) -> None:
        self._stop.set()
        for thread in list(self._threads):
            thread.join(5)
        self._listener.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            worker = threading.Thread(target=self._relay, args=(client,), daemon=True)
            self._threads.append(worker)
            worker.start()

    def _relay(self, client: socket.socket) -> None:
        upstream = socket.create_connection((HOST, PORT), timeout=5)
        deadline: float | None = None
        with client, upstream, selectors.DefaultSelector() as selector:
            selector.register(client, selectors.EVENT_READ, upstream)
            selector.register(upstream, selectors.EVENT_READ, client)
            while not self._stop.is_set():
                if deadline is not None and time.monotonic() >= deadline:
                    self.cuts += 1
                    return
                for key, _ in selector.select(timeout=0.05):
                    source = key.fileobj
                    assert isinstance(source, socket.socket)
                    try:
                        data = source.recv(65536)
                        if data:
                            key.data.sendall(data)
                    except OSError:  # either side went away
                        return
                    if not data:
                        return
                    if source is client and deadline is None and b" /api/v1/streaming/" in data:
                        deadline = time.monotonic() + self.cut_after


def test_a_stream_cut_again_and_again_after_working_keeps_going(server: MastodonServer) -> None:
    """Each connection works (the server's heartbeats arrive) until the relay cuts it: a quiet
    stream dropped more often than ``stream_attempts`` is not a failing one, and must not give up."""
    relay = CuttingRelay(cut_after=1.0)
    try:
        alice = connect(
            "mastodon",
            base_url=f"http://localhost:{relay.port}",
            access_token=server.tokens["alice"],
            allow_http=True,
            stream_attempts=2,
        )
        assert isinstance(alice, MastodonNetwork)
        alice.sleep = lambda seconds: time.sleep(min(seconds, 0.2))
        bob = server.connect("bob")

        def publish_after_the_cuts() -> Post:
            end = time.monotonic() + 15
            while relay.cuts < 3:
                assert time.monotonic() < end, "the relay never cut the stream"
                time.sleep(0.05)
            return bob.publish(Harness.unique("quiet"))

        stream = opened(alice.stream(kind="public"))
        sent, got = first_match(stream, publish_after_the_cuts, deadline=30)
        stream.close()
        assert got.id == sent.id
        assert relay.cuts >= 3
    finally:
        relay.close()


def test_a_loopback_streaming_host_may_be_plain_http() -> None:
    instance = {"configuration": {"urls": {"streaming": "ws://127.0.0.1:4000"}}}
    assert streaming_url(instance, "http://127.0.0.1:3000", allow_http=False) == "http://127.0.0.1:4000"


def test_a_status_the_stream_cannot_use_is_skipped() -> None:
    from decentsocial.backends.mastodon.stream import read_events

    events = list(read_events([b"event: update\ndata: " + b"[" * 200 + b"\n\n:thump\n"]))
    assert [e.payload for e in events] == [None, None]  # too deep: skipped, not parsed
