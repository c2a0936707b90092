"""Running a contract server (tests/servers/_*_app.py) as a real HTTP server in a subprocess.

Shared by the Threads and Minds harnesses. The server listens on 127.0.0.1
on the first free port of its range, readiness is polled with a deadline,
and it is stopped by the pid saved at start. Its stderr goes to ``server.log``
in a temporary directory of its own (a pipe nobody reads would fill up and
block a chatty server); the log's tail is shown when the server fails to start.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port(ports: range) -> int:
    for port in ports:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {ports.start}-{ports.stop - 1}")


@dataclass
class ContractServer:
    """A running contract server and its test-only controls."""

    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, size: int = 2000) -> str:
        """The last ``size`` characters the server wrote to stderr."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-size:]
        except OSError:
            return ""

    def control(self, what: str, body: dict[str, Any] | None = None) -> Any:
        if body is None:
            response = httpx.get(f"{self.url}/_test/{what}", timeout=10)
        else:
            response = httpx.post(f"{self.url}/_test/{what}", json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.log_path.parent, ignore_errors=True)


def start_server(module: str, ports: range, *extra: str, ready_timeout: float = 30.0) -> ContractServer:
    port = free_port(ports)
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    log_path = Path(tempfile.mkdtemp(prefix=f"{module.rsplit('.', 1)[-1]}-")) / "server.log"
    with log_path.open("wb") as log:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(
            [sys.executable, "-m", module, "--port", str(port), *extra],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    server = ContractServer(url, process, log_path)
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = server.log_tail()
            server.stop()
            raise RuntimeError(f"{module} exited early (code {process.returncode}); its stderr ends:\n{tail}")
        try:
            if httpx.get(f"{url}/_test/health", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    tail = server.log_tail()
    server.stop()
    raise RuntimeError(f"{module} did not become ready on {url}; its stderr ends:\n{tail}")
