"""Threads against servers and callers that misbehave: limits, ids, plain http, exactly-once state."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.backends.threads import ThreadsNetwork, ThreadsSettings
from decentsocial.limits import Limits
from decentsocial.state import StateStore
from tests.servers._hostile_httpapi import HostileServer, hostile_server
from tests.servers._process import ContractServer
from tests.servers.threads import threads_connect, threads_user


def stats(server: ContractServer) -> dict[str, Any]:
    result: dict[str, Any] = server.control("stats")
    return result


def threads(**settings: Any) -> ThreadsNetwork:
    return ThreadsNetwork(ThreadsSettings(**{"access_token": "token", "user_id": "1", **settings}))


@pytest.fixture(scope="module")
def hostile() -> Iterator[HostileServer]:
    with hostile_server() as server:
        yield server


# ---------------------------------------------------------------- deadlines and size caps


@pytest.mark.parametrize(
    ("mode", "words"),
    [("drip", "deadline"), ("bomb", "max_body_bytes"), ("deep", "deeper than")],
)
def test_a_misbehaving_server_ends_in_a_typed_error_within_the_deadline(
    hostile: HostileServer, mode: str, words: str
) -> None:
    net = threads(base_url=f"{hostile.url}/{mode}", limits=Limits(deadline=1.0))
    before = len(hostile.requests)
    started = time.monotonic()
    with pytest.raises(ds.NetworkUnavailable, match=words) as info:
        net.me()
    assert time.monotonic() - started < 1.0 + 2.0
    assert info.value.network == "threads"
    assert len(hostile.requests) == before + 1  # not repeated: the server would do it again
    net.close()


def test_an_error_answer_nested_too_deep_is_still_the_error_it_means(hostile: HostileServer) -> None:
    net = threads(base_url=f"{hostile.url}/deeperror", retry={"attempts": 1})
    with pytest.raises(ds.ContentRejected):
        net.me()
    net.close()


def test_the_token_exchange_keeps_to_the_limits_too(hostile: HostileServer) -> None:
    started = time.monotonic()
    with pytest.raises(ds.NetworkUnavailable, match="deadline"):
        ThreadsNetwork.exchange_token(
            "short", "secret", base_url=f"{hostile.url}/drip", limits=Limits(deadline=1.0)
        )
    assert time.monotonic() - started < 1.0 + 2.0


def test_a_listing_stops_at_max_pages(make_net: Callable[..., Any]) -> None:
    net, _ = make_net(limits={"max_pages": 2})
    for i in range(3):
        net.publish(f"page {i}")
    net.page_size = 1
    with pytest.raises(ds.NetworkUnavailable, match="max_pages"):
        list(net.posts(limit=None))
    assert [p.text for p in net.posts(limit=2)] == ["page 2", "page 1"]


# ---------------------------------------------------------------- ids never reach other endpoints


@pytest.mark.parametrize(
    "call",
    [
        lambda n: n.delete("../me/threads_publish?creation_id=1"),
        lambda n: n.delete("../me/avatar"),
        lambda n: n.get_post("me"),
        lambda n: n.get_post("1/threads_publish"),
        lambda n: n.get_post("١٢٣"),  # Arabic-Indic digits are not an id
        lambda n: n.repost("1/../2"),
        lambda n: n.post_insights("1?metric=x"),
        lambda n: n.hide_reply("../1"),
        lambda n: list(n.replies("1#x")),
        lambda n: n.thread("../me"),
        lambda n: n.reply("1/../../me/threads", "hi"),
        lambda n: n.publish(ds.Draft(text="q", quote_of="me")),
        lambda n: n.publish(ds.Draft(text="k", idempotency_key="half \ud83d")),
        lambda n: list(n.search("caf\udce9")),  # a lone surrogate, as os.fsdecode or a cut string gives
        lambda n: n.account("name\ud800"),
        lambda n: list(n.posts("name\ud800")),
        lambda n: n.publish(ds.Draft(text="x", options={"reply_control": ["everyone"]})),
        lambda n: n.account_insights(since="2026-11-01"),
        lambda n: n.account_insights(until=1764547200),
        lambda n: n.post_carousel(None),
        lambda n: n.post_carousel(["https://cdn.example/a.jpg", "https://cdn.example/b.jpg"]),
        lambda n: ThreadsNetwork.exchange_token(None, "secret", base_url=n.settings.base_url),  # type: ignore[arg-type]
        lambda n: ThreadsNetwork.exchange_token("short\ud800", "secret", base_url=n.settings.base_url),
        lambda n: ThreadsNetwork.exchange_token("short", "secret", base_url=n.settings.base_url, timeout=-1),
        lambda n: ThreadsNetwork.exchange_token("short", "s", base_url=n.settings.base_url, limits={"x": 1}),
    ],
)
def test_malformed_ids_and_bad_arguments_are_refused_before_any_request(
    net: Any, threads_server: ContractServer, call: Any
) -> None:
    before = stats(threads_server)["requests"]
    with pytest.raises(ds.InvalidInput):
        call(net)
    assert stats(threads_server)["requests"] == before


def test_a_delete_refused_with_a_429_is_not_taken_for_done(net: Any, threads_server: ContractServer) -> None:
    """A refused attempt deleted nothing: the repeat's "not found" means there was no such post."""
    net.me()
    threads_server.control("faults", {"rate_limit": 1})
    with pytest.raises(ds.NotFound):
        net.delete("999999999")


