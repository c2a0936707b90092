"""Running a contract server (tests/servers/_*_app.py) as a real HTTP server in a subprocess.

Shared by the Threads and Minds harnesses. The server listens on 127.0.0.1
on the first free port of its range, readiness is polled with a deadline,
and it is stopped by the pid saved at start.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
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


def start_server(module: str, ports: range, *extra: str) -> ContractServer:
    port = free_port(ports)
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", module, "--port", str(port), *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    server = ContractServer(url, process)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            err = process.stderr.read().decode() if process.stderr else ""
            raise RuntimeError(f"{module} exited early: {err[-2000:]}")
        try:
            if httpx.get(f"{url}/_test/health", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"{module} did not become ready on {url}")
