"""Minds against a scripted loopback server: answers the contract server never gives (read refusals
other than a 400, pages that come round again, a DELETE whose connection drops after its work)."""

from __future__ import annotations

from typing import Any

import pytest

import decentsocial as ds
from decentsocial.backends.minds import MindsNetwork
from tests.minds.scripted import TOKEN, scripted_minds
from tests.servers._scripted_http import Reply, Request, scripted_server

NOT_FOUND = Reply(404, {"status": "error", "message": "The post could not be found"})


def minds(url: str, **settings: Any) -> MindsNetwork:
    return scripted_minds(url, attempts=2, **settings)


# ---------------------------------------------------------------- read refusals by the shared table


@pytest.mark.parametrize(
    ("status", "error"),
    [(400, ds.InvalidInput), (405, ds.ContentRejected), (407, ds.ContentRejected), (451, ds.ContentRejected)],
)
def test_only_a_400_on_a_read_blames_the_callers_argument(status: int, error: type[Exception]) -> None:
    def answer(r: Request) -> Reply:
        if r.path.endswith("/oauth/token"):
            return TOKEN
        return Reply(status, {"status": "error", "message": "refused"})

    with scripted_server(answer) as server:
        net = minds(server.url)
        with pytest.raises(error):
            list(net.timeline())  # takes no argument: a 407 or 451 cannot be the caller's input
        with pytest.raises(error):
            net.get_post("123")
        net.close()


# ---------------------------------------------------------------- listings that come round again


def test_a_server_alternating_two_pages_gives_each_post_once_and_the_feed_ends() -> None:
    pages = {"n": 0}

    def answer(r: Request) -> Reply:
        if r.path.endswith("/oauth/token"):
            return TOKEN
        pages["n"] += 1
        base = 1000 if pages["n"] % 2 else 2000
        activity = [{"guid": str(base + i), "message": "x", "owner_guid": "7"} for i in range(50)]
        return Reply(200, {"activity": activity, "load-next": f"offset-{pages['n']}"})

    with scripted_server(answer) as server:
        net = minds(server.url, limits={"max_pages": 50})
        ids = [p.id for p in net.timeline(limit=None)]
        net.close()
    assert len(ids) == len(set(ids)) == 100
    assert pages["n"] == 3  # A, B, then A again: nothing new, so the end


# ---------------------------------------------------------------- a 404 after a lost answer


@pytest.mark.parametrize(
    ("first", "deleted"),
    [
        (Reply(drop=True), True),  # done, but the answer was lost: the repeat's 404 means success
        (Reply(503, {"status": "error", "message": "busy"}), True),
        (Reply(429, {"status": "error", "message": "slow down"}, {"Retry-After": "0"}), False),
    ],
)
def test_a_404_on_a_repeated_delete_is_success_only_after_an_attempt_that_may_have_acted(
    first: Reply, deleted: bool
) -> None:
    deletes = {"n": 0}

    def answer(r: Request) -> Reply:
        if r.path.endswith("/oauth/token"):
            return TOKEN
        deletes["n"] += 1
        return first if deletes["n"] == 1 else NOT_FOUND

    with scripted_server(answer) as server:
        net = minds(server.url)
        if deleted:
            net.delete("999999999")
        else:
            with pytest.raises(ds.NotFound):  # a 429 deleted nothing: there is no such post
                net.delete("999999999")
        net.close()
    assert server.count("DELETE", "999999999") == 2
