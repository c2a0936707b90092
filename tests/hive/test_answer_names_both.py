"""A node's answer for another post or account than asked for names both (the caller can see which
node answered what): on the recorded answers, through the replay server."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from decentsocial import NetworkUnavailable

from ..servers._jsonrpc_replay import ReplayServer
from .test_answers_checked import _another_of_alices_posts, _recorded, _through


@pytest.fixture
def upstream() -> Iterator[httpx.Client]:
    client = httpx.Client()
    yield client
    client.close()


def test_another_post_is_named_with_the_asked_one(replay: ReplayServer, upstream: httpx.Client) -> None:
    other = _another_of_alices_posts(upstream, replay)
    net = _through(replay, upstream, {"bridge.get_post": lambda _: other})
    try:
        with pytest.raises(NetworkUnavailable, match="another post than asked for") as caught:
            net.get_post("alice/typo-fix-me")
    finally:
        net.close()
    assert "'alice/typo-fix-me'" in str(caught.value)
    assert "'alice/my-pinned-announcement'" in str(caught.value)


def test_another_account_is_named_with_the_asked_one(replay: ReplayServer, upstream: httpx.Client) -> None:
    gtg = _recorded(upstream, replay, "bridge.get_profile", {"account": "gtg"})
    net = _through(replay, upstream, {"bridge.get_profile": lambda _: gtg})
    try:
        with pytest.raises(NetworkUnavailable, match="another account than asked for") as caught:
            net.account("alice")
    finally:
        net.close()
    assert "asked 'alice', got 'gtg'" in str(caught.value)
