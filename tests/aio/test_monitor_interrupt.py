"""Ctrl-C during ``aio.monitor`` ends the program at once, not when the search in flight ends.

The Mastodon server holds the monitor's search far longer than the test
waits; the program is interrupted once the search reached the server.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.servers.mastodon import MastodonServer

#: How long the server holds the search: far longer than the test waits for the program to end.
HELD_MS = 120_000
#: How long the test waits for the interrupted program to end.
EXIT_WAIT = 60

SCRIPT = """
import asyncio

from decentsocial import aio

async def main():
    async with aio.connect("mastodon", **SETTINGS) as net:
        async for post in aio.monitor([net], [WORD], interval=1, streams=False):
            print(post.text)

try:
    asyncio.run(main())
except KeyboardInterrupt:
    print("interrupted", flush=True)
"""


def test_ctrl_c_does_not_wait_for_the_search_in_flight(
    mastodon_server: MastodonServer, tmp_path: Path
) -> None:
    base = mastodon_server.base_url
    wait = HELD_MS / 1000 + 60  # the client would wait for the search longer than the test waits
    settings = {
        "base_url": base,
        "access_token": mastodon_server.tokens["alice"],
        "allow_http": True,
        "timeout": wait,
        "limits": {"deadline": wait},
    }
    word = f"held{time.time_ns()}"
    script = tmp_path / "watch.py"
    script.write_text(f"SETTINGS = {settings!r}\nWORD = {word!r}\n" + SCRIPT)
    rule = mastodon_server.add_fault(
        {
            "match": {"methods": ["GET"], "path": "/api/v2/search"},
            "effect": {"type": "latency", "delay_ms": HELD_MS},
            "count": 1,
        }
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    watch = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        # Ctrl-C as a terminal sends it: a runner started in the background (CI) has SIGINT ignored,
        # and a child inherits that, so Python would never raise KeyboardInterrupt.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 60
        while any(r["id"] == rule for r in httpx.get(f"{base}/api/v1/_mock/faults", timeout=5).json()):
            assert watch.poll() is None, watch.communicate()
            assert time.monotonic() < deadline, "the monitor never searched"
            time.sleep(0.05)
        watch.send_signal(signal.SIGINT)  # the search is now held by the server
        out, err = watch.communicate(timeout=EXIT_WAIT)
    finally:
        if watch.poll() is None:
            watch.kill()
            watch.communicate()
    assert out.strip() == "interrupted", err
    assert watch.returncode == 0, err
