"""Minds against servers and callers that misbehave: limits, ids, plain http, exactly-once state."""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.backends.minds import MindsExperimentalWarning, MindsNetwork, MindsSettings
from decentsocial.limits import Limits
from decentsocial.state import StateStore
from tests.servers._hostile_httpapi import HostileServer, hostile_server
from tests.servers._process import ContractServer
from tests.servers.minds import minds_connect, minds_user


def stats(server: ContractServer) -> dict[str, Any]:
    result: dict[str, Any] = server.control("stats")
    return result


def minds(**settings: Any) -> MindsNetwork:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MindsExperimentalWarning)
        return MindsNetwork(MindsSettings(username="bot", password="pw", **settings))


@pytest.fixture(scope="module")
def hostile() -> Iterator[HostileServer]:
    with hostile_server() as server:
        yield server


@pytest.fixture
def pair(minds_server: ContractServer) -> Iterator[tuple[Any, Any, dict[str, Any], dict[str, Any]]]:
    a, b = minds_user(minds_server), minds_user(minds_server)
    me, other = minds_connect(minds_server, a), minds_connect(minds_server, b)
    yield me, other, a, b
    me.close()
    other.close()


# ---------------------------------------------------------------- deadlines and size caps


@pytest.mark.parametrize(
    ("mode", "words"),
    [("drip", "deadline"), ("bomb", "max_body_bytes"), ("deep", "deeper than")],
)
def test_a_misbehaving_server_ends_in_a_typed_error_within_the_deadline(
    hostile: HostileServer, mode: str, words: str
) -> None:
    net = minds(base_url=f"{hostile.url}/{mode}", limits=Limits(deadline=1.0))
    before = len(hostile.requests)
    started = time.monotonic()
    with pytest.raises(ds.NetworkUnavailable, match=words) as info:
        net.me()  # the login answer misbehaves
    assert time.monotonic() - started < 1.0 + 2.0
    assert info.value.network == "minds"
    assert len(hostile.requests) == before + 1  # not repeated: the server would do it again
    net.close()


def test_an_error_answer_nested_too_deep_is_still_the_error_it_means(hostile: HostileServer) -> None:
    net = minds(base_url=f"{hostile.url}/deeperror")
    with pytest.raises(ds.AuthenticationError, match="refused the login"):
        net.login()
    net.close()


def test_a_listing_stops_at_max_pages(minds_server: ContractServer) -> None:
    user = minds_user(minds_server)
    net = minds_connect(minds_server, user, limits={"max_pages": 2})
    for i in range(4):
        net.publish(f"page {i}")
    net.page_size = 1
    with pytest.raises(ds.NetworkUnavailable, match="max_pages"):
        list(net.posts(limit=None))
    assert [p.text for p in net.posts(limit=2)] == ["page 3", "page 2"]  # within the limit: fine
    net.close()


def test_comments_stop_when_the_server_repeats_a_cursor(pair: Any, minds_server: ContractServer) -> None:
    me, other, _, _ = pair
    post = me.publish("a post with comments")
    for i in range(2):
        other.reply(post, f"comment {i}")
    minds_server.control("faults", {"repeat_cursor": 50})
    me.page_size = 1
    before = stats(minds_server)["requests"]
    try:
        # The same page again brings nothing new: the end, as in a feed (2 requests, not max_pages).
        # (Read through the listing itself: no public member lists a post's comments.)
        assert [c["description"] for c in me._comments(post.id)] == ["comment 1"]
        assert stats(minds_server)["requests"] - before == 2
        # A comment asked for by its id is one request: no listing for the cursor to repeat in.
        with pytest.raises(ds.NotFound):
            me.get_post(f"comment:{post.id}:1")
        assert stats(minds_server)["requests"] - before == 3
    finally:
        minds_server.control("faults", {"repeat_cursor": 0})


def test_a_feed_whose_cursor_repeats_ends(pair: Any, minds_server: ContractServer) -> None:
    me, _, _, _ = pair
    for i in range(3):
        me.publish(f"feed {i}")
    me.page_size = 2
    minds_server.control("faults", {"repeat_cursor": 50})
    before = stats(minds_server)["requests"]
    try:
        assert [p.text for p in me.timeline(limit=None)] == ["feed 2", "feed 1"]
        assert stats(minds_server)["requests"] - before <= 2
    finally:
        minds_server.control("faults", {"repeat_cursor": 0})


# ---------------------------------------------------------------- ids never reach other endpoints


