"""The real relay the Nostr backend is tested against: ``nostr-relay`` (PyPI) as a subprocess.

SQLite storage in a temporary directory, bound to 127.0.0.1 on a port in
38200–38204, ready when it serves its NIP-11 document, stopped by its saved
pid. The relay is not run in a thread: it installs a signal handler.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, cast

import pytest

from tests.contract.harness import Harness, immediate
from tests.servers._ports import moved, ports

if TYPE_CHECKING:
    from decentsocial import Network

HARNESSES = ("nostr",)

#: Ports for nostr-relay processes; 38205-38208 are for the spec relay, 38209 stays closed (each
#: moved by the session's offset, tests/servers/_ports.py).
RELAY_PORTS = ports(38200, 5)
CLOSED_PORT = moved(38209)

_CONFIG = """\
DEBUG: false
relay_name: {name}
storage:
  sqlalchemy.url: sqlite+aiosqlite:///{db}
  num_concurrent_adds: {adds}
  validators:
    - nostr_relay.validators.is_not_too_large
    - nostr_relay.validators.is_signed
    - nostr_relay.validators.is_recent
    - nostr_relay.validators.is_not_hellthread
gunicorn:
  bind: 127.0.0.1:{port}
  workers: 1
  loglevel: warning
authentication:
  enabled: false
logging:
  version: 1
  handlers:
    console: {{class: logging.StreamHandler, level: WARNING}}
  root: {{level: WARNING, handlers: [console]}}
"""


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port(candidates: range) -> int:
    for port in candidates:
        if port_is_free(port):
            return port
    raise RuntimeError(f"no free port in {candidates.start}-{candidates.stop - 1}")


@dataclass
class RelayProcess:
    """One running nostr-relay: its URL, pid file and log."""

    port: int
    directory: Path
    pid: int = 0
    log_path: Path = field(init=False)
    #: Events the relay stores at once. nostr-relay's default (4) lets concurrent events race for
    #: SQLite's one write lock, where the losers wait in SQLite's busy handler (sleeps of 1, 2, 5 ms…);
    #: 1 stores them one after another, as relays with a single writer do (strfry, nostr-rs-relay).
    concurrent_adds: int = 4
    #: The most events it sends for one ``REQ`` (nostr-relay's ``max_limit``; it does not announce it).
    max_limit: int | None = None
    #: Announced in NIP-11, so another test session's relay on this port is never taken for ours.
    name: str = field(init=False)

    def __post_init__(self) -> None:
        self.log_path = self.directory / "relay.log"
        self.name = f"decentsocial-test-{uuid.uuid4().hex}"

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        config = self.directory / "config.yaml"
        config.write_text(
            _CONFIG.format(
                db=self.directory / "nostr.sqlite3", port=self.port, name=self.name, adds=self.concurrent_adds
            )
            + ("" if self.max_limit is None else f"max_limit: {self.max_limit}\n")
        )
        exe = Path(sys.executable).parent / "nostr-relay"
        with self.log_path.open("wb") as log:
            proc = subprocess.Popen(
                [str(exe), "-c", str(config), "serve", "--use-uvicorn"],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.directory,
                start_new_session=True,
            )
        self.pid = proc.pid
        (self.directory / "relay.pid").write_text(str(proc.pid))
        deadline = time.monotonic() + timeout
        interval = 0.05
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"nostr-relay exited at start:\n{self.log_tail()}")
            if self.ready():
                return
            time.sleep(interval)
            interval = min(interval * 1.5, 0.5)
        self.stop()
        raise RuntimeError(f"nostr-relay not ready within {timeout}s:\n{self.log_tail()}")

    def ready(self) -> bool:
        """True when the relay answers with its NIP-11 document."""
        import httpx

        try:
            response = httpx.get(
                f"http://127.0.0.1:{self.port}/",
                headers={"Accept": "application/nostr+json"},
                timeout=1.0,
                trust_env=False,
            )
            return response.status_code == 200 and response.json().get("name") == self.name
        except (httpx.HTTPError, ValueError):
            return False

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        pid_file = self.directory / "relay.pid"
        pid = int(pid_file.read_text()) if pid_file.exists() else self.pid
        if not pid:
            return
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                finished, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                return
            if finished:
                return
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def start_relay(directory: Path, *, concurrent_adds: int = 4, max_limit: int | None = None) -> RelayProcess:
    """Start nostr-relay on the first port of RELAY_PORTS it can bind (other sessions may hold some).

    ``concurrent_adds``, ``max_limit``: see ``RelayProcess``.
    """
    failures = []
    for port in RELAY_PORTS:
        if not port_is_free(port):
            continue
        relay = RelayProcess(port, directory, concurrent_adds=concurrent_adds, max_limit=max_limit)
        try:
            relay.start()
        except RuntimeError as exc:  # lost a race for the port
            failures.append(str(exc))
            continue
        return relay
    raise RuntimeError("could not start nostr-relay on any port:\n" + "\n".join(failures))


@pytest.fixture(scope="session")
def nostr_relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RelayProcess]:
    """A nostr-relay for the whole session."""
    relay = start_relay(tmp_path_factory.mktemp("nostr-relay"))
    try:
        yield relay
    finally:
        relay.stop()


class LnurlDirectory:
    """LNURL-pay data per lightning address, standing in for the recipients' LNURL servers."""

    def __init__(self) -> None:
        self.entries: dict[str, object] = {}

    def __call__(self, profile: dict[str, object]) -> object:
        address = profile.get("lud16")
        return self.entries.get(address) if isinstance(address, str) else None


