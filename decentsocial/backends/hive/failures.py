"""Node failures → the error tree, in one place.

Three kinds of failure reach a Hive/Steem client, each mapped once:

* the wire (refused, reset, timed out): :func:`node_failures`, a context
  manager around each request, makes them retryable ``NetworkUnavailable``
  and lets the transport move on to the next configured node;
* HTTP statuses without a JSON-RPC answer: :func:`result_of` uses
  :func:`decentsocial.errors.from_status` (every Hive call is safe to repeat:
  reads change nothing, and a write re-sends the same signed transaction);
* JSON-RPC error objects: :func:`error_from_rpc` reads the node's message,
  since hived and hivemind use few distinct codes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import httpx

from ... import errors
from ...limits import Limits, loads

__all__ = [
    "RpcError",
    "check_broadcast_answer",
    "error_from_rpc",
    "is_duplicate_transaction",
    "is_refusal",
    "is_unchanged_vote",
    "may_have_reached",
    "node_failures",
    "result_of",
]


class RpcError(Exception):
    """A JSON-RPC error object as the node sent it (kept as the chained cause of the typed error)."""

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


#: hived's answers for a call it could not take up just now (its lock on the chain state timed out):
#: nothing was done, and the same call a moment later goes through (beem and steem-python retry it).
_BUSY = ("unable to acquire database lock",)


#: hived's and steemd's refusals of a vote that would leave things as they are: the same weight again
#: (``itr->vote_percent != o.weight``), or weight 0 where the account has no vote on the post.
_VOTE_UNCHANGED = (
    "vote on this comment is identical",  # hived
    "already voted in a similar way",  # steemd
    "vote weight cannot be 0",
)


def is_unchanged_vote(error: Any) -> bool:
    """The node refused a vote because the chain already holds it as asked (nothing to change)."""
    lowered = _message(error).lower()
    return any(k in lowered for k in _VOTE_UNCHANGED)


def is_duplicate_transaction(error: Any) -> bool:
    """The node already has this exact transaction: for a re-broadcast, that is success."""
    return "duplicate transaction" in _message(error).lower()


#: Codes of hived's json_rpc plugin for a call it did not carry out: a server error (an assertion
#: such as a refused transaction), no or unreadable params, an error during the call, an invalid
#: request or params, a parse error. -32603 (internal error) and a gateway's own codes (jussi:
#: 1000 request timeout, 1050 response timeout, 1100 upstream error) say nothing of that.
_REFUSAL_CODES = frozenset({-32000, -32001, -32002, -32003, -32600, -32602, -32700})


def is_refusal(error: Any) -> bool:
    """Whether an error object is hived's own refusal (nothing was done), not a gateway's timeout or
    internal error, after which a broadcast may still have reached the chain."""
    lowered = _message(error).lower()
    if "timeout" in lowered or "timed out" in lowered:
        return False
    if "assert exception" in lowered:
        return True
    code = error.get("code") if isinstance(error, dict) else None
    # A code that is no number (a list, an object: a broken node's) is no refusal, and no TypeError.
    return isinstance(code, (int, float)) and code in _REFUSAL_CODES


def error_from_rpc(network: str, method: str, error: Any) -> errors.DecentSocialError:
    """Map a node's JSON-RPC error object to the error tree (never a raw KeyError)."""
    message = _message(error)
    lowered = message.lower()
    code = error.get("code") if isinstance(error, dict) else None
    short = message[:300]
    if any(k in lowered for k in _AUTH):
        return errors.AuthenticationError(
            f"the node refused the signature for {method}", network=network, server_message=short
        )
    if any(k in lowered for k in _UNSUPPORTED) or code == -32601:
        unsupported = errors.UnsupportedFeature(network, method, short)
        unsupported.server_message = short
        return unsupported
    if "rate limit" in lowered or code == 429:
        return errors.RateLimited(f"{method}: rate limited", network=network, server_message=short)
    if any(k in lowered for k in _BUSY):
        return errors.NetworkUnavailable(
            f"{method}: the node is busy (nothing was done)",
            network=network,
            server_message=short,
            retryable=True,
            sent=False,
        )
    if "broadcast" in method:
        if not is_refusal(error):
            # A gateway gave up waiting (or failed) after passing the transaction on: it may be on
            # chain. Re-sending the same signed transaction is safe (a duplicate is success).
            return errors.NetworkUnavailable(
                f"{method}: the node's gateway failed before hived answered",
                network=network,
                server_message=short,
                retryable=True,
            )
        # A refused transaction (bad TaPoS, expired, over a balance, already voted…) changed nothing.
        return errors.ContentRejected(f"the node rejected {method}", network=network, server_message=short)
    if any(k in lowered for k in _NOT_FOUND):
        return errors.NotFound(f"{method}: not found", network=network, server_message=short)
    if "permission" in lowered or "not allowed" in lowered:
        return errors.PermissionDenied(f"{method}: not allowed", network=network, server_message=short)
    # hivemind passes PostgreSQL's SQLSTATE through for malformed input: class 22 (data), 42 (syntax).
    sqlstate_bad_input = isinstance(code, str) and code[:2] in ("22", "42")
    if code in (-32602, -31999, -32600, -32700) or sqlstate_bad_input or "assert exception" in lowered:
        return errors.InvalidInput(f"{method}: invalid parameters", network=network, server_message=short)
    # Not hived's refusal but a gateway's timeout or internal error: a read is safe to repeat (next node).
    return errors.NetworkUnavailable(
        f"{method} failed on the node", network=network, server_message=short, retryable=not is_refusal(error)
    )


