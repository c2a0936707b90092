"""The embedded sandbox network: SQLite (stdlib), in memory or in a file, every capability.

``decentsocial.connect("sandbox")`` gives an in-memory sandbox;
``connect("sandbox", path="demo.db", account="bob")`` a persisted one where
connections with different ``account`` values act as different users.
"""

from __future__ import annotations

from .network import SandboxNetwork
from .settings import SandboxSettings

__all__ = ["SandboxNetwork", "SandboxSettings"]
