"""A Hive/Steem JSON-RPC node double that answers from recorded mainnet answers.

Reads are answered only from recorded cases (``tests/fixtures/hive``): a
request is matched on its method and params; anything not recorded gets a
JSON-RPC error naming the call, so a test shows exactly which calls a client
makes. Two rules taken from the documented bridge API widen the match
without inventing data:

* parameters given at their documented default (``limit`` 20,
  ``start_author`` "", ``observer`` null…) match a recording that left them
  out, and the other way round;
* a ``limit`` below the recorded one is answered with the first ``limit``
  items of the recorded list (bridge lists are ordered and cut at ``limit``);
* a page that starts after a post (``start_author``/``start_permlink``) is
  answered from any recorded list of the same query that holds that post,
  with the items that follow it (as bridge pages: the start post excluded),
  when the recording covers the whole page;
* ``condenser_api.get_accounts`` for names that a recorded call asked for
  is answered with those accounts' recorded entries (it returns one entry
  per existing name);
* ``account_history_api.get_account_history`` without an operation filter,
  for an account whose whole history is recorded (a ``start: -1`` answer
  shorter than its limit), is answered with the ``limit`` newest entries
  at or below ``start``; and, as hived and HAfAH do, a ``start`` below
  ``limit - 1`` gets their assertion error.

Broadcasts are not in the recordings. They are answered as a node answers
them (``condenser_api.broadcast_transaction`` and
``network_broadcast_api.broadcast_transaction`` return ``{}``; the
``_synchronous`` form returns the transaction id and block), kept in
:attr:`ReplayServer.broadcasts` (also ``GET /_replay/broadcasts``), and a
transaction broadcast twice gets the node's duplicate-transaction error.
Nothing is applied to any state: reads never see writes.

The recordings are Hive's (its first ~5M blocks: history Hive and Steem share, Hive forked in 2020).
:meth:`ReplayServer.node` ``("steem")`` is the same node as a Steem node serves that history: each
amount in Steem's assets (``"1.698 HBD"`` → ``"1.698 SBD"``, ``HIVE`` → ``STEEM``), the only part of
an answer a client can tell the two chains by without another request; field names stay Hive's
(``reward_hbd_balance``: the backend reads both chains' names). ``url`` is the Hive node. A test can make
the node refuse an operation as hived would (``refuse["delete_comment"] =
"…Cannot delete a comment with net positive votes."``); ``clear()`` forgets it.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

__all__ = ["Broadcast", "ReplayServer", "load_cases"]

#: Documented defaults of the bridge methods (hivemind's bridge API signatures).
BRIDGE_DEFAULTS: dict[str, dict[str, Any]] = {
    "bridge.get_account_posts": {"start_author": "", "start_permlink": "", "limit": 20, "observer": None},
    "bridge.get_ranked_posts": {
        "start_author": "",
        "start_permlink": "",
        "limit": 20,
        "tag": "",
        "observer": None,
    },
    "bridge.get_post": {"observer": None},
    "bridge.get_discussion": {"observer": None},
    "bridge.get_profile": {"observer": None},
    "bridge.get_community": {"observer": None},
    "bridge.list_communities": {"last": "", "limit": 100, "query": None, "sort": "rank", "observer": None},
    "bridge.account_notifications": {"min_score": 25, "last_id": None, "limit": 100},
}

BROADCAST_METHODS = {
    "condenser_api.broadcast_transaction",
    "condenser_api.broadcast_transaction_synchronous",
    "network_broadcast_api.broadcast_transaction",
}

#: hived's answer to a transaction it already has (code and wording as nodes send them).
DUPLICATE_ERROR = {
    "code": -32003,
    "message": "Assert Exception:false: Duplicate transaction check failed",
    "data": {"code": 10, "name": "assert_exception", "message": "Assert Exception"},
}

NOT_RECORDED = -32001

#: hived's and HAfAH's answer to get_account_history with start < limit - 1 (start is a 0-based index).
HISTORY_START_ERROR = {
    "code": -32003,
    "message": "Assert Exception:args.start >= args.limit-1: "
    "start must be greater than or equal to limit-1 (start is 0-based index)",
}
HISTORY = "account_history_api.get_account_history"

#: The path of the Steem form of the node (see the module's docstring).
STEEM_PATH = "/steem"
#: An amount in a node's own form, in one of Hive's assets; and each one's Steem name.
_HIVE_AMOUNT = re.compile(r"(-?[0-9]+\.[0-9]+) (HBD|HIVE)")
_STEEM_ASSET = {"HBD": "SBD", "HIVE": "STEEM"}


def as_steem(value: Any) -> Any:
    """A recorded answer as a Steem node gives it: each amount in Hive's assets in Steem's."""
    if isinstance(value, str):
        found = _HIVE_AMOUNT.fullmatch(value)
        return f"{found[1]} {_STEEM_ASSET[found[2]]}" if found else value
    if isinstance(value, list):
        return [as_steem(v) for v in value]
    if isinstance(value, dict):
        return {k: as_steem(v) for k, v in value.items()}
    return value


def load_cases(path: Path) -> list[dict[str, Any]]:
    """Cases from a ``.jsonl`` or ``.jsonl.gz`` file, one JSON object a line."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def split_call(method: str, params: Any) -> tuple[str, Any]:
    """The ``api.method`` name and arguments of a request in either form."""
    if (
        method == "call"
        and isinstance(params, list)
        and len(params) >= 2
        and all(isinstance(p, str) for p in params[:2])
    ):
        args = params[2] if len(params) > 2 else []
        return f"{params[0]}.{params[1]}", args
    return method, params


