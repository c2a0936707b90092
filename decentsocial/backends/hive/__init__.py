"""Hive and Steem backends (``connect("hive", …)``, ``connect("steem", …)``).

Reads go through the bridge API, the one the Hive front ends use; writes are
signed locally with beem's protocol classes and broadcast to the configured
nodes only. beem is imported on first write, never at ``import decentsocial``.
"""

from .chain import HIVE, STEEM, Chain
from .network import HiveNetwork, SteemNetwork
from .settings import HiveSettings, SteemSettings
from .sign import SignedTx

__all__ = [
    "HIVE",
    "STEEM",
    "Chain",
    "HiveNetwork",
    "HiveSettings",
    "SignedTx",
    "SteemNetwork",
    "SteemSettings",
]
