"""What the tests of Posts read through another Mastodon server share: the status as it is on a
server, read without the code under test, and the requests a connection sends."""

from __future__ import annotations

from typing import Any

import httpx

from decentsocial.backends.mastodon import MastodonNetwork
from tests.servers.mastodon import MastodonServer


def get_status(server: MastodonServer, status_id: str) -> httpx.Response:
    """The status as alice sees it now, read without the code under test."""
    return httpx.get(
        f"{server.base_url}/api/v1/statuses/{status_id}",
        headers={"Authorization": f"Bearer {server.tokens['alice']}"},
        timeout=10,
    )


def status(server: MastodonServer, status_id: str) -> dict[str, Any]:
    """The status as alice sees it now (an HTTP error when it is gone)."""
    answer = get_status(server, status_id)
    answer.raise_for_status()  # a 404: the status is gone
    data = answer.json()
    assert isinstance(data, dict)
    return data


def replies(server: MastodonServer, status_id: str) -> list[Any]:
    """The replies below the status, as the server keeps them."""
    answer = httpx.get(
        f"{server.base_url}/api/v1/statuses/{status_id}/context",
        headers={"Authorization": f"Bearer {server.tokens['alice']}"},
        timeout=10,
    )
    answer.raise_for_status()
    return list(answer.json()["descendants"])


def requests_of(net: MastodonNetwork) -> list[tuple[str, str]]:
    """Every request ``net`` sends from now on (requests' own response hook)."""
    seen: list[tuple[str, str]] = []
    net.transport.session.hooks["response"].append(
        lambda r, *a, **k: seen.append((r.request.method, r.request.path_url.split("?")[0]))
    )
    return seen