def result_of(
    network: str,
    method: str,
    status: int,
    headers: Mapping[str, str],
    content: bytes,
    *,
    limits: Limits | None = None,
) -> Any:
    """The ``result`` of a node's HTTP answer, or the typed error it stands for.

    A 429 or 5xx is mapped by its status (the body of a gateway error is no
    answer); any other status is read as JSON-RPC first, and only a body
    without a JSON-RPC answer falls back to the status. The body is parsed
    within ``limits`` (size and nesting depth).
    """
    if status == 429 or status >= 500:
        raise _status_error(network, method, status, headers)
    try:
        payload = loads(content, limits=limits or Limits(), network=network, what=f"answer to {method}")
    except errors.NetworkUnavailable as exc:
        if status >= 400:
            raise _status_error(network, method, status, headers) from None
        raise errors.NetworkUnavailable(f"{method}: {exc.message}", network=network) from exc
    if not isinstance(payload, dict):
        if status >= 400:
            raise _status_error(network, method, status, headers)
        raise errors.NetworkUnavailable(f"{method}: unexpected answer from the node", network=network)
    error = payload.get("error")
    if error is not None:
        raise error_from_rpc(network, method, error) from RpcError(method, error)
    if status >= 400:
        raise _status_error(network, method, status, headers)
    return payload.get("result")


def _status_error(
    network: str, method: str, status: int, headers: Mapping[str, str]
) -> errors.DecentSocialError:
    return errors.from_status(
        status,
        network=network,
        message=f"{method}: the node answered HTTP {status}",
        headers=headers,
        safe_to_repeat=True,
    )


@contextmanager
def node_failures(network: str, method: str, next_node: Callable[[], None]) -> Iterator[None]:
    """Wire failures as retryable ``NetworkUnavailable``; a node that failed hands over to the next.

    A node that cannot be reached, timed out or answered 5xx is left for the
    next configured one (``next_node``); a rate limit or a refusal is not.
    """
    try:
        yield
    except httpx.TimeoutException as exc:
        next_node()
        raise errors.NetworkUnavailable(
            f"{method}: the node timed out",
            network=network,
            retryable=True,
            sent=not isinstance(exc, httpx.ConnectTimeout),
        ) from exc
    except httpx.HTTPError as exc:
        next_node()
        raise errors.NetworkUnavailable(
            f"{method}: cannot reach the configured node",
            network=network,
            retryable=True,
            sent=not isinstance(exc, httpx.ConnectError),
        ) from exc
    except errors.NetworkUnavailable as exc:
        if exc.retryable:
            next_node()
        raise


def check_broadcast_answer(network: str, tx_id: str, answer: object) -> None:
    """A broadcast is taken only on hived's answer, ``{}`` (or an object naming this very transaction).

    An answer with no ``result`` (``{}``, ``null``, a list) says nothing of the transaction, and one
    naming another transaction id is not about this one: neither is reported as sent. Both may
    follow a broadcast that reached the node, so the error is one that re-sends this transaction.
    """
    if not isinstance(answer, dict):
        problem = "no result"
    elif "id" in answer and answer["id"] != tx_id:
        problem = f"another transaction's id ({str(answer['id'])[:80]!r}, signed {tx_id})"
    else:
        return
    raise errors.NetworkUnavailable(
        f"the node's answer to the broadcast of {tx_id} has {problem}: not taken as sent",
        network=network,
        retryable=True,
    )


def may_have_reached(exc: errors.DecentSocialError) -> bool:
    """Whether a broadcast that failed with ``exc`` may still have been taken by a node.

    A node's own refusal (hived's error object, a 4xx or 429) took nothing, and
    neither did a connection that never opened; a timeout, a lost answer, a
    5xx or a gateway's error object (it gave up waiting for hived) may have.
    """
    if not isinstance(exc, errors.NetworkUnavailable):
        return False
    if isinstance(exc.__cause__, RpcError):  # a gateway's timeout or internal error, not hived's refusal
        return not is_refusal(exc.__cause__.error)
    return exc.sent