def _canonical(method: str, params: Any) -> str:
    if isinstance(params, dict):
        defaults = BRIDGE_DEFAULTS.get(method, {})
        params = {k: v for k, v in params.items() if not (k in defaults and defaults[k] == v)}
    return json.dumps([method, params], sort_keys=True, separators=(",", ":"))


def _without_limit(method: str, params: Any) -> tuple[str, int] | None:
    """(key of params without limit, limit) for dict params of a bridge list call."""
    if not isinstance(params, dict) or method not in BRIDGE_DEFAULTS:
        return None
    default_limit = BRIDGE_DEFAULTS[method].get("limit")
    if default_limit is None:
        return None
    limit = params.get("limit", default_limit)
    if not isinstance(limit, int) or isinstance(limit, bool):
        return None
    rest = {k: v for k, v in params.items() if k != "limit"}
    return _canonical(method, rest), limit


_PAGING = ("limit", "start_author", "start_permlink")


def _query_key(method: str, params: dict[str, Any]) -> str:
    return _canonical(method, {k: v for k, v in params.items() if k not in _PAGING})


def _post_key(item: Any) -> tuple[Any, Any] | None:
    return (item.get("author"), item.get("permlink")) if isinstance(item, dict) else None


@dataclass(frozen=True)
class Broadcast:
    """One transaction a client broadcast: the method used, the signed transaction, and whether it
    went to the node's Steem form (``ReplayServer.node("steem")``)."""

    method: str
    transaction: dict[str, Any]
    steem: bool = False


@dataclass
class _Answers:
    exact: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_limit: dict[str, list[tuple[int, dict[str, Any]]]] = field(default_factory=dict)
    by_query: dict[str, list[tuple[int, list[Any]]]] = field(default_factory=dict)


def _index(cases: Iterable[Mapping[str, Any]]) -> _Answers:
    answers = _Answers()
    for case in cases:
        method, params = split_call(case["method"], case.get("params"))
        if method in BROADCAST_METHODS:
            continue  # answered live, never from a recording
        answer = dict(case)
        answers.exact.setdefault(_canonical(method, params), answer)
        keyed = _without_limit(method, params)
        if keyed is not None and isinstance(case.get("result"), list):
            answers.by_limit.setdefault(keyed[0], []).append((keyed[1], answer))
            query = _query_key(method, params)
            answers.by_query.setdefault(query, []).append((keyed[1], case["result"]))
    return answers


