"""A one-shot HTTP listener on this machine for an OAuth redirect (RFC 8252's loopback redirect).

The browser is sent back to ``http://127.0.0.1:PORT/PATH?code=…&state=…``;
the listener answers that one request with a short page, hands the query
to the caller and closes. It listens on loopback only, so nothing outside
this machine can reach it. Requests to other paths (a favicon) get 404, and
ones without this sign-in's ``state`` (a forged or stale redirect) 400; neither
ends the wait. Each connection is served on its own thread with a time limit,
so an idle one (a browser's speculative connection) cannot hold the redirect
back. No answer within the timeout is ``AuthenticationError`` saying what to
do next.
"""

from __future__ import annotations

import hmac
import html
import ipaddress
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from ..errors import AuthenticationError, InvalidInput
from ..urls import is_loopback_host

__all__ = ["OOB", "LoopbackReceiver", "is_loopback_redirect"]

#: The "out of band" redirect: the server shows the code and the user pastes it.
OOB = "urn:ietf:wg:oauth:2.0:oob"

_DONE = "Sign-in received. You can close this tab and go back to the terminal."


def is_loopback_redirect(uri: str) -> bool:
    """Whether ``uri`` is an ``http://`` address on this machine (one a local listener can take)."""
    try:
        parts = urlsplit(uri)
    except ValueError:  # a bracket left open: no address at all
        return False
    return parts.scheme == "http" and is_loopback_host((parts.hostname or "").lower())


class _Server(ThreadingMixIn, HTTPServer):
    allow_reuse_address = True
    daemon_threads = True
    block_on_close = False
    answer: dict[str, str] | None = None
    path: str = "/"
    #: The sign-in's ``state``: a redirect carrying another is not the answer (``None``: any is).
    state: str | None = None
    got: threading.Event
    taken: threading.Lock

    def server_bind(self) -> None:
        # Only loopback: bind explicitly, never on all interfaces.
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(self.server_address)
        self.server_address = self.socket.getsockname()[:2]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    #: Seconds a connection may stay silent or slow before it is dropped.
    timeout = 10

    def log_message(self, format: str, *args: Any) -> None:  # the query holds the code: never logged
        return

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != self.server.path:
            self._reply(404, "Not the sign-in address.")
            return
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        expected = self.server.state
        if expected is not None and not hmac.compare_digest(
            expected.encode(), query.get("state", "").encode()
        ):
            self._reply(400, "This address does not belong to the sign-in in progress.")
            return
        with self.server.taken:
            if self.server.answer is not None:  # a second redirect: the first one is the answer
                self._reply(400, "This sign-in has already received its answer.")
                return
            self.server.answer = query
        try:  # the page first: the caller may end the process as soon as it has the answer
            if "error" in query:
                self._reply(
                    200, "Sign-in was not completed: " + query.get("error", "") + ". Go back to the terminal."
                )
            else:
                self._reply(200, _DONE)
        finally:
            self.server.got.set()

    def _reply(self, status: int, text: str) -> None:
        body = f"<!doctype html><html><body><p>{html.escape(text)}</p></body></html>".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Referrer-Policy", "no-referrer")
        self.end_headers()
        self.wfile.write(body)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class LoopbackReceiver:
    """Listens on the loopback address of ``redirect_uri`` until the redirect comes (once).

    Port 0 picks a free port at once (read :attr:`redirect_uri` for the real
    address, to register it with the server); a fixed port is bound on the
    first :meth:`wait`, so building a flow never fails on a busy port. Once
    bound, a background thread answers the browser at once, whether or not
    :meth:`wait` has been called yet.
    """

    def __init__(self, redirect_uri: str) -> None:
        if not is_loopback_redirect(redirect_uri):
            raise InvalidInput(
                f"not a loopback redirect address: {redirect_uri!r} (use http://127.0.0.1:PORT/…)"
            )
        parts = urlsplit(redirect_uri)
        host = parts.hostname or "127.0.0.1"
        # A name (localhost, app.localhost) is bound as 127.0.0.1, never resolved: a resolver could
        # answer with any address, or none.
        self._host = host if _is_ip(host) else "127.0.0.1"
        try:
            port = parts.port
        except ValueError:
            raise InvalidInput(
                f"redirect address {redirect_uri!r}: its port is not a number from 0 to 65535"
            ) from None
        self._port = port if port is not None else 80
        self._path = parts.path or "/"
        self._parts = parts
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._got = threading.Event()
        self._lock = threading.Lock()
        self._state: str | None = None
        if self._port == 0:
            self._bind()

    @property
    def redirect_uri(self) -> str:
        """The redirect address with its real port."""
        host = self._parts.hostname or "127.0.0.1"
        netloc = f"[{host}]:{self._port}" if ":" in host else f"{host}:{self._port}"
        return urlunsplit((self._parts.scheme, netloc, self._path, "", ""))

    def expect(self, state: str) -> None:
        """Take as the answer only a redirect that carries ``state`` (the sign-in's own)."""
        with self._lock:
            self._state = state
            if self._server is not None:
                self._server.state = state

    def listen(self) -> None:
        """Bind and start answering now (idempotent)."""
        self._bind()

    def _bind(self) -> _Server:
        with self._lock:
            if self._server is None and self._stop.is_set():
                # A listener bound now would never be served (its loop has ended): the browser's
                # redirect would hang and the wait run out its whole time.
                raise AuthenticationError(
                    "this sign-in no longer listens for its redirect (it got its answer, ran out of "
                    "time or was closed): start the sign-in again"
                )
            if self._server is None:
                family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
                server_class = type("_LoopbackServer", (_Server,), {"address_family": family})
                try:
                    server = server_class((self._host, self._port), _Handler)
                except OSError as exc:
                    raise AuthenticationError(
                        f"cannot listen for the sign-in redirect on {self._host}:{self._port} "
                        f"({exc.strerror}): "
                        "choose another port in the redirect address, or use the out-of-band code"
                    ) from None
                server.path = self._path
                server.state = self._state
                server.got = self._got
                server.taken = threading.Lock()
                server.timeout = 0.2
                self._port = int(server.server_address[1])
                self._server = server
                self._thread = threading.Thread(target=self._serve, args=(server,), daemon=True)
                self._thread.start()
            return self._server

    def _serve(self, server: _Server) -> None:
        while not self._stop.is_set():  # after the answer too: a reloaded tab is told, not kept waiting
            try:
                server.handle_request()
            except OSError:  # closed under us
                return

    def wait(self, timeout: float) -> dict[str, str]:
        """The redirect's query parameters; ``AuthenticationError`` when none came within ``timeout`` s."""
        server = self._bind()
        try:
            if not self._got.wait(timeout) or server.answer is None:
                raise AuthenticationError(
                    f"no sign-in came back to {self.redirect_uri} within {timeout:g} s: open the "
                    "address shown, approve the app there, and run the sign-in again (or paste the "
                    "code by hand with the out-of-band option)"
                )
            return dict(server.answer)
        finally:
            self.close()

    def close(self) -> None:
        """Stop listening (idempotent)."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2)
        if self._server is not None:
            self._server.server_close()
            self._server = None
