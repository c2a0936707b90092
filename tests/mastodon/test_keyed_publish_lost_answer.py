"""A keyed Mastodon publish whose answer is lost (a 503 after the server made the status) keeps its key.

The request carries an ``Idempotency-Key``, so a repeat is safe and the failure is retryable;
it was also read as "nothing was made", so the key was given back: a different draft was then
accepted under it (one key, two drafts). A connection that never opened still gives it back.
A scripted server on loopback stands in for a proxy answering 503 after the status was made.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial.base import BaseNetwork
from decentsocial.idempotency import may_have_happened
from tests.servers._scripted_http import Reply, Request, scripted_server

_INSTANCE = {
    "uri": "x",
    "title": "x",
    "version": "4.2.0",
    "configuration": {"statuses": {"max_characters": 500}},
}


def _answer(request: Request) -> Reply:
    path = request.path.rstrip("/")
    if request.method == "POST" and path == "/api/v1/statuses":
        return Reply(503, {"error": "upstream timed out"})  # the status was made behind the proxy
    if path in ("/api/v1/instance", "/api/v2/instance"):
        return Reply(200, _INSTANCE)
    return Reply(404, {"error": "Record not found"})


def _connect(url: str, tmp_path: Path) -> ds.Network:
    return ds.connect(
        "mastodon",
        base_url=url,
        access_token="token-not-shown",
        account_id="1",
        allow_http=True,
        state_path=str(tmp_path / "state.db"),
        retry={"attempts": 2, "total_seconds": 5, "max_wait": 1},
    )


def test_a_lost_answer_keeps_the_key_for_its_draft(tmp_path: Path) -> None:
    with scripted_server(_answer) as server:
        net = _connect(server.url, tmp_path)
        try:
            with pytest.raises(ds.NetworkUnavailable) as lost:
                net.publish(ds.Draft(text="launch A", idempotency_key="K"))
            sent = server.count("POST", "/api/v1/statuses")
            with pytest.raises(ds.InvalidInput, match="already used with different content"):
                net.publish(ds.Draft(text="something else B", idempotency_key="K"))
        finally:
            net.close()
    assert lost.value.retryable  # the same key again is safe: the server keeps one status per key
    assert may_have_happened(lost.value)
    assert sent == 2  # both attempts carried the key
    assert server.count("POST", "/api/v1/statuses") == sent  # draft B was never sent


def test_a_connection_that_never_opened_gives_the_key_back(tmp_path: Path) -> None:
    with scripted_server(_answer) as server:
        url = server.url
    net = _connect(url, tmp_path)  # the server is gone: the port refuses connections
    try:
        with pytest.raises(ds.NetworkUnavailable) as refused:
            net.publish(ds.Draft(text="launch A", idempotency_key="K"))
    finally:
        net.close()
    assert refused.value.retryable
    assert not may_have_happened(refused.value)
    assert isinstance(net, BaseNetwork)
    assert net.state.get(net.state_scope, "publish:K") is None
