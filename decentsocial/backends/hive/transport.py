"""JSON-RPC to the configured Hive/Steem nodes only: the one module that speaks to the wire.

Calls go over plain httpx JSON-RPC (the bridge API has no beem wrapper worth
its retries, and beem's node list would fall back to public nodes); nothing
here ever contacts a node that was not configured. Signing, the other use of
beem, is local and lives in :mod:`.sign`.

Every request keeps to the connection's ``limits``: it goes to
:func:`~decentsocial.limits.guarded_transport` (one deadline for connecting
and reading, a node that drips bytes or inflates a small gzip answer is cut
off) and answers are parsed with :func:`~decentsocial.limits.loads` (size and
depth checked). A node that breaks a limit is left for the next configured one.
One whose answer is the other chain's (:class:`~.chain.WrongChain`, found by
the caller's ``read``) is left out for good while another node remains.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Callable, Sequence
from typing import Any

import httpx

from ... import errors
from ...limits import Limits, guarded_transport
from ...retry import RetryPolicy
from ...urls import redirect_refused
from .chain import WrongChain, hosts
from .failures import node_failures, result_of

__all__ = ["RpcClient"]

#: Every request's headers (the guarded transport adds Accept-Encoding; httpx adds Host and
#: Content-Length). A User-Agent of our own, as a client's default one was sent before.
_HEADERS = {"Content-Type": "application/json", "Accept": "application/json", "User-Agent": "decentsocial"}


class RpcClient:
    """Calls ``method`` on the configured nodes in turn; retries only what cannot post twice.

    A node that is unreachable, times out, answers 5xx or breaks a limit
    (deadline, body size) hands the next attempt to the next configured node;
    one that redirects is refused (``ConfigurationError``) and the next call goes to the next node.
    One that serves the other chain is never asked again (:meth:`call`'s ``read``).
    """

    def __init__(
        self,
        network: str,
        nodes: Sequence[str],
        *,
        timeout: float,
        policy: RetryPolicy,
        transport: httpx.BaseTransport | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.network = network
        self.nodes = tuple(nodes)
        self.policy = policy
        self.limits = limits if limits is not None else Limits()
        self._ids = itertools.count(1)
        self._node = 0
        #: Indexes of the nodes whose answers were the other chain's: never asked again while one is not.
        self._wrong: set[int] = set()
        self._log = logging.getLogger("decentsocial").getChild(network)
        # Requests go straight to the guarded transport, with no httpx.Client: a JSON-RPC post
        # needs nothing a client adds to each request (cookies, auth, redirects, proxies from
        # the environment, hooks), and skipping it saves about a tenth of a loopback call.
        self._transport = guarded_transport(self.limits, network=network, inner=transport)
        self._urls = tuple(httpx.URL(node) for node in self.nodes)
        self._timeout = httpx.Timeout(timeout).as_dict()

    def close(self) -> None:
        """Close the sockets (safe to call more than once); a later call opens new ones."""
        self._transport.close()

    def call(
        self, method: str, params: Any, *, retry: bool = True, read: Callable[[Any], Any] | None = None
    ) -> Any:
        """The ``result`` of ``method`` (through ``read``, when given); a node error raises a typed error
        with the RpcError chained.

        ``retry=False`` makes one attempt, for callers that run their own
        policy around a step that must not be repeated blindly (a broadcast).
        ``read`` turns the answer into what the caller needs while the node that
        sent it is known: an answer of the other chain (``WrongChain``) leaves
        that node out and the call goes to the next one, until none is left.
        """
        while True:
            if retry:
                node, answer = self.policy.call(lambda: self._once(method, params))
            else:
                node, answer = self._once(method, params)
            if read is None:
                return answer
            try:
                return read(answer)
            except WrongChain as exc:
                self._leave_out(node, exc)

    def _leave_out(self, node: int, exc: WrongChain) -> None:
        """Never ask ``node`` again, as it serves the other chain; re-raise ``exc`` when no node is left."""
        self._wrong.add(node)
        if len(self._wrong) >= len(self._urls):
            if len(self._urls) > 1:
                raise exc.every() from None
            raise exc
        self._log.warning(
            "the node at %s serves %s, not %s (an amount in %s): left out, the next configured node is asked",
            hosts([self.nodes[node]]),
            exc.chain.other,
            exc.chain.title,
            exc.asset,
        )

    def _next_node(self) -> None:
        self._node += 1

    def _current(self) -> int:
        """The index of the node to ask: the next one not left out (any, once every one was)."""
        count = len(self._urls)
        for step in range(count):
            if (index := (self._node + step) % count) not in self._wrong:
                return index
        return self._node % count

    def _once(self, method: str, params: Any) -> tuple[int, Any]:
        node = self._current()
        url = self._urls[node]
        body = {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params}
        try:
            content = json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
        except (TypeError, ValueError) as exc:  # UnicodeEncodeError (a lone surrogate) is a ValueError
            raise errors.InvalidInput(
                f"{method}: the request cannot be sent as JSON ({type(exc).__name__})", network=self.network
            ) from None
        request = httpx.Request(
            "POST", url, content=content, headers=_HEADERS, extensions={"timeout": self._timeout}
        )
        with node_failures(self.network, method, self._next_node):
            try:
                response = self._transport.handle_request(request)
                response.close()  # read whole already, by the guarded transport
            except errors.NetworkUnavailable as exc:
                # The guard cut the node off (deadline, size): another node may well answer, so with
                # more than one node it is retryable (and node_failures hands over to the next).
                if len(self.nodes) > 1:
                    raise errors.NetworkUnavailable(
                        exc.message, network=self.network, retryable=True
                    ) from exc
                raise
            if 300 <= response.status_code < 400:
                # Not the node's answer: a "{}" body would read as "no result" (a post not found, a
                # broadcast taken). Refused, and the next call goes to the next node.
                self._next_node()
                raise redirect_refused(
                    response.status_code,
                    response.headers.get("location", ""),
                    network=self.network,
                    base=str(url),
                    what=f"the node {url.host}",
                    setting="nodes",
                )
            return node, result_of(
                self.network,
                method,
                response.status_code,
                response.headers,
                response.content,
                limits=self.limits,
            )
