"""The embedded sandbox network: SQLite (stdlib), in memory or in a file, every capability.

``decentsocial.connect("sandbox")`` gives an in-memory sandbox;
``connect("sandbox", path="demo.db", account="bob")`` a persisted one where
connections with different ``account`` values act as different users.

The package has the layout of every backend. The sandbox's "wire" is its
SQLite database, so ``transport`` is the only module that opens ``sqlite3``
connections and runs statements, and ``failures`` maps SQLite's errors. The
sandbox is also its own server: the SQL and the rules a server would apply
live in ``schema`` (tables, economy, clock), ``store`` (accounts, posts,
feeds, notifications, communities), ``ledger`` (votes, rewards, transfers)
and ``tips`` (whom a tip goes to, keyed tips), each a set of functions over
one open transaction. ``convert`` turns rows into models, and ``network``
holds the ``BaseNetwork`` hooks and the sandbox extras.
"""

from __future__ import annotations

from .convert import Economy
from .network import SandboxNetwork
from .settings import SandboxSettings

__all__ = ["Economy", "SandboxNetwork", "SandboxSettings"]
