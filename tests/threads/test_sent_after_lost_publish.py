"""After a ``threads_publish`` whose answer was lost, a read that never leaves (its connection is
refused) must not turn the publish's error into "nothing was sent": the post may exist."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import decentsocial as ds
from decentsocial.backends.threads import ThreadsNetwork
from decentsocial.idempotency import may_have_happened
from tests.servers._scripted_http import Request, scripted_server
from tests.threads.scripted import lost_publish, scripted_threads


def refuse_reads_after_publish(net: ThreadsNetwork, published: list[Request], path_end: str) -> None:
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


def test_a_status_read_refused_after_a_lost_publish_answer_is_marked_sent(tmp_path: Any) -> None:
    published: list[Request] = []

    with scripted_server(lost_publish(published)) as server:
        net = scripted_threads(server.url, tmp_path / "s.db")
        refuse_reads_after_publish(net, published, "/100")
        with pytest.raises(ds.NetworkUnavailable) as caught:
            net.publish("hello")
        net.close()
    assert server.count("POST", "/threads_publish") == 1
    assert may_have_happened(caught.value)  # the post may exist: never "nothing was sent"


def test_a_lookup_refused_for_a_published_container_is_marked_sent(tmp_path: Any) -> None:
    published: list[Request] = []

    with scripted_server(lost_publish(published)) as server:
        net = scripted_threads(server.url, tmp_path / "s.db")
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
