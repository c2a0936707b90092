"""Hive and Steem backends (``connect("hive", …)``, ``connect("steem", …)``).

Reads go through the bridge API, the one the Hive front ends use; writes are
signed locally with beem's protocol classes and broadcast to the configured
node only. beem is imported on first write, never at ``import decentsocial``.
"""

from .network import HiveNetwork, HiveSettings, SteemNetwork, SteemSettings

__all__ = ["HiveNetwork", "HiveSettings", "SteemNetwork", "SteemSettings"]
