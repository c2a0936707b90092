"""The Mastodon-API server the tests use: ``mastodon_mock serve`` as a real HTTP server on loopback.

Two instances, each a subprocess started once per session and stopped by
its saved pid:

* ``mastodon_server`` (port 38100, or ``DECENTSOCIAL_MASTODON_PORT``): seeded accounts ``alice`` and ``bob``
  with tokens, streaming heartbeat every second, fault-injection endpoint on;
* ``mastodon_limited_server`` (the next port): the same, with the mock's
  rate-limit mode on (5 requests per 3 s window, epoch ``X-RateLimit-Reset``).

Readiness is polled (``GET /api/v1/instance`` until it answers), never slept for.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from decentsocial import connect
from tests.contract.harness import Harness, immediate

if TYPE_CHECKING:
    from decentsocial.backends.mastodon import MastodonNetwork

HARNESSES = ("mastodon",)

HOST = "127.0.0.1"
#: The first of the ten ports the tests use (38100–38109); another run on this machine can move
#: them with DECENTSOCIAL_MASTODON_PORT so two runs do not answer each other's requests.
PORT = int(os.environ.get("DECENTSOCIAL_MASTODON_PORT", "38100"))
LIMITED_PORT = PORT + 1
#: Nothing listens here during the tests: the "dead server" URL.
DEAD_PORT = PORT + 9

ACCOUNTS = {"alice": "alice_token_ds", "bob": "bob_token_ds", "carol": "carol_token_ds"}


@dataclass(frozen=True)
class MastodonServer:
    """A running server: where it is and the seeded accounts' tokens."""

    base_url: str
    tokens: dict[str, str]
    pid: int

    def connect(self, account: str = "alice", **settings: Any) -> MastodonNetwork:
        """A connection as one of the seeded accounts."""
        from decentsocial.backends.mastodon import MastodonNetwork

        net = connect(
            "mastodon",
            base_url=self.base_url,
            access_token=self.tokens[account],
            allow_http=True,
            **settings,
        )
        assert isinstance(net, MastodonNetwork)
        return net

    def add_fault(self, rule: dict[str, Any]) -> str:
        """Install a rule on the mock's fault endpoint (``POST /api/v1/_mock/faults``)."""
        answer = httpx.post(f"{self.base_url}/api/v1/_mock/faults", json=rule, timeout=5)
        answer.raise_for_status()
        return str(answer.json()["id"])

    def clear_faults(self) -> None:
        httpx.delete(f"{self.base_url}/api/v1/_mock/faults", timeout=5).raise_for_status()


def _config(folder: Path, port: int, *, ratelimit: bool) -> Path:
    accounts = ",\n".join(
        f'  {{username = "{name}", display_name = "{name.title()}", access_token = "{token}"}}'
        for name, token in ACCOUNTS.items()
    )
    text = f"""
domain = "{HOST}:{port}"
url_scheme = "http"

[database]
path = "{folder / "mock.sqlite3"}"

[server]
host = "{HOST}"
port = {port}

[streaming]
heartbeat_seconds = 1.0

[ratelimit]
enabled = {"true" if ratelimit else "false"}
limit = 5
window_seconds = 3

[seed]
accounts = [
{accounts}
]
"""
    path = folder / "mock.toml"
    path.write_text(text)
    return path


def _listening(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((HOST, port)) == 0


def _wait_ready(base_url: str, process: subprocess.Popen[bytes], log: Path, deadline: float) -> None:
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"mastodon_mock exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base_url}/api/v1/instance", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"mastodon_mock did not become ready:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)


@contextmanager
def start_server(port: int, *, ratelimit: bool) -> Iterator[MastodonServer]:
    if _listening(port):
        raise RuntimeError(f"port {port} is already in use: another server would answer these tests")
    folder = Path(tempfile.mkdtemp(prefix=f"ds-mastodon-{port}-"))
    config = _config(folder, port, ratelimit=ratelimit)
    log = folder / "server.log"
    executable = Path(sys.executable).with_name("mastodon_mock")
    command = [str(executable)] if executable.exists() else [sys.executable, "-m", "mastodon_mock"]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                *command,
                "serve",
                "--config",
                str(config),
                "--host",
                HOST,
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=folder,
            start_new_session=True,
        )
    (folder / "server.pid").write_text(str(process.pid))
    base_url = f"http://{HOST}:{port}"
    try:
        _wait_ready(base_url, process, log, time.monotonic() + 60)
        yield MastodonServer(base_url=base_url, tokens=dict(ACCOUNTS), pid=process.pid)
    finally:
        pid = int((folder / "server.pid").read_text())
        try:
            os.kill(pid, signal.SIGTERM)
            process.wait(timeout=10)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.kill(pid, signal.SIGKILL)
            process.wait(timeout=5)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def mastodon_server() -> Iterator[MastodonServer]:
    with start_server(PORT, ratelimit=False) as server:
        yield server


@pytest.fixture(scope="session")
def mastodon_limited_server() -> Iterator[MastodonServer]:
    with start_server(LIMITED_PORT, ratelimit=True) as server:
        yield server


def exit_script(server: MastodonServer) -> str:
    """A script that opens every resource a connection holds (the HTTP session's pooled sockets,
    an open streaming response) and exits without ``close()``."""
    return f"""
import threading

import decentsocial as ds

def connect(token):
    return ds.connect("mastodon", base_url={server.base_url!r}, access_token=token, allow_http=True)

net = connect({server.tokens["alice"]!r})
net.me()
net.publish("an unclosed connection")
list(net.timeline(limit=3))
stream = net.stream(kind="public")
other = connect({server.tokens["bob"]!r})
done = threading.Event()

def keep_posting():
    while not done.wait(0.3):
        other.publish("seen by an unclosed stream")

worker = threading.Thread(target=keep_posting)
worker.start()
next(stream)  # the streaming response is open from here on
done.set()
worker.join()
"""


@pytest.fixture
def mastodon_harness(mastodon_server: MastodonServer) -> Iterator[Harness]:
    mastodon_server.clear_faults()
    me = mastodon_server.connect("alice")
    other = mastodon_server.connect("bob")
    yield Harness(
        name="mastodon", me=me, other=other, eventually=immediate, exit_script=exit_script(mastodon_server)
    )
    me.close()
    other.close()
