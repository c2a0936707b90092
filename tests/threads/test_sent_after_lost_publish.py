"""After a ``threads_publish`` whose answer was lost, a read that never leaves (its connection is
refused) must not turn the publish's error into "nothing was sent": the post may exist."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import decentsocial as ds
from decentsocial.backends.threads import ThreadsNetwork, ThreadsSettings
from decentsocial.idempotency import may_have_happened
from tests.servers._scripted_http import Reply, Request, scripted_server
from tests.threads.scripted import first_steps

LOST = Reply(500, {"error": {"message": "An unexpected error has occurred.", "code": 2}})


def refuse_reads_after_publish(net: ThreadsNetwork, published: list[bool], path_end: str) -> None:
    """Every GET ending in ``path_end`` sent after a ``threads_publish`` fails as a refused connection
    does (through the transport's own mapping: ``NetworkUnavailable`` with ``sent`` false)."""
    api: Any = net._api
    send = api.send

    def refusing(method: str, path: str, **kwargs: Any) -> httpx.Response:
        if published and method == "GET" and path.split("?")[0].endswith(path_end):
            raise api.transport_failure(httpx.ConnectError("connection refused"), safe_to_repeat=True)
        response: httpx.Response = send(method, path, **kwargs)
        return response

    api.send = refusing


def connect(url: str, tmp_path: Any) -> ThreadsNetwork:
    return ThreadsNetwork(
        ThreadsSettings(
            base_url=url, access_token="token", user_id="1", poll_interval=0.01, state_path=tmp_path / "s.db"
        ),
        retry=ds.RetryPolicy(attempts=2, sleep=lambda seconds: None),
    )


def test_a_status_read_refused_after_a_lost_publish_answer_is_marked_sent(tmp_path: Any) -> None:
    published: list[bool] = []

    def answer(r: Request) -> Reply:
        if (step := first_steps(r)) is not None:
            return step
        if r.method == "POST" and r.path.endswith("/threads_publish"):
            published.append(True)  # the post is made; its answer is lost
            return LOST
        return Reply(200, {"id": "100", "status": "FINISHED"})

    with scripted_server(answer) as server:
        net = connect(server.url, tmp_path)
        refuse_reads_after_publish(net, published, "/100")
        with pytest.raises(ds.NetworkUnavailable) as caught:
            net.publish("hello")
        net.close()
    assert server.count("POST", "/threads_publish") == 1
    assert may_have_happened(caught.value)  # the post may exist: never "nothing was sent"


def test_a_lookup_refused_for_a_published_container_is_marked_sent(tmp_path: Any) -> None:
    published: list[bool] = []

    def answer(r: Request) -> Reply:
        if (step := first_steps(r)) is not None:
            return step
        if r.method == "POST" and r.path.endswith("/threads_publish"):
            published.append(True)
            return LOST
        status = "PUBLISHED" if published else "FINISHED"
        return Reply(200, {"id": "100", "status": status})

    with scripted_server(answer) as server:
        net = connect(server.url, tmp_path)
        refuse_reads_after_publish(net, published, "/1/threads")  # the lookup among your threads
        with pytest.raises(ds.NetworkUnavailable) as first:
            net.publish(ds.Draft(text="hello", idempotency_key="k1"))
        # Resumed under its key: the container is PUBLISHED, and the lookup of its post cannot connect.
        with pytest.raises(ds.NetworkUnavailable) as resumed:
            net.publish(ds.Draft(text="hello", idempotency_key="k1"))
        net.close()
    assert server.count("POST", "/threads_publish") == 1  # never a second publish
    assert may_have_happened(first.value)
    assert may_have_happened(resumed.value)
