"""The contract-server runner (tests/servers/_process.py): stderr to a log file, its tail on failure."""

from __future__ import annotations

import httpx
import pytest

from tests.servers._process import start_server
from tests.servers.threads import PORTS


def test_a_chatty_server_does_not_block_on_its_stderr() -> None:
    # 300 kB before serving: more than a pipe buffer, so an unread pipe would block the server.
    server = start_server("tests.servers._threads_app", PORTS, "--log-noise", "300000", ready_timeout=15)
    try:
        assert httpx.get(f"{server.url}/_test/health", timeout=5).status_code == 200
        assert "noisy start" in server.log_tail()
        log_dir = server.log_path.parent
    finally:
        server.stop()
    assert not log_dir.exists()


def test_a_server_that_fails_to_start_shows_the_tail_of_its_stderr() -> None:
    with pytest.raises(RuntimeError, match="exited early") as info:
        start_server("tests.servers._threads_app", PORTS, "--video-seconds", "soon", ready_timeout=15)
    assert "invalid float value" in str(info.value)
