"""Ctrl-C during a crosspost ends the program at once, not when the requests in flight end.

The Mastodon server holds every post far longer than the test waits; the
program is interrupted once all of them reached the server.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest

from tests.servers.mastodon import MastodonServer

#: How long the server holds each post: far longer than the test waits for the program to end.
HELD_MS = 120_000
#: How long the test waits for the interrupted program to end (its requests would wait longer).
EXIT_WAIT = 60

SCRIPTS = {
    "sync": """
        import decentsocial as ds

        nets = [ds.connect("mastodon", access_token=t, **SETTINGS) for t in TOKENS]
        try:
            ds.crosspost(ds.Draft(text=TEXT), nets)
        except KeyboardInterrupt:
            print("interrupted", flush=True)
    """,
    "aio": """
        import asyncio

        import decentsocial as ds
        from decentsocial import aio

        async def main():
            nets = [aio.connect("mastodon", access_token=t, **SETTINGS) for t in TOKENS]
            async with nets[0], nets[1], nets[2]:
                await aio.crosspost(ds.Draft(text=TEXT), nets)

        try:
            asyncio.run(main())
        except KeyboardInterrupt:
            print("interrupted", flush=True)
    """,
}


@pytest.mark.parametrize("kind", sorted(SCRIPTS))
def test_ctrl_c_does_not_wait_for_the_posts_in_flight(
    mastodon_server: MastodonServer, tmp_path: Path, kind: str
) -> None:
    base = mastodon_server.base_url
    tokens = [mastodon_server.tokens[name] for name in ("alice", "bob", "carol")]
    text = f"held by the server {kind} {time.time_ns()}"
    # The client would wait for the held posts longer than the test waits for the program to end.
    wait = HELD_MS / 1000 + 60
    settings = {"base_url": base, "allow_http": True, "timeout": wait, "limits": {"deadline": wait}}
    header = f"SETTINGS = {settings!r}\nTOKENS = {tokens!r}\nTEXT = {text!r}\n"
    script = tmp_path / "bot.py"
    script.write_text(header + textwrap.dedent(SCRIPTS[kind]))
    rule = mastodon_server.add_fault(
        {
            "match": {"methods": ["POST"], "path": "/api/v1/statuses"},
            "effect": {"type": "latency", "delay_ms": HELD_MS},
            "count": 3,
        }
    )
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    bot = subprocess.Popen(
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
            assert bot.poll() is None, bot.communicate()
            assert time.monotonic() < deadline, "the three posts never reached the server"
            time.sleep(0.05)
        bot.send_signal(signal.SIGINT)  # every post is now held by the server
        out, err = bot.communicate(timeout=EXIT_WAIT)
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.communicate()
    assert out.strip() == "interrupted", err
    assert bot.returncode == 0, err
