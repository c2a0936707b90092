"""JSON-RPC to the configured Hive/Steem nodes only, with bounded retries, and node errors as typed errors.

Reads go over plain httpx JSON-RPC (the bridge API has no beem wrapper worth
its retries); nothing here ever falls back to a node that was not configured.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from typing import Any

import httpx

from ...errors import (
    AuthenticationError,
    ContentRejected,
    DecentSocialError,
    InvalidInput,
    NetworkUnavailable,
    NotFound,
    PermissionDenied,
    RateLimited,
    UnsupportedFeature,
)
from ...retry import RetryPolicy, retry_after_from_headers

__all__ = ["RpcClient", "RpcError", "error_from_rpc", "is_duplicate_transaction"]


class RpcError(Exception):
    """A JSON-RPC error object as the node sent it (kept as the chained cause)."""

    def __init__(self, method: str, error: Any) -> None:
        self.method = method
        self.error = error
        super().__init__(f"{method}: {_message(error)}")


def _message(error: Any) -> str:
    if isinstance(error, dict):
        message = str(error.get("message") or "")
        data = error.get("data")
        if isinstance(data, str) and data not in message:
            message = f"{message}: {data}" if message else data
        return message or json.dumps(error)[:300]
    return str(error)[:300]


_NOT_FOUND = ("does not exist", "was deleted", "unknown key", "not found")
_UNSUPPORTED = (
    "not supported",
    "no longer supported",
    "plugin not enabled",
    "supported by hivemind",
    "api not found",
)
_AUTH = (
    "missing posting authority",
    "missing active authority",
    "missing owner authority",
    "missing required posting",
    "missing required active",
    "irrelevant signature",
)


def is_duplicate_transaction(error: Any) -> bool:
    """The node already has this exact transaction: for a re-broadcast, that is success."""
    return "duplicate transaction" in _message(error).lower()


def error_from_rpc(network: str, method: str, error: Any) -> DecentSocialError:
    """Map a node's JSON-RPC error object to the error tree (never a raw KeyError)."""
    message = _message(error)
    lowered = message.lower()
    code = error.get("code") if isinstance(error, dict) else None
    short = message[:300]
    broadcast = "broadcast" in method
    if any(k in lowered for k in _AUTH):
        return AuthenticationError(
            f"the node refused the signature for {method}", network=network, server_message=short
        )
    if any(k in lowered for k in _UNSUPPORTED) or code == -32601:
        unsupported = UnsupportedFeature(network, method, short)
        unsupported.server_message = short
        return unsupported
    if "rate limit" in lowered or code == 429:
        return RateLimited(f"{method}: rate limited", network=network, server_message=short)
    if broadcast:
        # A refused transaction (bad TaPoS, expired, over a balance, already voted…) changed nothing.
        return ContentRejected(f"the node rejected {method}", network=network, server_message=short)
    if any(k in lowered for k in _NOT_FOUND):
        return NotFound(f"{method}: not found", network=network, server_message=short)
    if "permission" in lowered or "not allowed" in lowered:
        return PermissionDenied(f"{method}: not allowed", network=network, server_message=short)
    # hivemind passes PostgreSQL's SQLSTATE through for malformed input: class 22 (data), 42 (syntax).
    sqlstate_bad_input = isinstance(code, str) and code[:2] in ("22", "42")
    if code in (-32602, -31999, -32600, -32700) or sqlstate_bad_input or "assert exception" in lowered:
        return InvalidInput(f"{method}: invalid parameters", network=network, server_message=short)
    return NetworkUnavailable(f"{method} failed on the node", network=network, server_message=short)


class RpcClient:
    """Calls ``method`` on the configured nodes in turn; retries only what cannot post twice."""

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
        self._http.close()

    def call(self, method: str, params: Any, *, retry: bool = True) -> Any:
        """The ``result`` of ``method``; a node error raises a typed error with the RpcError chained."""
        if retry:
            return self.policy.call(lambda: self._once(method, params))
        return self._once(method, params)

    def _once(self, method: str, params: Any) -> Any:
        node = self.nodes[self._node % len(self.nodes)]
        body = {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params}
        try:
            response = self._http.post(node, json=body)
        except httpx.TimeoutException as exc:
            self._node += 1  # the next attempt goes to the next configured node
            raise NetworkUnavailable(
                f"{method}: the node timed out", network=self.network, retryable=True
            ) from exc
        except httpx.HTTPError as exc:
            self._node += 1
            raise NetworkUnavailable(
                f"{method}: cannot reach the configured node", network=self.network, retryable=True
            ) from exc
        if response.status_code == 429:
            raise RateLimited(
                f"{method}: rate limited",
                retry_after=retry_after_from_headers(response.headers),
                network=self.network,
            )
        if response.status_code >= 500:
            self._node += 1
            raise NetworkUnavailable(
                f"{method}: node answered HTTP {response.status_code}", network=self.network, retryable=True
            )
        try:
            payload = response.json()
        except ValueError as exc:
            raise NetworkUnavailable(f"{method}: the node sent no JSON", network=self.network) from exc
        if not isinstance(payload, dict):
            raise NetworkUnavailable(f"{method}: unexpected answer from the node", network=self.network)
        if "error" in payload and payload["error"] is not None:
            raise error_from_rpc(self.network, method, payload["error"]) from RpcError(
                method, payload["error"]
            )
        return payload.get("result")
