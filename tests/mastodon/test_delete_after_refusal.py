"""A retried delete on the live server: a 404 on a repeat is success only after an attempt that may
have deleted the status (its answer lost), never after a refusal (a 429, a connection refused)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import requests

from decentsocial import NotFound
from decentsocial.backends.mastodon import MastodonNetwork
from tests.contract.harness import Harness
from tests.mastodon.server_fixtures import local_server  # noqa: F401 - the server fixture
from tests.servers.mastodon import DEAD_PORT, HOST, MastodonServer

#: A status id no server of these tests ever made.
NEVER_MADE = "990000000000000001"


def faults_left(server: MastodonServer) -> list[Any]:
    """The fault rules not used up yet (a rule with a count is removed once it has been applied)."""
    answer = httpx.get(f"{server.base_url}/api/v1/_mock/faults", timeout=5)
    answer.raise_for_status()
    rules = answer.json()
    assert isinstance(rules, list)
    return rules


def test_a_429_then_404_on_a_status_that_never_existed_is_not_found(server: MastodonServer) -> None:
    server.add_fault(
        {
            "match": {"methods": ["DELETE"], "path": f"/api/v1/statuses/{NEVER_MADE}"},
            "effect": {"type": "status", "status": 429, "headers": {"Retry-After": "1"}},
            "count": 1,
        }
    )
    net = server.connect("alice")
    with pytest.raises(NotFound):
        net.delete(NEVER_MADE)  # the 429 deleted nothing: the repeat's 404 is the answer
    assert faults_left(server) == []  # the 429 was sent, and the 404 came on the repeat


def test_a_refused_connection_then_404_is_not_found(
    server: MastodonServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    net = server.connect("alice")
    assert isinstance(net, MastodonNetwork)
    adapter = net.transport.session.get_adapter(server.base_url)
    send = adapter.send
    deletes: list[str] = []

    def refused_once(request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        if request.method == "DELETE":
            deletes.append(str(request.url))
            if len(deletes) == 1:  # the first delete meets a port where nothing listens
                requests.delete(f"http://{HOST}:{DEAD_PORT}/api/v1/statuses/{NEVER_MADE}", timeout=5)
        return send(request, **kwargs)

    monkeypatch.setattr(adapter, "send", refused_once)
    with pytest.raises(NotFound):
        net.delete(NEVER_MADE)
    assert len(deletes) == 2  # refused (retryable, nothing reached the server), then the 404


def test_a_lost_answer_then_404_is_still_success(server: MastodonServer) -> None:
    net = server.connect("alice", timeout=0.5)
    post = net.publish(Harness.unique("lost"))
    server.add_fault(
        {
            "match": {"methods": ["DELETE"], "path": f"/api/v1/statuses/{post.id}"},
            "effect": {"type": "latency", "delay_ms": 1500},
            "count": 1,
        }
    )
    net.delete(post)  # the first try deleted it, its answer came too late; the repeat's 404 is success
    with pytest.raises(NotFound):
        server.connect("alice").get_post(post.id)


def test_a_503_then_404_is_success_and_a_first_404_is_not_found(server: MastodonServer) -> None:
    """A 5xx may come after the server acted (a proxy's answer): the repeat's 404 is success. This
    status was never made, so only the 5xx makes the 404 count as done."""
    server.add_fault(
        {
            "match": {"methods": ["DELETE"], "path": f"/api/v1/statuses/{NEVER_MADE}"},
            "effect": {"type": "status", "status": 503},
            "count": 1,
        }
    )
    net = server.connect("alice")
    net.delete(NEVER_MADE)
    with pytest.raises(NotFound):
        net.delete(NEVER_MADE)
