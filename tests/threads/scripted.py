"""What a scripted Threads server answers before the part a test is about: the quota, then the container;
a network on such a server (and a read on one); and the server whose ``threads_publish`` answer is lost."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import decentsocial as ds
from decentsocial.backends.threads import ThreadsNetwork, ThreadsSettings
from tests.servers._scripted_http import Reply, Request, scripted_server

__all__ = ["LOST", "QUOTA", "first_steps", "lost_publish", "read", "reader", "scripted_threads"]

T = TypeVar("T")

#: ``threads_publishing_limit``: nothing used of 250.
QUOTA = Reply(200, {"data": [{"quota_usage": 0, "config": {"quota_total": 250}}]})


def first_steps(r: Request, container_id: str = "100") -> Reply | None:
    """The quota read and the container made (``container_id``) for user 1; ``None`` for any other request."""
    if r.path.endswith("/threads_publishing_limit"):
        return QUOTA
    if r.method == "POST" and r.path.endswith("/1/threads"):
        return Reply(200, {"id": container_id})
    return None


#: A ``threads_publish`` whose answer is lost: the post is made, the caller is told "unexpected error".
LOST = Reply(500, {"error": {"message": "An unexpected error has occurred.", "code": 2}})


def scripted_threads(
    url: str,
    state_path: Path | None = None,
    *,
    access_token: str = "token",
    attempts: int = 2,
    **settings: Any,
) -> ThreadsNetwork:
    """User 1 on the scripted server at ``url``, with no waits between polls or retries."""
    return ThreadsNetwork(
        ThreadsSettings(
            base_url=url,
            access_token=access_token,
            user_id="1",
            poll_interval=0.01,
            state_path=state_path,
            **settings,
        ),
        retry=ds.RetryPolicy(attempts=attempts, sleep=lambda seconds: None),
        sleep=lambda seconds: None,
    )


def reader(url: str) -> ThreadsNetwork:
    """User 1 at ``url`` for a read: tried once, no insights asked (no request the test does not answer)."""
    return scripted_threads(url, attempts=1, fetch_insights=False)


def read(answer: Callable[[Request], Reply], call: Callable[[ThreadsNetwork], T]) -> T:
    """``call(net)`` for a :func:`reader` on a scripted server answering with ``answer``; closed after."""
    with scripted_server(answer) as server:
        net = reader(server.url)
        try:
            return call(net)
        finally:
            net.close()


def lost_publish(
    published: list[Request],
    threads: Callable[[Request], Reply] | None = None,
    *,
    publish: Reply = LOST,
) -> Callable[[Request], Reply]:
    """A server where ``threads_publish`` (kept in ``published``) makes the post and answers ``publish``:
    container 100 then reads ``PUBLISHED``, the account's threads are ``threads`` (the lookup for the post),
    anything else is the account itself."""

    def answer(r: Request) -> Reply:
        if (step := first_steps(r)) is not None:
            return step
        if r.method == "POST" and r.path.endswith("/threads_publish"):
            published.append(r)
            return publish
        if r.path.endswith("/100"):
            return Reply(200, {"id": "100", "status": "PUBLISHED" if published else "FINISHED"})
        if threads is not None and r.path.endswith("/1/threads"):
            return threads(r)
        return Reply(200, {"id": "1", "username": "brand"})

    return answer
