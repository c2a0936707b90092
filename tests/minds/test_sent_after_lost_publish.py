"""A publish resumed under its key after a lost answer looks for the earlier post first; a lookup that
never leaves (its connection is refused) must not make the error say that nothing was sent."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import decentsocial as ds
from decentsocial.idempotency import may_have_happened
from tests.minds.scripted import TOKEN, scripted_minds
from tests.servers._scripted_http import Reply, Request, scripted_server

ME = Reply(200, {"status": "success", "channel": {"guid": "1500", "username": "brand"}})


def test_a_lookup_refused_after_a_lost_publish_answer_is_marked_sent(tmp_path: Any) -> None:
    written: list[bool] = []

    def answer(r: Request) -> Reply:
        if r.path.endswith("/oauth/token"):
            return TOKEN
        if r.path.endswith("/channel/me"):
            return ME
        if r.method == "PUT":
            written.append(True)  # the post is made; its answer is lost
            return Reply(500, {"status": "error", "message": "Internal server error"})
        return Reply(200, {"status": "success", "activity": [], "load-next": ""})

    with scripted_server(answer) as server:
        net = scripted_minds(server.url, attempts=2, state_path=tmp_path / "s.db")
        api: Any = net._api
        send = api.send

        def refusing(method: str, path: str, **kwargs: Any) -> httpx.Response:
            if written and method == "GET" and "/newsfeed/personal/" in path:
                raise api.transport_failure(httpx.ConnectError("connection refused"), safe_to_repeat=True)
            response: httpx.Response = send(method, path, **kwargs)
            return response

        api.send = refusing
        draft = ds.Draft(text="hello", idempotency_key="k1")
        with pytest.raises(ds.NetworkUnavailable) as first:
            net.publish(draft)
        with pytest.raises(ds.NetworkUnavailable) as resumed:  # the lookup of the earlier post fails
            net.publish(draft)
        net.close()
    assert may_have_happened(first.value)
    assert server.count("PUT", "/newsfeed/activity") == 1  # never sent again
    assert may_have_happened(resumed.value)  # the earlier post may exist
