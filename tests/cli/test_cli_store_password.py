"""A Redis store URL's password never reaches the terminal: ``crisis end`` through the real entry point,
on a real password-protected redis-server (loopback)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("redis", reason="the celery extra is not installed")

from tests.cli._helpers import run_process
from tests.scheduler.test_celery import RedisServer

pytestmark = pytest.mark.server

PASSWORD = "St0reSecret9"


@pytest.fixture(scope="module")
def server() -> Iterator[RedisServer]:
    started = RedisServer(password=PASSWORD)
    yield started
    started.stop()


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    (home / "config.toml").write_text(f'[profiles.brand]\nnetwork = "sandbox"\npath = "{home / "s.db"}"\n')
    return run_process(home, *args)


@pytest.mark.parametrize("as_json", [False, True])
def test_crisis_end_with_no_crisis_names_the_store_without_its_password(
    server: RedisServer, tmp_path: Path, as_json: bool
) -> None:
    store = f"redis://:{PASSWORD}@127.0.0.1:{server.port}/0"
    result = run(tmp_path, "crisis", "end", "--store", store, *(["--json"] if as_json else []))
    assert result.returncode != 0
    shown = result.stdout + result.stderr
    assert "no crisis is active" in shown
    assert f"127.0.0.1:{server.port}" in shown
    assert PASSWORD not in shown
