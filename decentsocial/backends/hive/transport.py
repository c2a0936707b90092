"""JSON-RPC to the configured Hive/Steem nodes only: the one module that speaks to the wire.

Calls go over plain httpx JSON-RPC (the bridge API has no beem wrapper worth
its retries, and beem's node list would fall back to public nodes); nothing
here ever contacts a node that was not configured. Signing, the other use of
beem, is local and lives in :mod:`.sign`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import httpx

from ...retry import RetryPolicy
from .failures import node_failures, result_of

__all__ = ["RpcClient"]


class RpcClient:
    """Calls ``method`` on the configured nodes in turn; retries only what cannot post twice.

    A node that is unreachable, times out or answers 5xx hands the next
    attempt to the next configured node.
    """

    def __init__(
        self,
        network: str,
        nodes: Sequence[str],
        *,
        timeout: float,
        policy: RetryPolicy,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.network = network
        self.nodes = tuple(nodes)
        self.policy = policy
        self._ids = itertools.count(1)
        self._node = 0
        self._http = httpx.Client(
            timeout=timeout, transport=transport, follow_redirects=False, trust_env=False
        )

    def close(self) -> None:
        """Close the HTTP connections (safe to call more than once)."""
        self._http.close()

    def call(self, method: str, params: Any, *, retry: bool = True) -> Any:
        """The ``result`` of ``method``; a node error raises a typed error with the RpcError chained.

        ``retry=False`` makes one attempt, for callers that run their own
        policy around a step that must not be repeated blindly (a broadcast).
        """
        if retry:
            return self.policy.call(lambda: self._once(method, params))
        return self._once(method, params)

    def _next_node(self) -> None:
        self._node += 1

    def _once(self, method: str, params: Any) -> Any:
        node = self.nodes[self._node % len(self.nodes)]
        body = {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params}
        with node_failures(self.network, method, self._next_node):
            response = self._http.post(node, json=body)
            return result_of(self.network, method, response.status_code, response.headers, response.content)
