"""Uploads a server processes asynchronously: 202 on upload, 206 while processing, then 200.

The server's fault endpoint answers with the exact responses a real Mastodon
server gave for a video upload (tests/fixtures/mastodon/media_async.json,
from Mastodon.py's recordings), so the polling loop runs against real
payloads; the 206 rounds follow Mastodon's documented ``GET /api/v1/media/:id``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from decentsocial import ContentRejected, Draft, Media, NetworkUnavailable
from tests.mastodon.server_fixtures import local_server  # noqa: F401 - the server fixture
from tests.servers.mastodon import MastodonServer

RECORDED = json.loads(
    (Path(__file__).parent.parent / "fixtures" / "mastodon" / "media_async.json").read_text()
)
UPLOAD, PROCESSED, STATUS = (RECORDED["exchanges"][i] for i in range(3))
MEDIA_ID = UPLOAD["body"]["id"]


def rule(method: str, path: str, status: int, body: Any, count: int | None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "match": {"methods": [method], "path": path},
        "effect": {"type": "status", "status": status, "body": body},
    }
    if count is not None:
        found["count"] = count
    return found


def video() -> Media:
    return Media(
        data=b"\x00\x00\x00\x18ftypmp42 not really a video", mime_type="video/mp4", alt_text="a clip"
    )


def requests_seen(net: Any) -> list[tuple[str, str, int]]:
    seen: list[tuple[str, str, int]] = []
    net.transport.session.hooks["response"].append(
        lambda r, *a, **k: seen.append((r.request.method, r.request.path_url, r.status_code))
    )
    return seen


def test_upload_is_polled_until_processed(server: MastodonServer) -> None:
    server.add_fault(rule("POST", "/api/v2/media", 202, UPLOAD["body"], 1))
    server.add_fault(rule("GET", f"/api/v1/media/{MEDIA_ID}", 206, UPLOAD["body"], 2))
    server.add_fault(rule("GET", f"/api/v1/media/{MEDIA_ID}", 200, PROCESSED["body"], 1))
    server.add_fault(rule("POST", "/api/v1/statuses", 200, STATUS["body"], 1))
    net = server.connect("alice")
    seen = requests_seen(net)
    post = net.publish(Draft(text="video", media=(video(),)))
    polls = [s for s in seen if s[0] == "GET" and s[1] == f"/api/v1/media/{MEDIA_ID}"]
    assert [s[2] for s in polls] == [206, 206, 200]
    posted = [s for s in seen if s[0] == "POST" and s[1] == "/api/v1/statuses"]
    assert len(posted) == 1
    assert seen.index(posted[0]) > seen.index(polls[-1])
    assert post.id == STATUS["body"]["id"]
    assert post.media[0].kind == "video"


def test_processing_that_never_ends_times_out_and_posts_nothing(server: MastodonServer) -> None:
    server.add_fault(rule("POST", "/api/v2/media", 202, UPLOAD["body"], 1))
    server.add_fault(rule("GET", f"/api/v1/media/{MEDIA_ID}", 206, UPLOAD["body"], None))
    net = server.connect("alice", media_timeout=1.0)
    seen = requests_seen(net)
    with pytest.raises(NetworkUnavailable, match="still processing"):
        net.publish(Draft(text="video", media=(video(),)))
    assert not [s for s in seen if s[1] == "/api/v1/statuses"]


def test_processing_failure_is_content_rejected(server: MastodonServer) -> None:
    server.add_fault(rule("POST", "/api/v2/media", 202, UPLOAD["body"], 1))
    server.add_fault(
        rule(
            "GET",
            f"/api/v1/media/{MEDIA_ID}",
            422,
            {"error": "Error processing thumbnail for uploaded media"},
            1,
        )
    )
    net = server.connect("alice")
    with pytest.raises(ContentRejected) as caught:
        net.publish(Draft(text="video", media=(video(),)))
    assert caught.value.server_message == "Error processing thumbnail for uploaded media"
