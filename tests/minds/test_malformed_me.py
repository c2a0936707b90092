"""``GET /api/v1/channel/me`` answered without the channel's guid: ``me()`` was an account with an
empty id and handle, kept for the connection's life (so a lookup for an earlier reply could take a
stranger's ownerless comment for yours). It is a malformed answer now, and not remembered: once the
server answers properly, ``me()`` is the channel."""

from __future__ import annotations

from typing import Any

import pytest

import decentsocial as ds
from tests.minds.scripted import TOKEN, scripted_minds
from tests.servers._scripted_http import Reply, Request, scripted_server


@pytest.mark.parametrize("body", [{}, {"channel": {}}, {"channel": {"username": "brand"}}, {"channel": []}])
def test_a_channel_answer_without_a_guid_is_malformed_and_not_kept(body: dict[str, Any]) -> None:
    answers = iter([body, {"channel": {"guid": "42", "username": "brand"}}])

    def answer(r: Request) -> Reply:
        if r.path.endswith("/oauth/token"):
            return TOKEN
        return Reply(200, next(answers))

    with scripted_server(answer) as server:
        net = scripted_minds(server.url)
        with pytest.raises(ds.NetworkUnavailable, match="malformed channel"):
            net.me()
        me = net.me()
        net.close()
    assert (me.id, me.handle) == ("42", "brand")
