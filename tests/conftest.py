"""Test-wide configuration: every module in tests/servers is a pytest plugin.

Each one starts (and stops) the real local server its backend is tested
against and provides that backend's contract-suite harness fixture.
"""

from __future__ import annotations

from pathlib import Path

_SERVERS = Path(__file__).parent / "servers"

pytest_plugins = sorted(
    f"tests.servers.{p.stem}" for p in _SERVERS.glob("*.py") if not p.name.startswith("_")
)
