"""A relay written from NIP-01 and NIP-11 (NIP-09, 45, 50 on request) to the letter, to hold the client to it.

nostr-relay deviates from NIP-01 in ways a client can lean on by accident
(exclusive ``until``, empty ids in rejections). This one follows the text:
``since`` and ``until`` are inclusive, each filter has its own ``limit``,
results are newest first, an ``OK`` always names the event. By default it does not do
NIP-09 deletions (relays may keep deleted events), and with ``verify=False``
it stores whatever it is sent, forged or not, like a hostile relay would.
``silent=True`` makes it store what it is sent but never answer (a lost ``OK``).
``drop_connections()`` closes every client's connection, as a restart would.
``go_deaf()`` ignores everything later sent on the connections open now, while new connections
are served (a connection whose TCP path died silently: a NAT or Wi-Fi change, a sleeping laptop).
``inject`` holds events sent in answer to every ``REQ``, whether they match it or not (a hostile
relay); ``junk`` holds raw text frames sent first in answer to every ``REQ``.
``supported_nips`` replaces the list its NIP-11 document announces (any JSON value, to test
relays that announce it wrongly); ``nip11_body`` replaces the whole document.
``refuse_subscriptions`` answers every ``REQ`` with ``CLOSED`` and that reason (NIP-01);
``handshake_delay`` makes opening a connection take that many seconds (a distant relay).
``no_eose=True`` never ends an answer: after the stored events it drips a ``NOTICE`` every 0.1 s.
Subscriptions stay open after ``EOSE`` and receive new matching events.
``nip45=True`` answers NIP-45 ``["COUNT", sub, filter…]`` with ``["COUNT", sub, {"count": n}]`` (the
events matching any of the filters, ``limit`` ignored) and announces 45; without it a ``COUNT`` is
answered ``CLOSED``. Every ``COUNT`` received is kept in ``count_requests`` either way;
``count_body`` replaces the ``{"count": n}`` object sent (a relay answering wrongly).
``max_limit`` caps every filter's ``limit`` (and the answer to a filter without one), as strfry's
``maxFilterLimit`` does, and is announced as NIP-11 ``limitation.max_limit`` unless
``announce_max_limit=False``. ``send_limit`` caps every filter's answer lower still, whatever it
announces (a relay with a lower real cap than its NIP-11 says, or one trimming answers by bytes).
``forge=True`` answers every ``REQ`` with as many wrongly signed
events as its ``limit`` asks, by the filter's first author and dated at its ``until`` (a hostile relay).
``refuse_after`` accepts that many events, then refuses every later one as ``rate-limited:``.
``nip09=True`` honours NIP-09: a deletion (kind 5) removes the events its ``e`` tags name that have
the same author, and the relay announces 9.
``strict_filters=True`` reads ``ids``, ``authors``, ``#e`` and ``#p`` as strfry does: a ``REQ`` naming
anything there that is not 64 lower-case hex is answered with a ``NOTICE`` ("bad req") and no ``EOSE``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

REPLACEABLE = {0, 3}


def _matches(event: dict[str, Any], flt: dict[str, Any]) -> bool:
    if "ids" in flt and event["id"] not in flt["ids"]:
        return False
    if "authors" in flt and event["pubkey"] not in flt["authors"]:
        return False
    if "kinds" in flt and event["kind"] not in flt["kinds"]:
        return False
    if "since" in flt and event["created_at"] < flt["since"]:
        return False
    if "until" in flt and event["created_at"] > flt["until"]:
        return False
    for key, values in flt.items():
        if key.startswith("#") and len(key) == 2:
            have = {t[1] for t in event["tags"] if len(t) > 1 and t[0] == key[1]}
            if not have & set(values):
                return False
    return not ("search" in flt and str(flt["search"]).lower() not in event["content"].lower())


def _bad_hex(filters: list[dict[str, Any]]) -> bool:
    """Whether a filter names an id or key that is not 64 lower-case hex (strfry refuses the ``REQ``)."""
    return any(
        not (isinstance(v, str) and len(v) == 64 and all(c in "0123456789abcdef" for c in v))
        for flt in filters
        for key in ("ids", "authors", "#e", "#p")
        for v in flt.get(key, ())
    )


def _forged(flt: dict[str, Any], n: int) -> dict[str, Any]:
    """An event that fits ``flt``, with a sound id but a random signature."""
    author = (flt.get("authors") or ["0" * 64])[0]
    created_at = flt.get("until", int(time.time()))
    kind = (flt.get("kinds") or [1])[0]
    content = f"forged {created_at} {n}"
    serial = json.dumps([0, author, created_at, kind, [], content], separators=(",", ":"))
    event_id = hashlib.sha256(serial.encode()).hexdigest()
    sig = os.urandom(64).hex()
    return {
        "id": event_id,
        "pubkey": author,
        "created_at": created_at,
        "kind": kind,
        "tags": [],
        "content": content,
        "sig": sig,
    }


@dataclass
class SpecRelay:
    port: int
    nip50: bool = False
    nip45: bool = False
    nip09: bool = False
    count_body: Any = None
    verify: bool = True
    silent: bool = False
    max_content_length: int | None = None
    refuse: str | None = None  # refuse every event with this reason
    refuse_subscriptions: str | None = None
    inject: list[dict[str, Any]] = field(default_factory=list)
    junk: list[str] = field(default_factory=list)
    supported_nips: Any = None
    nip11_body: str | None = None
    handshake_delay: float = 0.0
    no_eose: bool = False
    max_limit: int | None = None
    announce_max_limit: bool = True
    send_limit: int | None = None
    forge: bool = False
    refuse_after: int | None = None
    strict_filters: bool = False
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    received: list[dict[str, Any]] = field(default_factory=list)
    requests: list[list[dict[str, Any]]] = field(default_factory=list)
    count_requests: list[list[dict[str, Any]]] = field(default_factory=list)
    connections_served: int = 0

    def __post_init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: Server | None = None
        #: Open subscriptions: (connection, subscription id) -> filters; new events go to each match.
        self._live: dict[tuple[ServerConnection, str], list[dict[str, Any]]] = {}
        self._deaf: set[ServerConnection] = set()
        self._drips: set[asyncio.Future[None]] = set()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> SpecRelay:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        try:
            future.result(10)
        except BaseException:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
            raise
        return self

    async def _start(self) -> None:
        self._server = await serve(
            self._handle, "127.0.0.1", self.port, process_request=self._http, close_timeout=2
        )

    def stop(self) -> None:
        """Stop serving and close every connection (again: nothing to do)."""
        if not self._thread.is_alive():
            return

        async def _stop() -> None:
            for connection in self._deaf:  # they would not hear the closing handshake either
                connection.transport.abort()
            for drip in self._drips:
                drip.cancel()
            if self._server is not None:
                self._server.close()
                await self._server.wait_closed()

        asyncio.run_coroutine_threadsafe(_stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def drop_connections(self) -> int:
        """Cut every open client connection, as a relay crash would (no closing handshake);
        how many there were."""

        async def _drop() -> int:
            assert self._server is not None
            open_now = list(self._server.connections)
            for connection in open_now:
                connection.transport.abort()
            return len(open_now)

        return asyncio.run_coroutine_threadsafe(_drop(), self._loop).result(10)

    def go_deaf(self) -> None:
        """Never again read from (nor answer on) the connections open now."""

        async def _deafen() -> None:
            assert self._server is not None
            self._deaf.update(self._server.connections)
            for connection in self._deaf:  # not even a closing handshake gets through
                connection.transport.pause_reading()

        asyncio.run_coroutine_threadsafe(_deafen(), self._loop).result(10)

    def store(self, event: dict[str, Any]) -> None:
        """Put an event straight into storage, as a compromised relay could."""
        self.events[event["id"]] = event

    async def _http(self, connection: ServerConnection, request: Request) -> Response | None:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            if self.handshake_delay:
                await asyncio.sleep(self.handshake_delay)
            return None
        announced = [1, 11] + [n for n, on in ((9, self.nip09), (45, self.nip45), (50, self.nip50)) if on]
        nips = announced if self.supported_nips is None else self.supported_nips
        info: dict[str, Any] = {"name": "spec relay", "supported_nips": nips}
        if self.max_limit is not None and self.announce_max_limit:
            info["limitation"] = {"max_limit": self.max_limit}
        document = json.dumps(info)
        body = (document if self.nip11_body is None else self.nip11_body).encode()
        headers = Headers([("Content-Type", "application/nostr+json"), ("Content-Length", str(len(body)))])
        return Response(200, "OK", headers, body)

    async def _handle(self, ws: ServerConnection) -> None:
        self.connections_served += 1
        try:
            async for raw in ws:
                if ws in self._deaf:
                    continue
                message = json.loads(raw)
                if message[0] == "EVENT":
                    answer = self._add(message[1])
                    if not self.silent:
                        await ws.send(json.dumps(answer))
                    if answer[2] and not answer[3].startswith("duplicate"):
                        await self._broadcast(message[1])
                elif message[0] == "REQ" and self.refuse_subscriptions is not None:
                    await ws.send(json.dumps(["CLOSED", message[1], self.refuse_subscriptions]))
                elif message[0] == "REQ" and self.strict_filters and _bad_hex(message[2:]):
                    await ws.send(json.dumps(["NOTICE", "bad req: filter item is not hex"]))
                elif message[0] == "REQ" and not self.silent:
                    self.requests.append(message[2:])
                    sub = message[1]
                    for frame in self.junk:
                        await ws.send(frame)
                    for event in [*self.inject, *self._query(message[2:])]:
                        await ws.send(json.dumps(["EVENT", sub, event]))
                    if self.no_eose:
                        self._drips.add(asyncio.ensure_future(self._drip(ws)))
                        continue
                    await ws.send(json.dumps(["EOSE", sub]))
                    self._live[(ws, sub)] = message[2:]
                elif message[0] == "COUNT":
                    self.count_requests.append(message[2:])
                    if self.nip45:
                        hits = {
                            e["id"] for e in self.events.values() if any(_matches(e, f) for f in message[2:])
                        }
                        body = {"count": len(hits)} if self.count_body is None else self.count_body
                        await ws.send(json.dumps(["COUNT", message[1], body]))
                    else:
                        await ws.send(json.dumps(["CLOSED", message[1], "unsupported: COUNT (NIP-45)"]))
                elif message[0] == "CLOSE":
                    self._live.pop((ws, message[1]), None)
        except ConnectionClosed:
            pass
        finally:
            for key in [k for k in self._live if k[0] is ws]:
                del self._live[key]

    async def _drip(self, ws: ServerConnection) -> None:
        with contextlib.suppress(ConnectionClosed):
            while True:
                await asyncio.sleep(0.1)
                await ws.send(json.dumps(["NOTICE", "still going"]))

    async def _broadcast(self, event: dict[str, Any]) -> None:
        """NIP-01: an open subscription goes on receiving new events that match it."""
        for (ws, sub), filters in list(self._live.items()):
            if ws not in self._deaf and any(_matches(event, f) for f in filters):
                with contextlib.suppress(ConnectionClosed):
                    await ws.send(json.dumps(["EVENT", sub, event]))

    def _add(self, event: dict[str, Any]) -> list[Any]:
        self.received.append(event)
        eid = event["id"]
        if self.verify:
            serial = json.dumps(
                [0, event["pubkey"], event["created_at"], event["kind"], event["tags"], event["content"]],
                separators=(",", ":"),
                ensure_ascii=False,
            )
            if hashlib.sha256(serial.encode()).hexdigest() != eid:
                return ["OK", eid, False, "invalid: event id does not match"]
        if self.refuse is not None:
            return ["OK", eid, False, self.refuse]
        if self.refuse_after is not None and len(self.received) > self.refuse_after:
            return ["OK", eid, False, "rate-limited: slow down"]
        if self.max_content_length is not None and len(event["content"]) > self.max_content_length:
            return ["OK", eid, False, f"invalid: content longer than {self.max_content_length}"]
        if eid in self.events:
            return ["OK", eid, True, "duplicate: already have this event"]
        if event["kind"] in REPLACEABLE:
            for old in list(self.events.values()):
                if old["kind"] == event["kind"] and old["pubkey"] == event["pubkey"]:
                    if (old["created_at"], old["id"]) > (event["created_at"], eid):
                        return ["OK", eid, True, "duplicate: have a newer one"]
                    del self.events[old["id"]]
        self.events[eid] = event
        if self.nip09 and event["kind"] == 5:
            for tag in event["tags"]:
                named = self.events.get(tag[1]) if len(tag) > 1 and tag[0] == "e" else None
                if named is not None and named["pubkey"] == event["pubkey"]:
                    del self.events[tag[1]]
        return ["OK", eid, True, ""]

    def _query(self, filters: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if self.forge:
            return [_forged(flt, i) for flt in filters for i in range(flt.get("limit", 10))]
        found: dict[str, dict[str, Any]] = {}
        ordered = sorted(self.events.values(), key=lambda e: (-e["created_at"], e["id"]))
        for flt in filters:
            hits = [e for e in ordered if _matches(e, flt)]
            limits = [n for n in (flt.get("limit"), self.max_limit, self.send_limit) if n is not None]
            if limits:
                hits = hits[: min(limits)]
            for e in hits:
                found[e["id"]] = e
        return sorted(found.values(), key=lambda e: (-e["created_at"], e["id"]))
