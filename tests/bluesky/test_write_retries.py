"""A write against a server that keeps failing: the documented attempts, no retries nested inside them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import decentsocial as ds

from .conftest import connect_bluesky
from .hostile import HostileServer, hostile_server, send_json


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with hostile_server() as running:
        yield running


def test_a_publish_to_a_failing_server_makes_the_policys_attempts_and_names_the_write(
    server: HostileServer,
) -> None:
    def down(handler: object) -> None:
        send_json(handler, {"error": "InternalServerError", "message": "down"}, status=503)  # type: ignore[arg-type]

    server.routes["com.atproto.repo.createRecord"] = down
    server.routes["com.atproto.repo.getRecord"] = down
    net = connect_bluesky(
        base_url=server.url, handle="victim.test", password="p", state_path=None, retry={"attempts": 3}
    )
    with pytest.raises(ds.NetworkUnavailable) as caught:
        net.publish("hello")
    assert "create app.bsky.feed.post" in str(caught.value)
    methods = [p.split("?")[0].rsplit("/", 1)[-1] for p in server.paths]
    assert methods.count("com.atproto.repo.createRecord") == 3
    # One lookup after each ambiguous attempt (did it commit?), itself never retried.
    assert methods.count("com.atproto.repo.getRecord") == 3
    net.close()
