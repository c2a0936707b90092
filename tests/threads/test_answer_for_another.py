"""A Graph API that answers ``GET /{A}`` with post B, or ``profile_lookup`` of one username with
another's profile, gives a malformed answer (``NetworkUnavailable``): kept, B's numbers would be stored
under A's id. The asked post (its id as text or number) and a username in another case are taken. On
a scripted loopback server that answers with the recorded shape of another post."""

from __future__ import annotations

from typing import Any

import pytest

import decentsocial as ds
from tests.servers._scripted_http import Reply, Request, scripted_server
from tests.threads import scripted

from .test_fuzz import POST, REPOST

ASKED = "17841400000000555"


def read(post: Any, call: Any) -> Any:
    """``call(net)`` on a server answering every request with ``post``."""
    return scripted.read(lambda r: Reply(200, post), call)


def test_a_post_answered_for_another_id_is_refused() -> None:
    with pytest.raises(ds.NetworkUnavailable, match="another post than asked for") as caught:
        read(POST, lambda net: net.get_post(ASKED))
    assert ASKED in str(caught.value)
    assert str(POST["id"]) in str(caught.value)


@pytest.mark.parametrize("sent", [ASKED, int(ASKED)])
def test_the_asked_post_is_taken_with_its_id_as_text_or_number(sent: Any) -> None:
    assert read({**POST, "id": sent}, lambda net: net.get_post(ASKED)).id == ASKED


def test_a_repost_whose_original_is_answered_by_another_post_is_refused() -> None:
    """The original of a repost is read by its id too: another post there is refused, not shown."""
    repost = {**REPOST, "id": ASKED}

    def answer(r: Request) -> Reply:
        return Reply(200, repost if r.path.endswith(ASKED) else POST)  # the original's id is asked

    with scripted_server(answer) as server:
        net = scripted.reader(server.url)
        with pytest.raises(ds.NetworkUnavailable, match="another post than asked for"):
            net.get_post(ASKED)
        net.close()


def test_a_profile_of_another_username_is_refused() -> None:
    with pytest.raises(ds.NetworkUnavailable, match="another account than asked for"):
        read({"id": "5", "username": "mallory", "follower_count": 9}, lambda net: net.account("@acme"))


def test_the_asked_profile_is_taken_in_any_case() -> None:
    found = read({"id": "5", "username": "Acme", "follower_count": 9}, lambda net: net.account("acme"))
    assert (found.handle, found.followers) == ("Acme", 9)
