"""A keyed publish resumed after its container expired (24 hours unpublished) starts again.

Both refusals that leave a container unpublished invite a retry with the same
idempotency key: the quota (``RateLimited``) and a container still processing
after ``publish_timeout`` (``NetworkUnavailable``). A day later the container
has expired; it was never published, so the retry makes a new one instead of
calling the draft's content rejected.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from tests.servers._process import ContractServer

DAY_AND_AN_HOUR = 25 * 3600


@pytest.fixture
def a_day_later(threads_server: ContractServer) -> Iterator[Callable[[], None]]:
    """Moves the server's clock on by a day and an hour; the server is shared, so it is put back."""
    moved: list[float] = []

    def advance() -> None:
        threads_server.control("clock", {"advance": DAY_AND_AN_HOUR})
        moved.append(DAY_AND_AN_HOUR)

    yield advance
    if moved:
        threads_server.control("clock", {"advance": -sum(moved)})


def test_a_key_refused_by_the_quota_publishes_once_a_day_later(
    make_net: Callable[..., Any],
    threads_server: ContractServer,
    a_day_later: Callable[[], None],
    tmp_path: Path,
) -> None:
    net, user = make_net(check_quota=False, state_path=tmp_path / "state.db")
    threads_server.control("seed", {"user_id": user["id"], "count": 250})
    draft = ds.Draft(text="يوم الإطلاق 🚀 launch", idempotency_key="launch-1")
    with pytest.raises(ds.RateLimited):
        net.publish(draft)
    a_day_later()
    post = net.publish(draft)
    assert post.text == draft.text
    assert net.publish(draft).id == post.id  # the key now stands for that post
    mine = [p for p in net.posts(limit=300) if p.text == draft.text]
    assert [p.id for p in mine] == [post.id]


def test_a_key_that_timed_out_processing_publishes_once_a_day_later(
    make_net: Callable[..., Any], a_day_later: Callable[[], None], tmp_path: Path
) -> None:
    net, _ = make_net(publish_timeout=0.3, state_path=tmp_path / "state.db")
    video = ds.Media(kind="video", url="https://cdn.example/slow-clip.mp4")
    draft = ds.Draft(text="a slow video", media=(video,), idempotency_key="clip-1")
    with pytest.raises(ds.NetworkUnavailable, match="same idempotency_key"):
        net.publish(draft)
    a_day_later()
    with pytest.raises(ds.NetworkUnavailable, match="same idempotency_key"):
        net.publish(draft)  # a new container, still processing: not "rejected"
    post = None
    for _ in range(100):  # the same key resumes the new container until it is ready
        try:
            post = net.publish(draft)
            break
        except ds.NetworkUnavailable:
            continue
    assert post is not None
    assert post.media[0].url == video.url
    mine = [p for p in net.posts(limit=50) if p.text == draft.text]
    assert [p.id for p in mine] == [post.id]