def test_a_user_id_that_is_not_an_id_is_refused_at_connect() -> None:
    with pytest.raises(ds.ConfigurationError, match="user_id"):
        ds.connect("threads", access_token="t", user_id="../me/threads")
    with pytest.raises(ds.ConfigurationError, match="access token"):
        ds.connect("threads", access_token="tøken", user_id="1")
    assert threads(user_id="me").identity.startswith("me-")  # "me" names no account: see test_publish_edges


# ---------------------------------------------------------------- credentials only over TLS


def test_plain_http_is_refused_except_on_loopback() -> None:
    with pytest.raises(ds.ConfigurationError, match="in the clear"):
        ds.connect("threads", access_token="t", user_id="1", base_url="http://graph.example")
    with pytest.raises(ds.ConfigurationError):
        ds.connect("threads", access_token="t", user_id="1", base_url="https://a:b@graph.example")
    assert (
        threads(base_url="http://graph.example", allow_http=True).settings.base_url == "http://graph.example"
    )
    assert threads(base_url="http://127.0.0.1:9/").settings.base_url == "http://127.0.0.1:9"
    with pytest.raises(ds.ConfigurationError, match="in the clear"):
        ThreadsNetwork.exchange_token("short", "secret", base_url="http://graph.example")


# ---------------------------------------------------------------- exactly once, across processes


def test_with_default_settings_a_new_process_resumes_instead_of_posting_twice(
    threads_server: ContractServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DECENTSOCIAL_STATE_DIR", str(tmp_path))  # the default store, in a fresh place
    monkeypatch.setattr(StateStore, "_open", {})
    user = threads_user(threads_server)
    first = threads_connect(threads_server, user, publish_timeout=0.3)  # no state_path: the default
    slow = ds.Draft(
        text="slow, once",
        media=(ds.Media(kind="video", url="https://cdn.example/slow.mp4"),),
        idempotency_key="restart-1",
    )
    with pytest.raises(ds.NetworkUnavailable):
        first.publish(slow)  # still IN_PROGRESS when this process gives up
    first.close()
    containers = stats(threads_server)["containers"]
    monkeypatch.setattr(StateStore, "_open", {})  # a new process: nothing shared in memory
    second = threads_connect(threads_server, user)
    post = second.publish(slow)
    assert stats(threads_server)["containers"] == containers  # resumed the same container
    assert second.publish(slow).id == post.id
    assert [p.text for p in second.posts(limit=None)] == ["slow, once"]
    assert (tmp_path / "state.db").exists()
    second.close()


def test_one_key_on_two_accounts_is_two_posts(make_net: Callable[..., Any]) -> None:
    me, a = make_net()
    other, b = make_net()
    draft = ds.Draft(text="the same launch text", idempotency_key="launch")
    mine, theirs = me.publish(draft), other.publish(draft)
    assert mine.id != theirs.id
    assert (mine.author.handle, theirs.author.handle) == (a["username"], b["username"])


def test_any_unicode_key_works_and_resumes(
    make_net: Callable[..., Any], threads_server: ContractServer
) -> None:
    first, user = make_net(publish_timeout=0.3)
    slow = ds.Draft(
        text="a key in any script",
        media=(ds.Media(kind="video", url="https://cdn.example/slow.mp4"),),
        idempotency_key="ключ 🔑",
    )
    with pytest.raises(ds.NetworkUnavailable):
        first.publish(slow)  # still IN_PROGRESS: resumed below
    containers = stats(threads_server)["containers"]
    second = threads_connect(threads_server, user)
    post = second.publish(slow)
    assert stats(threads_server)["containers"] == containers  # the same container
    assert second.publish(slow).id == post.id
    second.close()
