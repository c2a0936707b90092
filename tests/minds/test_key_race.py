"""Two workers given one idempotency key at once, on the contract server: one post, never two."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from tests.servers._process import ContractServer
from tests.servers.minds import minds_connect, minds_user


def test_a_key_in_flight_elsewhere_is_refused_until_its_post_exists(
    minds_server: ContractServer, tmp_path: Path
) -> None:
    """The first worker's publish waits out two 429s (Retry-After: 1); the second, on the same state
    file, looked for the post meanwhile, found none and sent it again (two posts)."""
    user = minds_user(minds_server)
    first, second = (minds_connect(minds_server, user, state_path=tmp_path / "state.db") for _ in "ab")
    draft = ds.Draft(text="launch on minds", idempotency_key="m-race")
    made: list[Any] = []
    try:
        first.me()
        second.me()
        before = minds_server.control("stats")["activities"]
        minds_server.control("faults", {"rate_limit": 2})
        worker = threading.Thread(target=lambda: made.append(first.publish(draft)))
        worker.start()
        time.sleep(0.3)  # the first is in its first Retry-After wait
        with pytest.raises(ds.NetworkUnavailable, match="in progress") as caught:
            second.publish(draft)
        assert not caught.value.retryable
        worker.join(timeout=60)
        assert len(made) == 1
        assert second.publish(draft).id == made[0].id
        assert minds_server.control("stats")["activities"] == before + 1
    finally:
        minds_server.control("faults", {"rate_limit": 0})
        first.close()
        second.close()
