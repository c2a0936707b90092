"""``edit()`` sends every field Mastodon can edit, and refuses the one it cannot.

Mastodon's ``PUT /api/v1/statuses/:id`` takes the language and a new poll:
both go with the edit (the request the server received is read from the
session). Mastodon cannot change a post's visibility: a draft asking for
another visibility is ``InvalidInput`` before anything is written, so no one
believes a post was restricted when it was not.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from decentsocial import Draft, InvalidInput, Poll
from decentsocial.backends.mastodon import MastodonNetwork
from tests.servers.mastodon import MastodonServer


@pytest.fixture
def alice(mastodon_server: MastodonServer) -> Iterator[MastodonNetwork]:
    net = mastodon_server.connect("alice")
    yield net
    net.close()


def record(net: MastodonNetwork) -> list[requests.PreparedRequest]:
    sent: list[requests.PreparedRequest] = []

    def hook(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        sent.append(response.request)

    net.transport.session.hooks["response"].append(hook)
    return sent


def test_an_edit_sends_the_language_and_the_poll(alice: MastodonNetwork) -> None:
    post = alice.publish(Draft(text="which day?", language="en"))
    sent = record(alice)
    poll = Poll(options=("السبت", "الأحد"), expires_in=3600)
    edited = alice.edit(post, Draft(text="أي يوم؟", language="ar", poll=poll))
    assert edited.id == post.id
    puts = [r for r in sent if r.method == "PUT"]
    assert len(puts) == 1
    body = puts[0].body
    assert isinstance(body, bytes | str)
    params = json.loads(body)
    assert params["language"] == "ar"
    assert params["poll"]["options"] == ["السبت", "الأحد"]
    assert params["poll"]["expires_in"] == 3600


def test_an_edit_without_a_poll_or_language_sends_neither(alice: MastodonNetwork) -> None:
    post = alice.publish("plain words")
    sent = record(alice)
    alice.edit(post, "other plain words")
    (put,) = [r for r in sent if r.method == "PUT"]
    assert "language" not in str(put.body)
    assert "poll" not in str(put.body)


def test_an_edit_cannot_change_the_visibility(alice: MastodonNetwork) -> None:
    post = alice.publish("for everyone")
    assert post.visibility == "public"
    sent = record(alice)
    with pytest.raises(InvalidInput, match="visibility"):
        alice.edit(post, Draft(text="only for my followers now", visibility="followers"))
    assert [r.method for r in sent if r.method != "GET"] == []  # nothing written
    assert alice.get_post(post.id).text == "for everyone"
    # The same visibility is no change: the edit goes through.
    assert (
        alice.edit(post, Draft(text="still for everyone", visibility="public")).text == "still for everyone"
    )
