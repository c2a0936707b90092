"""After a reconnect the stream reads every post it missed, page by page, not just the first page.

The stream's read times out between the server's heartbeats (1 s), so it
reconnects; while it is away (inside the backoff wait) 90 posts are made,
more than one page of 40. All of them must come through on the very next
connection, oldest first, before anything live. Past the network's
``catch_up_pages`` the rest is left, with a warning in the log.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Generator
from typing import Any

import pytest
import requests

from decentsocial import Post
from decentsocial.backends.mastodon import MastodonNetwork
from tests.servers.mastodon import MastodonServer

from .test_stream import first_match

GAP = 90


def streams_opened(net: MastodonNetwork) -> list[str]:
    """The stream connections the network opens from now on (read off its HTTP session)."""
    opened: list[str] = []

    def hook(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        if "/api/v1/streaming/" in response.url:
            opened.append(response.url)

    net.transport.session.hooks["response"].append(hook)
    return opened


def away(
    server: MastodonServer, pages: int
) -> tuple[MastodonNetwork, Generator[Post, None, None], list[str]]:
    """A hashtag stream that has seen one post, and the ids of the posts made while it is away."""
    alice = server.connect("alice", stream_timeout=0.6)
    alice.catch_up_pages = pages
    bob = server.connect("bob")
    tag = f"gap{uuid.uuid4().hex[:10]}"
    made: list[str] = []

    def publish_while_away(seconds: float) -> None:
        if not made:
            made.extend(bob.publish(f"away {i} #{tag}").id for i in range(GAP))
        time.sleep(min(seconds, 0.2))

    stream = alice.stream(kind="public", tag=tag)
    assert isinstance(stream, Generator)
    first_match(stream, lambda: bob.publish(f"before #{tag}"))
    alice.sleep = publish_while_away
    return alice, stream, made


def test_every_post_missed_while_away_comes_on_the_next_connection(mastodon_server: MastodonServer) -> None:
    alice, stream, made = away(mastodon_server, pages=25)
    opened = streams_opened(alice)
    got: list[str] = []
    for post in stream:
        if post.id in made:
            got.append(post.id)
        if len(got) == GAP:
            break
    stream.close()
    assert got == made  # all of them, oldest first
    assert len(opened) == 1  # on the first reconnect, not bit by bit on later ones


def test_past_the_page_bound_the_gap_is_logged(
    mastodon_server: MastodonServer, caplog: pytest.LogCaptureFixture
) -> None:
    alice, stream, made = away(mastodon_server, pages=1)
    opened = streams_opened(alice)
    got: list[str] = []
    with caplog.at_level(logging.WARNING, logger="decentsocial.mastodon"):
        for post in stream:
            if post.id in made:
                got.append(post.id)
            if len(got) > 40:
                break
    stream.close()
    assert got == made[:41]
    assert len(opened) >= 2  # the 41st came only on a later connection
    warned = [r.getMessage() for r in caplog.records if "catch_up_pages" in r.getMessage()]
    assert warned
    assert "after 40 posts" in warned[0]
