"""A Minds server that answers ``newsfeed/single/A`` with activity B, or ``channel/alice`` with
another channel, gives a malformed answer (``NetworkUnavailable``): kept, B's numbers would be stored
under A's id. The asked activity (or the activity wrapping the asked entity) and a channel asked by
guid or in another case are taken. On a scripted loopback server answering with the recorded shape
of another activity."""

from __future__ import annotations

from typing import Any

import pytest

import decentsocial as ds
from tests.minds.scripted import TOKEN, scripted_minds
from tests.servers._scripted_http import Reply, Request, scripted_server

from .test_fuzz import ORIGINAL, OWNER

ASKED = "1500000000000000777"


def read(body: dict[str, Any], call: Any) -> Any:
    def answer(r: Request) -> Reply:
        return TOKEN if r.path.endswith("/oauth/token") else Reply(200, {"status": "success", **body})

    with scripted_server(answer) as server:
        net = scripted_minds(server.url)
        try:
            return call(net)
        finally:
            net.close()


def test_an_activity_answered_for_another_guid_is_refused() -> None:
    with pytest.raises(ds.NetworkUnavailable, match="another post than asked for") as caught:
        read({"activity": ORIGINAL}, lambda net: net.get_post(ASKED))
    assert ASKED in str(caught.value)
    assert str(ORIGINAL["guid"]) in str(caught.value)


@pytest.mark.parametrize(
    "activity", [{**ORIGINAL, "guid": ASKED}, {**ORIGINAL, "entity_guid": ASKED}], ids=["own", "wrapping"]
)
def test_the_asked_activity_is_taken(activity: dict[str, Any]) -> None:
    assert read({"activity": activity}, lambda net: net.get_post(ASKED)).id == activity["guid"]


def test_a_channel_of_another_user_is_refused() -> None:
    mallory = {**OWNER, "guid": "1500000000000000666", "username": "mallory"}
    with pytest.raises(ds.NetworkUnavailable, match="another channel than asked for"):
        read({"channel": mallory}, lambda net: net.account("acme"))


@pytest.mark.parametrize("asked", ["acme", "@ACME", OWNER["guid"]])
def test_the_asked_channel_is_taken(asked: str) -> None:
    assert read({"channel": OWNER}, lambda net: net.account(asked)).handle == "acme"
