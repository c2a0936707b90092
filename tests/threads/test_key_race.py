"""Two workers given one idempotency key at once, on the contract server: one post, never two."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from tests.servers._process import ContractServer
from tests.servers.threads import threads_connect, threads_user


def test_a_key_in_flight_elsewhere_is_refused_until_its_post_exists(
    threads_server: ContractServer, tmp_path: Path
) -> None:
    """The first worker's video stays IN_PROGRESS for 3 s; the second, on the same state file, must not
    make its own container meanwhile (it did: two posts), and gets the first's post afterwards."""
    user = threads_user(threads_server)
    first, second = (threads_connect(threads_server, user, state_path=tmp_path / "state.db") for _ in "ab")
    draft = ds.Draft(
        text="launch video",
        media=(ds.Media(kind="video", url="https://cdn.example/slow.mp4"),),
        idempotency_key="v1",
    )
    made: list[Any] = []
    started = threading.Event()

    def publish_first() -> None:
        started.set()
        made.append(first.publish(draft))

    worker = threading.Thread(target=publish_first)
    try:
        first.me()
        second.me()
        before = containers(threads_server)
        worker.start()
        started.wait()
        deadline = time.monotonic() + 10
        while containers(threads_server) == before:  # the first publish is in flight: its video is made
            assert time.monotonic() < deadline, "the first publish made no container"
            time.sleep(0.02)
        with pytest.raises(ds.NetworkUnavailable, match="in progress") as caught:
            second.publish(draft)
        assert not caught.value.retryable  # the first may be making the post: not "nothing was made"
        worker.join(timeout=60)
        assert len(made) == 1
        assert second.publish(draft).id == made[0].id
        assert [p.id for p in second.posts(limit=None) if p.text == "launch video"] == [made[0].id]
        assert containers(threads_server) == before + 1
    finally:
        worker.join(timeout=60)
        first.close()
        second.close()


def containers(server: ContractServer) -> int:
    count: int = server.control("stats")["containers"]
    return count
