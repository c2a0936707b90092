"""Finding the post a lost ``threads_publish`` answer made: a repost is never that post.

The Graph API does not link a container to its post, so the lookup matches the account's newest
threads by text. A repost (``REPOST_FACADE``) carries no text of its own, so it looked like an
image-only post; made just after the lost answer, it was returned as the published post.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import decentsocial as ds
from tests.servers._scripted_http import Reply, Request, scripted_server
from tests.threads.scripted import lost_publish, scripted_threads

WHEN = "2026-12-05T15:00:0{}+0000"


def test_an_image_post_whose_answer_was_lost_is_not_taken_for_a_later_repost(tmp_path: Path) -> None:
    published: list[Request] = []

    def threads(r: Request) -> Reply:
        newest_first: list[dict[str, Any]] = [
            {
                "id": "902",
                "media_type": "REPOST_FACADE",
                "timestamp": WHEN.format(5),
                "reposted_post": {"id": "555"},
            },
            {"id": "901", "media_type": "IMAGE", "timestamp": WHEN.format(1)},
        ]
        fields = r.query.get("fields", [""])[0].split(",")
        return Reply(200, {"data": [{k: v for k, v in m.items() if k in fields} for m in newest_first]})

    image = ds.Media(kind="image", url="https://cdn.example/launch.jpg")
    draft = ds.Draft(text="", media=(image,), idempotency_key="image-1")
    with scripted_server(lost_publish(published, threads)) as server:
        net = scripted_threads(server.url, tmp_path / "state.db")
        post = net.publish(draft)
        net.close()
    assert post.id == "901"
    assert len(published) == 1
