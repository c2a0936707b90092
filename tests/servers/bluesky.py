"""The reference AT Protocol stack (PLC, PDS, AppView) on loopback, for the Bluesky tests.

``tests/servers/bluesky/install.sh`` installs it (Debian's PostgreSQL, and the
npm packages pinned in that folder: Node 22 and ``@atproto/dev-env``). This
plugin starts a private PostgreSQL cluster (fresh each run, trust auth on
127.0.0.1, fsync off) and the Node process (``start.mjs``), waits for its
READY line, creates two accounts, and stops both processes by the process
ids it saved. A start failure fails the tests with the log's tail: it never
skips silently.

Ports: PLC 2582, PDS 2583, AppView 2584, ozone 2587, PostgreSQL 55432, each
moved up by ``DECENTSOCIAL_BLUESKY_PORT_OFFSET`` (default 0) so a second
stack can run beside one that holds them (another checkout's run).
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

HARNESSES = ("bluesky",)

HERE = Path(__file__).parent / "bluesky"
NODE_BIN = HERE / "node_modules" / ".bin"
PORT_OFFSET = int(os.environ.get("DECENTSOCIAL_BLUESKY_PORT_OFFSET", "0"))
PORTS = {
    name: port + PORT_OFFSET
    for name, port in {"plc": 2582, "pds": 2583, "appview": 2584, "ozone": 2587}.items()
}
POSTGRES_PORT = 55432 + PORT_OFFSET
READY_TIMEOUT = 180.0
PASSWORD = "decentsocial-test-password"


class StackError(RuntimeError):
    """The stack could not start; the message ends with the log's tail."""


def _log_tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def _postgres_bin() -> Path:
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: p.parent.parent.name
    )
    for candidate in reversed(candidates):
        if (candidate.parent / "initdb").exists():
            return candidate.parent
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    raise StackError(f"PostgreSQL is not installed; run {HERE / 'install.sh'}")


def _stop_pid(pid: int | None, sig: int, timeout: float, *, group: bool = False) -> None:
    """Signal ``pid`` (or its process group) and wait for it to go; SIGKILL at the deadline."""
    if pid is None:
        return
    try:
        os.killpg(pid, sig) if group else os.kill(pid, sig)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done == pid:
            return
        time.sleep(0.05)
    try:
        os.killpg(pid, signal.SIGKILL) if group else os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