class ReplayServer:
    """The recorded answers served over HTTP JSON-RPC on loopback, in a thread."""

    def __init__(self, cases: Iterable[Mapping[str, Any]], *, host: str = "127.0.0.1", port: int = 0) -> None:
        if host not in ("127.0.0.1", "localhost"):
            raise ValueError("the replay server listens on loopback only")
        self._answers = _index(cases)
        self._lock = threading.Lock()
        self._broadcasts: list[Broadcast] = []
        self._seen: set[str] = set()
        self.requests: list[tuple[str, Any]] = []
        #: The requests of ``requests`` that went to the Steem form of the node.
        self.steem_requests: list[tuple[str, Any]] = []
        #: Operation name -> the node's assertion message for a transaction that carries it.
        self.refuse: dict[str, str] = {}
        self._httpd = ThreadingHTTPServer((host, port), self._handler())
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    # ---------------------------------------------------------------- lifecycle

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def node(self, network: str) -> str:
        """The node URL for a ``network`` connection: the Steem form for ``"steem"``, else ``url``."""
        return self.url + STEEM_PATH if network == "steem" else self.url

    def start(self) -> ReplayServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="hive-replay", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # ---------------------------------------------------------------- what was broadcast

    @property
    def broadcasts(self) -> list[Broadcast]:
        with self._lock:
            return list(self._broadcasts)

    def clear(self) -> None:
        with self._lock:
            self._broadcasts.clear()
            self._seen.clear()
            self.requests.clear()
            self.steem_requests.clear()
            self.refuse.clear()

    # ---------------------------------------------------------------- answering

    def answer(self, request: Any, *, steem: bool = False) -> dict[str, Any]:
        """The JSON-RPC response object for one request object (as a Steem node gives it: ``steem``)."""
        answer = self._answer(request, steem)
        return as_steem(answer) if steem else answer

    def _answer(self, request: Any, steem: bool) -> dict[str, Any]:
        if not isinstance(request, dict) or not isinstance(request.get("method"), str):
            return {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "Invalid Request"}}
        rid = request.get("id")
        method, params = split_call(request["method"], request.get("params"))
        with self._lock:
            self.requests.append((method, params))
            if steem:
                self.steem_requests.append((method, params))
        if method in BROADCAST_METHODS:
            return {"jsonrpc": "2.0", "id": rid, **self._broadcast(method, params, steem)}
        if _history_start_below_limit(method, params):
            return {"jsonrpc": "2.0", "id": rid, "error": HISTORY_START_ERROR}
        found = self._find(method, params)
        if found is None:
            found = self._accounts_subset(method, params)
        if found is None:
            found = self._history_slice(method, params)
        if found is None:
            error = {
                "code": NOT_RECORDED,
                "message": f"not recorded: {method} {json.dumps(params, sort_keys=True)}",
            }
            return {"jsonrpc": "2.0", "id": rid, "error": error}
        return {"jsonrpc": "2.0", "id": rid, **found}

    def _find(self, method: str, params: Any) -> dict[str, Any] | None:
        case = self._answers.exact.get(_canonical(method, params))
        if case is not None:
            return _outcome(case)
        keyed = _without_limit(method, params)
        if keyed is None:
            return None
        key, limit = keyed
        for recorded_limit, recorded in sorted(self._answers.by_limit.get(key, []), key=lambda x: x[0]):
            items = recorded["result"]
            # A shorter recorded list than its limit is complete; a full one covers up to its limit.
            if limit <= recorded_limit or len(items) < recorded_limit:
                return {"result": items[:limit]}
        return self._after_start(method, params, limit)

    def _after_start(self, method: str, params: dict[str, Any], limit: int) -> dict[str, Any] | None:
        start = (params.get("start_author"), params.get("start_permlink"))
        if not start[0] or not start[1]:
            return None
        for recorded_limit, items in self._answers.by_query.get(_query_key(method, params), []):
            keys = [_post_key(i) for i in items]
            if start not in keys:
                continue
            after = items[keys.index(start) + 1 :]
            complete = len(items) < recorded_limit
            if len(after) >= limit or complete:
                return {"result": after[:limit]}
        return None

    def _accounts_subset(self, method: str, params: Any) -> dict[str, Any] | None:
        """``get_accounts`` for some names of a recorded call: those entries, in the asked order."""
        if method != "condenser_api.get_accounts" or not (
            isinstance(params, list) and params and isinstance(params[0], list)
        ):
            return None
        wanted = params[0]
        for key, case in self._answers.exact.items():
            if not key.startswith('["condenser_api.get_accounts"') or not isinstance(
                case.get("result"), list
            ):
                continue
            recorded_names = split_call(case["method"], case.get("params"))[1][0]
            if set(wanted) <= set(recorded_names):
                by_name = {a["name"]: a for a in case["result"]}
                return {"result": [by_name[n] for n in wanted if n in by_name]}
        return None

    def _history_slice(self, method: str, params: Any) -> dict[str, Any] | None:
        """Unfiltered history of a wholly recorded account: the ``limit`` newest entries up to ``start``."""
        if method != HISTORY or not isinstance(params, dict) or _history_filtered(params):
            return None
        start, limit = params.get("start", -1), params.get("limit", 1000)
        if not isinstance(start, int) or not isinstance(limit, int) or limit < 1:
            return None
        for case in self._answers.exact.values():
            recorded = split_call(case["method"], case.get("params"))[1]
            if (
                split_call(case["method"], case.get("params"))[0] != HISTORY
                or not isinstance(recorded, dict)
                or recorded.get("account") != params.get("account")
                or _history_filtered(recorded)
                or recorded.get("start", -1) != -1
                or not isinstance(case.get("result"), dict)
            ):
                continue
            history = case["result"].get("history") or []
            if len(history) >= recorded.get("limit", 1000):
                continue  # a full page: older entries may exist that were not recorded
            upto = [e for e in history if start < 0 or e[0] <= start]
            return {"result": {"history": upto[-limit:]}}
        return None

    def _broadcast(self, method: str, params: Any, steem: bool) -> dict[str, Any]:
        trx = _transaction_of(method, params)
        if trx is None:
            return {"error": {"code": -32602, "message": "Invalid parameters: expected a signed transaction"}}
        if not trx.get("operations"):
            return {
                "error": {
                    "code": -32000,
                    "message": "Assert Exception:operations.size() > 0: "
                    "A transaction must have at least one operation",
                }
            }
        if not trx.get("signatures"):
            return {"error": {"code": -32000, "message": "Assert Exception:Missing Posting Authority"}}
        for op in trx["operations"]:
            name = op[0] if isinstance(op, list) and op else None
            if isinstance(op, dict):  # network_broadcast_api's {"type": "comment_operation", …}
                name = str(op.get("type", "")).removesuffix("_operation")
            if isinstance(name, str) and name in self.refuse:
                return {"error": {"code": -32000, "message": self.refuse[name]}}
        key = hashlib.sha256(
            json.dumps({k: v for k, v in trx.items() if k != "signatures"}, sort_keys=True).encode()
        ).hexdigest()
        with self._lock:
            if key in self._seen:
                return {"error": DUPLICATE_ERROR}
            self._seen.add(key)
            self._broadcasts.append(Broadcast(method, trx, steem))
            number = len(self._broadcasts)
        if method.endswith("_synchronous"):
            return {
                "result": {"id": key[:40], "block_num": 5_000_000 + number, "trx_num": 0, "expired": False}
            }
        return {"result": {}}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def _send(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path == "/_replay/broadcasts":
                    self._send(
                        200, [{"method": b.method, "transaction": b.transaction} for b in server.broadcasts]
                    )
                elif self.path == "/health":
                    self._send(200, {"ok": True})
                else:
                    self._send(404, {"error": "not found"})

            def do_POST(self) -> None:
                # Any other path: the Hive node, as before (a query, such as a node URL's token, aside).
                steem = self.path.partition("?")[0] == STEEM_PATH
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"null")
                except ValueError:
                    self._send(
                        200,
                        {"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "Parse error"}},
                    )
                    return
                if isinstance(body, list):
                    self._send(200, [server.answer(item, steem=steem) for item in body])
                else:
                    self._send(200, server.answer(body, steem=steem))

        return Handler


def _history_filtered(params: Mapping[str, Any]) -> bool:
    return any(params.get(k) is not None for k in ("operation_filter_low", "operation_filter_high"))


def _history_start_below_limit(method: str, params: Any) -> bool:
    if method != HISTORY or not isinstance(params, dict):
        return False
    start, limit = params.get("start"), params.get("limit", 1000)
    return isinstance(start, int) and isinstance(limit, int) and 0 <= start < limit - 1


def _outcome(case: Mapping[str, Any]) -> dict[str, Any]:
    if "result" in case:
        return {"result": case["result"]}
    error = case.get("error")
    if isinstance(error, dict) and "code" not in error and "result" in error:
        return {"result": error["result"]}  # a recorded full response that carried a result
    return {"error": error}


def _transaction_of(method: str, params: Any) -> dict[str, Any] | None:
    if method.startswith("network_broadcast_api") and isinstance(params, dict):
        trx = params.get("trx")
    elif isinstance(params, list) and params:
        trx = params[0]
    else:
        trx = None
    return trx if isinstance(trx, dict) else None
