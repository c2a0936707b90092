"""A Threads server whose page cursor holds a lone surrogate (valid JSON: ``"\\ud800"``), which no
request can carry. Sent back, it failed as ``InvalidInput`` ("a request parameter is not valid
Unicode"): the caller blamed for the server's answer, and, while finding a post whose
``threads_publish`` answer was lost, a post that exists reported as an input error (a caller's
"nothing was sent", so publishing it again keyless would post twice). It is the server's malformed
answer: ``NetworkUnavailable``, and ``sent`` while finding a published post."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.backends.threads import ThreadsNetwork
from tests.servers._scripted_http import Reply, Request, scripted_server
from tests.threads.scripted import lost_publish, scripted_threads

BAD_CURSOR = "QVFI\ud800"


def page(posts: list[dict[str, Any]]) -> Reply:
    return Reply(200, {"data": posts, "paging": {"cursors": {"after": BAD_CURSOR}, "next": "https://n"}})


def threads(url: str, tmp_path: Path) -> ThreadsNetwork:
    return scripted_threads(url, tmp_path / "state.db", attempts=1, fetch_insights=False)


def test_a_listing_whose_cursor_cannot_be_sent_back_is_the_servers_error(tmp_path: Path) -> None:
    post = {"id": "901", "text": "x", "timestamp": "2026-12-05T15:00:00+0000", "username": "someone"}

    with scripted_server(lambda r: page([post])) as server:
        net = threads(server.url, tmp_path)
        listing = net.posts(limit=None)
        assert next(listing).id == "901"  # the page that came with it is kept
        with pytest.raises(ds.NetworkUnavailable, match="not valid Unicode") as caught:
            next(listing)
        net.close()
    assert caught.value.network == "threads"
    assert len(server.requests) == 1  # the cursor was never sent


def test_finding_a_published_post_past_such_a_cursor_says_the_post_may_exist(tmp_path: Path) -> None:
    published: list[Request] = []
    # newer posts of the account, none of them the one sought
    later = page([{"id": "950", "text": "later", "timestamp": "2026-12-05T15:00:00+0000"}])
    answer = lost_publish(published, lambda r: later)

    with scripted_server(answer) as server:
        net = threads(server.url, tmp_path)
        with pytest.raises(ds.NetworkUnavailable) as caught:
            net.publish(ds.Draft(text="launch", idempotency_key="launch-1"))
        net.close()
    assert caught.value.sent  # the container is PUBLISHED: the post exists
    assert len(published) == 1
