"""The post a lost ``threads_publish`` answer made is found behind a full page of later posts.

The lookup read one page (100 posts) of the account's threads since the container was made: with
more posts after it (a busy account, or a key resumed a day later), the post was never found, and
every retry with the key failed the same way although the post was there on the next page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from tests.servers._scripted_http import Reply, Request, scripted_server
from tests.threads.scripted import lost_publish, scripted_threads

WHEN = "2026-12-05T15:00:00+0000"


def _page(items: list[dict[str, Any]], r: Request, after: str | None) -> Reply:
    fields = r.query.get("fields", [""])[0].split(",")
    body: dict[str, Any] = {"data": [{k: v for k, v in m.items() if k in fields} for m in items]}
    if after is not None:
        next_page = f"/v1.0/1/threads?after={after}"
        body["paging"] = {"cursors": {"before": "b", "after": after}, "next": next_page}
    return Reply(200, body)


def test_a_lost_publish_answer_finds_the_post_behind_a_page_of_later_posts(tmp_path: Path) -> None:
    published: list[Request] = []
    later = [
        {"id": str(1000 + n), "media_type": "TEXT_POST", "text": f"later {n}", "timestamp": WHEN}
        for n in range(100)
    ]
    sought = {"id": "901", "media_type": "TEXT_POST", "text": "behind a page", "timestamp": WHEN}

    def threads(r: Request) -> Reply:
        if r.query.get("after") == ["page-2"]:
            return _page([sought], r, None)
        return _page(later, r, "page-2")

    with scripted_server(lost_publish(published, threads)) as server:
        net = scripted_threads(server.url, tmp_path / "s.db")
        post = net.publish(ds.Draft(text="behind a page", idempotency_key="behind-1"))
        net.close()
    assert post.id == "901"
    assert len(published) == 1


def test_a_lookup_whose_pages_come_round_again_ends_typed_and_sent(tmp_path: Path) -> None:
    published: list[Request] = []

    def threads(r: Request) -> Reply:  # the same page and the same cursor, for ever
        other = {"id": "700", "media_type": "TEXT_POST", "text": "another", "timestamp": WHEN}
        return _page([other], r, "again")

    with scripted_server(lost_publish(published, threads)) as server:
        net = scripted_threads(server.url, tmp_path / "s.db")
        with pytest.raises(ds.NetworkUnavailable) as info:
            net.publish(ds.Draft(text="never listed", idempotency_key="loop-1"))
        net.close()
    assert info.value.sent is True
    assert len(published) == 1