@pytest.fixture(scope="session")
def nostr_lnurl() -> LnurlDirectory:
    return LnurlDirectory()


#: Two connections never closed: one whose loop runs in the caller's thread (publish and read),
#: one whose loop moved to its helper thread (a stream that received a note and is left open).
_EXIT_SCRIPT = """
import decentsocial as ds
from decentsocial.backends.nostr import PrivateKey

reader = ds.connect("nostr", private_key=PrivateKey.generate().nsec, relays=["{url}"])
note = reader.publish("exit script: published")
assert reader.get_post(note.id).text == "exit script: published"
assert [p.id for p in reader.posts(limit=5)] == [note.id]

streamer = ds.connect("nostr", private_key=PrivateKey.generate().nsec, relays=["{url}"])
stream = streamer.stream(tag="exitscript")
streamer.publish("exit script: streamed #exitscript")
assert next(stream).text == "exit script: streamed #exitscript"
"""


@pytest.fixture(scope="session")
def nostr_harness(nostr_relay: RelayProcess, nostr_lnurl: LnurlDirectory) -> Iterator[Harness]:
    import decentsocial as ds
    from decentsocial.backends.nostr import LnurlPay, NostrNetwork, PrivateKey

    def connect() -> NostrNetwork:
        net = ds.connect(
            "nostr",
            private_key=PrivateKey.generate().nsec,
            relays=[nostr_relay.url],
            lnurl_resolver=nostr_lnurl,
        )
        assert isinstance(net, NostrNetwork)
        return net

    me, other = connect(), connect()
    for net, name in ((me, "contract-me"), (other, "contract-other")):
        # A lightning address whose (stand-in) LNURL server takes zaps of 1-100,000 sats.
        address = f"{name}@ln.contract.test"
        nostr_lnurl.entries[address] = LnurlPay(
            callback=f"https://ln.contract.test/callback/{name}",
            min_sendable=1_000,
            max_sendable=100_000_000,
            allows_nostr=True,
            nostr_pubkey=PrivateKey.generate().public_key,
        )
        net.set_profile(name=name, lud16=address)
    try:
        yield Harness(
            name="nostr",
            me=cast("Network", me),
            other=cast("Network", other),
            eventually=immediate,
            samples={"tip": "21 SAT"},
            exit_script=_EXIT_SCRIPT.format(url=nostr_relay.url),
        )
    finally:
        me.close()
        other.close()
