"""Threads against a scripted loopback server: answers the contract server never gives (a failed read
right after a publish, a 429 with ``Retry-After: 0``, pages that come round again, a DELETE whose
connection drops after it did its work)."""

from __future__ import annotations

import time
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.backends.threads import ThreadsNetwork, ThreadsSettings
from tests.servers._scripted_http import Reply, Request, scripted_server
from tests.threads.scripted import first_steps

UNAVAILABLE = Reply(503, {"error": {"message": "Service temporarily unavailable", "code": 2}})
NOT_FOUND = Reply(404, {"error": {"message": "Object does not exist", "code": 100, "error_subcode": 33}})


def threads(url: str, *, sleep: Any = time.sleep, **settings: Any) -> ThreadsNetwork:
    return ThreadsNetwork(
        ThreadsSettings(**{"base_url": url, "access_token": "token", "user_id": "1", **settings}),
        retry=ds.RetryPolicy(attempts=2, sleep=lambda seconds: None),
        sleep=sleep,
    )


# ---------------------------------------------------------------- once the post exists


def test_a_failed_read_after_publishing_returns_the_post_instead_of_a_retryable_error() -> None:
    """``threads_publish`` made the post; ``GET /me`` and the reply's ``root_post`` read then fail."""

    def answer(r: Request) -> Reply:
        if (step := first_steps(r)) is not None:
            return step
        if r.method == "POST" and r.path.endswith("/threads_publish"):
            return Reply(200, {"id": "901"})
        if r.path.endswith("/100"):
            return Reply(200, {"status": "FINISHED"})
        return UNAVAILABLE  # GET /me, GET /901?fields=root_post

    with scripted_server(answer) as server:
        net = threads(server.url, poll_interval=0.01)
        post = net.publish("Big announcement")
        reply = net.publish(ds.Draft(text="and a reply", reply_to="77"))
        net.close()
    assert (post.id, post.text, post.author.id) == ("901", "Big announcement", "1")
    assert (reply.reply_to, reply.root_id) == ("77", None)  # the root could not be read: unknown
    assert server.count("POST", "/threads_publish") == 2  # one post each, never a second
    assert server.count("GET", "/me") == 4  # tried (with its retry) each time, never fatal


# ---------------------------------------------------------------- a 429 cannot shorten the backoff


def test_a_429_with_retry_after_zero_on_threads_publish_still_waits_the_backoff() -> None:
    def answer(r: Request) -> Reply:
        if (step := first_steps(r, "111")) is not None:
            return step
        if r.method == "POST" and r.path.endswith("/threads_publish"):
            return Reply(429, {"error": {"message": "Too many calls", "code": 4}}, {"Retry-After": "0"})
        return Reply(200, {"status": "FINISHED", "id": "111"})

    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    with scripted_server(answer) as server:
        net = threads(server.url, sleep=sleep, poll_interval=0.2, poll_max_interval=0.4, publish_timeout=1.0)
        with pytest.raises(ds.RateLimited):
            net.publish("hello")
        net.close()
    assert min(waits, default=0.0) >= 0.2  # Retry-After: 0 did not replace the poll interval
    assert server.count("POST", "/threads_publish") <= 4  # a tight loop made dozens in the second


# ---------------------------------------------------------------- listings that come round again


def _page(n: int) -> dict[str, Any]:
    """Page A (ids 1000…) or B (ids 2000…) in turn, each with a fresh cursor."""
    base = 1000 if n % 2 else 2000
    posts = [
        {"id": str(base + i), "text": "x", "timestamp": "2026-11-26T13:15:00+0000", "username": "someone"}
        for i in range(100)
    ]
    return {"data": posts, "paging": {"cursors": {"after": f"c{n}"}, "next": "https://graph.threads.net/n"}}


def test_a_server_alternating_two_pages_gives_each_post_once_and_the_listing_ends() -> None:
    pages = {"n": 0}

    def answer(r: Request) -> Reply:
        if r.path.endswith(("/conversation", "/replies")):
            pages["n"] += 1
            return Reply(200, _page(pages["n"]))
        return Reply(
            200, {"id": "5", "text": "root", "timestamp": "2026-11-26T13:00:00+0000", "username": "me"}
        )

    with scripted_server(answer) as server:
        net = threads(server.url, fetch_insights=False, limits={"max_pages": 50})
        thread = net.thread("5")
        assert pages["n"] == 3  # A, B, then A again: nothing new, so the end
        replies = [p.id for p in net.replies("5", limit=None)]
        net.close()
    assert len(thread) == len({p.id for p in thread}) == 201
    assert len(replies) == len(set(replies)) == 200


# ---------------------------------------------------------------- a 404 after a lost answer


def test_a_delete_whose_connection_dropped_after_it_was_done_is_success() -> None:
    """The first DELETE did its work and the connection dropped: the repeat's 404 means done."""
    deletes = {"n": 0}

    def answer(r: Request) -> Reply:
        deletes["n"] += 1
        return Reply(drop=True) if deletes["n"] == 1 else NOT_FOUND

    with scripted_server(answer) as server:
        net = threads(server.url)
        net.delete("999999999")
        net.close()
    assert server.count("DELETE", "/999999999") == 2


def test_a_delete_refused_with_a_429_then_not_found_is_not_found() -> None:
    """A 429 deleted nothing, so the repeat's 404 means there is no such post."""
    deletes = {"n": 0}

    def answer(r: Request) -> Reply:
        deletes["n"] += 1
        if deletes["n"] == 1:
            return Reply(429, {"error": {"message": "slow down", "code": 613}}, {"Retry-After": "0"})
        return NOT_FOUND

    with scripted_server(answer) as server:
        net = threads(server.url)
        with pytest.raises(ds.NotFound):
            net.delete("999999999")
        net.close()
    assert server.count("DELETE", "/999999999") == 2


# ---------------------------------------------------------------- one bound for a whole publish


class _Clock:
    """``time`` as the publisher reads it: ``monotonic`` moves only when the publisher sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return time.time()  # when the container was made (its post is looked for after it)

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_processing_and_publishing_share_one_publish_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """The container takes most of ``publish_timeout`` to process, then ``threads_publish`` says "not ready"
    each time: the publish gives up once ``publish_timeout`` has passed in all, not after a second one."""
    from decentsocial.backends.threads import publish

    clock = _Clock()
    monkeypatch.setattr(publish, "time", clock)
    status_reads = {"n": 0}

    def answer(r: Request) -> Reply:
        if (step := first_steps(r)) is not None:
            return step
        if r.method == "POST" and r.path.endswith("/threads_publish"):
            not_ready = {"message": "Media not ready", "code": 9007, "error_subcode": 4279009}
            return Reply(400, {"error": not_ready})
        status_reads["n"] += 1
        return Reply(200, {"status": "IN_PROGRESS" if status_reads["n"] <= 2 else "FINISHED"})

    with scripted_server(answer) as server:
        net = threads(
            server.url, sleep=clock.sleep, poll_interval=20, poll_max_interval=60, publish_timeout=100
        )
        with pytest.raises(ds.NetworkUnavailable):
            net.publish("ready when it is")
        net.close()
    assert server.count("POST", "/threads_publish") >= 1
    assert clock.now - 1000.0 <= 100 + 1e-6  # within one publish_timeout (120 before: publishing had its own)