@pytest.mark.parametrize(
    "call",
    [
        lambda n: n.delete("../../../api/v1/channel/avatar"),
        lambda n: n.delete("1/../../../v1/channel/avatar"),
        lambda n: n.delete("comment:1:2/../3"),
        lambda n: n.get_post("1?x=1"),
        lambda n: n.get_post("comment:1/..:2"),
        lambda n: n.get_post("١٢٣"),  # Arabic-Indic digits are not a guid
        lambda n: n.repost("../1"),
        lambda n: n.reply("../../channel/avatar", "hi"),
        lambda n: n.publish(ds.Draft(text="q", quote_of="1/../2")),
        lambda n: n.publish(ds.Draft(text="g", community="../groups/1")),
        lambda n: n.account("../../v3/oauth/token"),
        lambda n: n.account("me/../../avatar"),
        lambda n: list(n.posts(ds.Account(network="minds", id="../1", handle="x"))),
        lambda n: n.publish(ds.Draft(text="k", idempotency_key="half \ud83d")),
    ],
)
def test_malformed_ids_are_refused_before_any_request(
    pair: Any, minds_server: ContractServer, call: Any
) -> None:
    me, _, _, _ = pair
    me.login()
    before = stats(minds_server)["requests"]
    with pytest.raises(ds.InvalidInput):
        call(me)
    assert stats(minds_server)["requests"] == before


def test_a_read_of_a_malformed_guid_is_refused_before_any_request(
    pair: Any, minds_server: ContractServer
) -> None:
    me, _, _, _ = pair
    me.login()
    before = stats(minds_server)["requests"]
    with pytest.raises(ds.InvalidInput, match="not a Minds post id"):
        me.get_post("not-a-guid")
    assert stats(minds_server)["requests"] == before


# ---------------------------------------------------------------- credentials only over TLS


def test_plain_http_is_refused_except_on_loopback() -> None:
    with pytest.raises(ds.ConfigurationError, match="in the clear"):
        ds.connect("minds", username="bot", password="pw", base_url="http://minds.example")
    with pytest.raises(ds.ConfigurationError):
        ds.connect("minds", username="bot", password="pw", base_url="https://bot:pw@minds.example")
    assert minds(base_url="http://minds.example", allow_http=True).settings.base_url == "http://minds.example"
    assert minds(base_url="http://127.0.0.1:9/").settings.base_url == "http://127.0.0.1:9"
    assert minds(base_url="http://localhost:9").settings.base_url == "http://localhost:9"
    with pytest.raises(ds.ConfigurationError):
        ds.connect("minds", username="bot", password="half \ud83d")


# ---------------------------------------------------------------- exactly once, across processes


def test_with_default_settings_a_new_process_resumes_instead_of_posting_twice(
    minds_server: ContractServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DECENTSOCIAL_STATE_DIR", str(tmp_path))  # the default store, in a fresh place
    monkeypatch.setattr(StateStore, "_open", {})
    user = minds_user(minds_server)
    first = minds_connect(minds_server, user)  # no state_path: the default store
    draft = ds.Draft(text="once after a restart", idempotency_key="restart-1")
    before = stats(minds_server)["activities"]
    minds_server.control("faults", {"server_error_after_write": 1})
    with pytest.raises(ds.NetworkUnavailable):
        first.publish(draft)
    first.close()
    monkeypatch.setattr(StateStore, "_open", {})  # a new process: nothing shared in memory
    second = minds_connect(minds_server, user)
    post = second.publish(draft)
    assert post.text == draft.text
    assert second.publish(draft).id == post.id
    assert stats(minds_server)["activities"] == before + 1
    assert (tmp_path / "state.db").exists()
    second.close()


def test_one_key_on_two_accounts_is_two_posts(pair: Any) -> None:
    me, other, a, b = pair
    draft = ds.Draft(text="the same launch text", idempotency_key="launch")
    mine, theirs = me.publish(draft), other.publish(draft)
    assert mine.id != theirs.id
    assert (mine.author.handle, theirs.author.handle) == (a["username"], b["username"])


def test_any_unicode_key_works_and_resumes(pair: Any, minds_server: ContractServer) -> None:
    me, _, _, _ = pair
    draft = ds.Draft(text="a key in any script", idempotency_key="ключ 🔑")
    before = stats(minds_server)["activities"]
    minds_server.control("faults", {"server_error_after_write": 1})
    with pytest.raises(ds.NetworkUnavailable):
        me.publish(draft)
    post = me.publish(draft)
    assert post.text == draft.text
    assert me.publish(draft).id == post.id
    assert stats(minds_server)["activities"] == before + 1


def test_a_delete_refused_with_a_429_is_not_taken_for_done(pair: Any, minds_server: ContractServer) -> None:
    """A refused attempt deleted nothing: the repeat's "not found" means there was no such post."""
    me, _, _, _ = pair
    me.login()
    minds_server.control("faults", {"rate_limit": 1})
    with pytest.raises(ds.NotFound):
        me.delete("999999999")
