"""Minds comments from a server that sends the same comments again under fresh tokens: the listing
ends at the first page that brings nothing new, as a feed does, instead of reading up to
``max_pages`` pages. (``get_post`` of a comment lists the comments only when the one-comment call
answers with another comment, as the engine does on a post from before its comments migration.)"""

from __future__ import annotations

import itertools
import warnings

import pytest

import decentsocial as ds
from decentsocial.backends.minds import MindsExperimentalWarning, MindsNetwork
from decentsocial.backends.minds.settings import MindsSettings
from tests.servers._scripted_http import Reply, Request, scripted_server


def test_comments_sent_again_under_fresh_tokens_end_the_listing() -> None:
    offsets = itertools.count()

    def answer(r: Request) -> Reply:
        if r.path == "/api/v3/oauth/token":
            return Reply(200, {"access_token": "access-0123456789", "expires_in": 3600})
        if r.path.startswith("/api/v1/comments/1/"):  # the legacy table's newest, whatever is asked
            newest = {"guid": "7", "entity_guid": "1", "description": "x", "owner_guid": "9"}
            return Reply(200, {"status": "success", "comments": [newest]})
        if r.path == "/api/v1/comments/1":
            comments = [
                {
                    "guid": "5",
                    "entity_guid": "1",
                    "description": "the same",
                    "time_created": 1,
                    "owner_guid": "9",
                },
                {"entity_guid": "1", "description": "no guid", "time_created": 1},
            ]
            return Reply(200, {"comments": comments, "load-previous": f"fresh-{next(offsets)}"})
        return Reply(404, {"status": "error", "message": "not found"})

    with scripted_server(answer) as server:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MindsExperimentalWarning)
            net = MindsNetwork(
                MindsSettings(
                    base_url=server.url, username="brand", password="password123", limits={"max_pages": 50}
                ),
                retry=ds.RetryPolicy(attempts=1),
            )
        assert net.get_post("comment:1:5").text == "the same"
        with pytest.raises(ds.NotFound):
            net.get_post("comment:1:999")
        net.close()
    assert server.count("GET", "/api/v1/comments/1") == 1 + 2  # the second page brought nothing new
