"""``crisis start`` stopped (Ctrl-C) while pinning on a slow network: ``end`` still unpins every pin.

The statement is pinned on a sandbox first; the Mastodon server then holds
the pin request, and the process gets SIGINT. The pins made (or possibly
made) before the stop must be in the crisis record, or the all-clear would
leave the statement on top.
"""

from __future__ import annotations

import copy
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import decentsocial as ds
from tests.mastodon.cassettes import recorded_statuses
from tests.servers.mastodon_hostile import HostileServer, Steps, answer, drip, hostile_server

INSTANCE = {"uri": "x", "version": "4.3.0", "configuration": {"statuses": {"max_characters": 500}}}
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server() -> Iterator[HostileServer]:
    status = copy.deepcopy(next(s for s in recorded_statuses() if not s.get("reblog")))
    status["id"] = "111"

    def respond(method: str, path: str) -> Steps:
        if path.startswith(("/api/v2/instance", "/api/v1/instance")):
            return answer(INSTANCE)
        if path.startswith("/api/v1/accounts/verify_credentials"):
            return answer(status["account"])
        if path.endswith("/111/pin"):  # held: the user gives up and presses Ctrl-C
            return drip(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 99999\r\n\r\n")
        return answer(status)

    with hostile_server() as running:
        running.respond = respond
        yield running


def test_pins_made_before_a_ctrl_c_are_unpinned_by_end(
    server: HostileServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("mastodon", reason="the mastodon extra is not installed")
    monkeypatch.setenv("DECENTSOCIAL_STATE_DIR", str(tmp_path / "state"))
    masto_args = {"base_url": server.base_url, "access_token": "t", "mastodon_version": "4.2.0"}
    start = textwrap.dedent(
        f"""
        import decentsocial as ds
        sandbox = ds.connect("sandbox", path={str(tmp_path / "s.db")!r}, account="brand")
        masto = ds.connect("mastodon", **{masto_args!r})
        ds.crisis("We are aware of the outage. نحن نتابع 🚧", [sandbox, masto])
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", start],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
        # A runner started in the background has SIGINT ignored, and children inherit that: a terminal's.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 120  # a bound, not a timing check: it is there in well under a second
        while not any(path.endswith("/111/pin") for _, path in server.requests):
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "the statement was never pinned on Mastodon"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        proc.wait(60)
    finally:
        proc.kill()
        proc.wait()
    with ds.connect("sandbox", path=tmp_path / "s.db", account="brand") as sandbox:
        (statement,) = sandbox.pinned()
        active = ds.Crisis.active()
        assert active is not None
        masto = ds.connect("mastodon", **masto_args)
        ended = active.end(nets=[sandbox, masto])
        masto.close()
        assert ended.errors == ()
        assert sorted(ended.unpinned) == sorted([statement.id, "111"])  # the cut-short pin too
        assert list(sandbox.pinned()) == []
    assert ("POST", "/api/v1/statuses/111/unpin") in server.requests
    assert ds.Crisis.active() is None