@dataclass
class BlueskyStack:
    """One running stack: PostgreSQL plus the Node process, with the pids to stop them by."""

    workdir: Path
    urls: dict[str, str] = field(default_factory=dict)
    postgres_pid: int | None = None
    node_pid: int | None = None
    node_log: Path | None = None
    postgres_log: Path | None = None

    @property
    def pds_url(self) -> str:
        return self.urls.get("pds", f"http://localhost:{PORTS['pds']}")

    # ---------------------------------------------------------------- start

    @classmethod
    def start(cls) -> BlueskyStack:
        if not (NODE_BIN / "node").exists():
            raise StackError(f"the npm packages are not installed; run bash {HERE / 'install.sh'}")
        busy = [p for p in (*PORTS.values(), POSTGRES_PORT) if not _port_free(p)]
        if busy:
            raise StackError(f"ports already in use on 127.0.0.1: {busy} (another stack still running?)")
        stack = cls(workdir=Path(tempfile.mkdtemp(prefix="decentsocial-bluesky-")))
        try:
            stack._start_postgres()
            stack._start_node()
        except BaseException:
            stack.stop()
            raise
        return stack

    def _start_postgres(self) -> None:
        bindir = _postgres_bin()
        data = self.workdir / "pgdata"
        data.mkdir()
        self.postgres_log = self.workdir / "postgres.log"
        # PostgreSQL refuses to run as root: run it as the 'postgres' user then.
        run_as: dict[str, Any] = {}
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.workdir, user.pw_uid, user.pw_gid)
            os.chown(data, user.pw_uid, user.pw_gid)
            run_as = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
        init = subprocess.run(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
            capture_output=True,
            text=True,
            check=False,
            cwd=self.workdir,
            **run_as,
        )
        if init.returncode != 0:
            raise StackError(f"initdb failed:\n{init.stdout[-2000:]}\n{init.stderr[-2000:]}")
        with self.postgres_log.open("wb") as log:
            proc = subprocess.Popen(
                [
                    str(bindir / "postgres"),
                    "-D",
                    str(data),
                    "-p",
                    str(POSTGRES_PORT),
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-c",
                    f"unix_socket_directories={data}",
                    "-c",
                    "fsync=off",
                    "-c",
                    "synchronous_commit=off",
                    "-c",
                    "full_page_writes=off",
                    "-c",
                    "max_connections=200",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.workdir,
                start_new_session=True,
                **run_as,
            )
        self.postgres_pid = proc.pid
        deadline = time.monotonic() + 30
        while True:
            ready = subprocess.run(
                [str(bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(POSTGRES_PORT), "-U", "postgres"],
                capture_output=True,
                check=False,
            )
            if ready.returncode == 0:
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise StackError(f"PostgreSQL did not start:\n{_log_tail(self.postgres_log)}")
            time.sleep(0.1)
        created = subprocess.run(
            [str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(POSTGRES_PORT), "-U", "postgres", "bsky"],
            capture_output=True,
            text=True,
            check=False,
        )
        if created.returncode != 0:
            raise StackError(f"createdb failed: {created.stderr[-2000:]}")

    def _start_node(self) -> None:
        tmp = self.workdir / "tmp"
        tmp.mkdir()
        self.node_log = self.workdir / "node.log"
        env = {
            **os.environ,
            "PATH": f"{NODE_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "TMPDIR": str(tmp),
            "DB_POSTGRES_URL": f"postgresql://postgres@127.0.0.1:{POSTGRES_PORT}/bsky",
            "DB_POSTGRES_SCHEMA": "decentsocial",
            "REDIS_HOST": "127.0.0.1:6379",  # asserted by TestNetwork, never connected to
            "BSKY_PLC_PORT": str(PORTS["plc"]),
            "BSKY_PDS_PORT": str(PORTS["pds"]),
            "BSKY_APPVIEW_PORT": str(PORTS["appview"]),
            "BSKY_OZONE_PORT": str(PORTS["ozone"]),
            "NODE_ENV": "test",
            "LOG_ENABLED": "false",
        }
        with self.node_log.open("wb") as log:
            proc = subprocess.Popen(
                [str(NODE_BIN / "node"), "start.mjs"],
                cwd=HERE,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.node_pid = proc.pid
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            for line in self.node_log.read_text(errors="replace").splitlines():
                if line.startswith("READY "):
                    self.urls = json.loads(line[len("READY ") :])
                    return
            if proc.poll() is not None:
                tail = _log_tail(self.node_log)
                raise StackError(f"the AT Protocol stack exited with {proc.returncode} before READY:\n{tail}")
            if time.monotonic() > deadline:
                raise StackError(f"no READY line after {READY_TIMEOUT:.0f}s:\n{_log_tail(self.node_log)}")
            time.sleep(0.1)

    # ---------------------------------------------------------------- stop

    def stop(self) -> None:
        """Stop Node, then PostgreSQL, by the pids saved at start; remove the work folder."""
        _stop_pid(self.node_pid, signal.SIGTERM, 20.0, group=True)
        self.node_pid = None
        _stop_pid(self.postgres_pid, signal.SIGINT, 20.0)  # fast shutdown
        self.postgres_pid = None
        shutil.rmtree(self.workdir, ignore_errors=True)

    # ---------------------------------------------------------------- accounts

    def create_account(self, name: str) -> tuple[str, str]:
        """A new account ``<name>-<random>.test``; returns (handle, password). Uses raw HTTP."""
        import httpx

        handle = f"{name}-{uuid.uuid4().hex[:6]}.test"
        answer = httpx.post(
            f"{self.pds_url}/xrpc/com.atproto.server.createAccount",
            json={"handle": handle, "email": f"{handle}@example.com", "password": PASSWORD},
            timeout=30,
        )
        if answer.status_code != 200:
            raise StackError(f"createAccount {handle} failed: {answer.status_code} {answer.text[:300]}")
        return handle, PASSWORD


@pytest.fixture(scope="session")
def bluesky_stack() -> Iterator[BlueskyStack]:
    """The running stack for the whole session; stopped by saved pids at the end."""
    try:
        stack = BlueskyStack.start()
    except StackError as exc:
        pytest.fail(f"the Bluesky test stack did not start: {exc}", pytrace=False)
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="session")
def bluesky_accounts(bluesky_stack: BlueskyStack) -> dict[str, tuple[str, str]]:
    return {"me": bluesky_stack.create_account("alice"), "other": bluesky_stack.create_account("bob")}


@pytest.fixture(scope="session")
def bluesky_harness(
    bluesky_stack: BlueskyStack, bluesky_accounts: dict[str, tuple[str, str]]
) -> Iterator[Any]:
    import decentsocial as ds
    from tests.contract.harness import Harness, poll_until

    me = ds.connect(
        "bluesky",
        base_url=bluesky_stack.pds_url,
        handle=bluesky_accounts["me"][0],
        password=bluesky_accounts["me"][1],
    )
    other = ds.connect(
        "bluesky",
        base_url=bluesky_stack.pds_url,
        handle=bluesky_accounts["other"][0],
        password=bluesky_accounts["other"][1],
    )
    handle, password = bluesky_accounts["me"]
    # Logs in, reads and writes (the atproto client's HTTP connection pool), and never closes.
    exit_script = f"""
        import decentsocial as ds

        url, handle, password = {bluesky_stack.pds_url!r}, {handle!r}, {password!r}
        net = ds.connect("bluesky", base_url=url, handle=handle, password=password)
        net.me()
        net.publish("posted by a script that never closes its connection")
        list(net.timeline(limit=1))
        """
    try:
        yield Harness(name="bluesky", me=me, other=other, eventually=poll_until, exit_script=exit_script)
    finally:
        me.close()
        other.close()
