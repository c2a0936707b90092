"""``GET /me`` answered without a username or a user id (``{}``, an empty name, an id that is not
digits): the account was made up as "unknown", so a post just published came back written by
``@unknown`` and ``posts("unknown")`` listed your own threads. It is a malformed answer now
(``NetworkUnavailable``); a publish, whose post exists by then, names its author by the user id."""

from __future__ import annotations

from typing import Any

import pytest

import decentsocial as ds
from decentsocial.backends.threads import ThreadsNetwork, ThreadsSettings
from tests.servers._scripted_http import Reply, Request, scripted_server
from tests.threads.scripted import first_steps

MINE = {"id": "901", "text": "mine", "timestamp": "2026-12-05T15:00:00+0000", "username": "brand"}


def net_on(url: str) -> ThreadsNetwork:
    settings = ThreadsSettings(base_url=url, access_token="token", user_id="1", poll_interval=0.01)
    return ThreadsNetwork(settings, retry=ds.RetryPolicy(attempts=1), sleep=lambda seconds: None)


@pytest.mark.parametrize("me", [{}, {"username": ""}, {"id": "../me"}, {"username": None, "name": "Brand"}])
def test_a_me_answer_naming_no_account_is_malformed(me: dict[str, Any]) -> None:
    def answer(r: Request) -> Reply:
        if (step := first_steps(r, "100")) is not None:
            return step
        if r.path.endswith("/threads_publish"):
            return Reply(200, {"id": "902"})
        if r.path.endswith("/100"):
            return Reply(200, {"status": "FINISHED"})
        if r.path.endswith("/me"):
            return Reply(200, me)
        return Reply(200, {"data": [MINE]})  # the account's own threads

    with scripted_server(answer) as server:
        net = net_on(server.url)
        with pytest.raises(ds.NetworkUnavailable, match="malformed account"):
            net.me()
        with pytest.raises(ds.NetworkUnavailable):
            list(net.posts("unknown", limit=5))  # not taken for your own
        post = net.publish("hello")
        net.close()
    assert (post.id, post.author.id, post.author.url) == ("902", "1", None)  # the user id, not @unknown
    assert server.count("POST", "/threads_publish") == 1
