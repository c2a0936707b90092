"""A Minds feed page whose ``load-next``, or comment page whose ``load-previous``, holds a lone
surrogate (valid JSON: ``"\\ud800"``), which no request can carry: the server's malformed answer
(``NetworkUnavailable``), not the caller's ``InvalidInput`` ("a request parameter is not valid
Unicode"), as it was."""

from __future__ import annotations

import pytest

import decentsocial as ds
from tests.minds.scripted import TOKEN, scripted_minds
from tests.servers._scripted_http import Reply, Request, scripted_server

OWNER = {"guid": "7", "username": "someone"}
ACTIVITY = {"guid": "901", "message": "x", "time_created": "1764000000", "ownerObj": OWNER}
COMMENT = {
    "guid": "11",
    "entity_guid": "901",
    "description": "hi",
    "time_created": "1764000000",
    "ownerObj": OWNER,
}


def answer(r: Request) -> Reply:
    if r.path.endswith("/oauth/token"):
        return TOKEN
    if r.path.startswith("/api/v1/comments/"):
        return Reply(200, {"comments": [COMMENT], "load-previous": "\ud800"})
    if r.path.startswith("/api/v1/newsfeed/single/"):
        return Reply(200, {"activity": ACTIVITY})
    return Reply(200, {"activity": [ACTIVITY], "load-next": "\udfff1"})


@pytest.mark.parametrize(
    "call",
    [lambda net: list(net.timeline(limit=None)), lambda net: net.get_post("comment:901:12")],
    ids=["feed", "comments"],
)
def test_a_page_offset_that_cannot_be_sent_back_is_the_servers_error(call: object) -> None:
    with scripted_server(answer) as server:
        net = scripted_minds(server.url)
        with pytest.raises(ds.NetworkUnavailable, match="not valid Unicode") as caught:
            call(net)  # type: ignore[operator]
        net.close()
    assert caught.value.network == "minds"
    assert not any("offset" in r.query or "token" in r.query for r in server.requests)  # never sent
