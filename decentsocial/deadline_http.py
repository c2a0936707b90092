"""An httpx transport whose every socket operation ends at the call's deadline.

httpx gives each request one read timeout, applied to each read on its own:
a server that drips its status line and headers one byte at a time (each
byte inside the timeout) holds the call for as long as it likes, before any
body chunk lets :func:`decentsocial.limits.guarded_transport` look at the
clock. Here the connection pool runs on a network backend that cuts every
name look-up, connect, TLS handshake, read and write to the time left before
the deadline of the call in flight on this thread, so the call ends at its
deadline whatever the server (or its name server) does.

It is built on httpcore's public pieces (the connection pool and its
pluggable network backend) rather than on httpx's private ones, and maps
httpcore's errors to httpx's so backends see the usual exception types.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import socket
import ssl
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import httpcore
import httpx

if TYPE_CHECKING:
    from .limits import Deadline

__all__ = ["DeadlineHTTPTransport", "deadline_in_force", "verifying_context"]

T = TypeVar("T")

_current = threading.local()


class deadline_in_force:  # lower case: it is used as the function it replaced
    """Make ``deadline`` bound every socket operation of this thread's requests while inside.

    A class rather than a generator-based context manager: it is entered on
    every request, and this costs a third as much.
    """

    __slots__ = ("_deadline", "_previous")

    def __init__(self, deadline: Deadline) -> None:
        self._deadline = deadline
        self._previous: Deadline | None = None

    def __enter__(self) -> None:
        self._previous = getattr(_current, "deadline", None)
        _current.deadline = self._deadline

    def __exit__(self, *exc: object) -> None:
        _current.deadline = self._previous


def _within_deadline(operation: Callable[[float | None], T], timeout: float | None) -> T:
    """Run ``operation(timeout)`` with ``timeout`` cut to the time left before this thread's deadline.

    Past the deadline, or timed out because of it, the deadline's own error
    (``NetworkUnavailable`` naming the deadline) is raised. (Reads and writes,
    once per socket operation, do the same inline; see ``_DeadlineStream``.)
    """
    deadline: Deadline | None = getattr(_current, "deadline", None)
    if deadline is None:
        return operation(timeout)
    left = deadline.left()
    try:
        return operation(left if timeout is None or left < timeout else timeout)
    except httpcore.TimeoutException as exc:
        if deadline.passed():
            raise deadline.error() from exc
        raise


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    # Reads and writes run several times per request: ``_within_deadline`` written out, no closure.

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        deadline: Deadline | None = getattr(_current, "deadline", None)
        if deadline is None:
            return self._inner.read(max_bytes, timeout)
        left = deadline.left()
        try:
            return self._inner.read(max_bytes, left if timeout is None or left < timeout else timeout)
        except httpcore.TimeoutException as exc:
            if deadline.passed():
                raise deadline.error() from exc
            raise

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        deadline: Deadline | None = getattr(_current, "deadline", None)
        if deadline is None:
            return self._inner.write(buffer, timeout)
        left = deadline.left()
        try:
            self._inner.write(buffer, left if timeout is None or left < timeout else timeout)
        except httpcore.TimeoutException as exc:
            if deadline.passed():
                raise deadline.error() from exc
            raise

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        return _DeadlineStream(
            _within_deadline(lambda left: self._inner.start_tls(ssl_context, server_hostname, left), timeout)
        )

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        """A connection to the first of ``host``'s addresses that answers, within the deadline.

        The name is looked up here, not by ``socket.create_connection``: the
        system resolver takes no timeout (a name server that never answers
        held the call for as long as the resolver's own retries), and
        ``create_connection`` gives each address the whole timeout (a name with
        ten silent addresses held it ten times over). Each address gets the
        time left; a name that does not resolve is a ``ConnectError``, as any
        connection that never opened.
        """
        options = None if socket_options is None else list(socket_options)  # used once per address
        last: Exception | None = None
        for address in _addresses(host, port):

            def connect(left: float | None, address: str = address) -> httpcore.NetworkStream:
                return self._inner.connect_tcp(address, port, left, local_address, options)

            try:
                return _DeadlineStream(_within_deadline(connect, timeout))
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:  # the next address may answer
                last = exc
        assert last is not None  # _addresses returns at least one
        raise last

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        connect = self._inner.connect_unix_socket
        return _DeadlineStream(_within_deadline(lambda left: connect(path, left, socket_options), timeout))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _addresses(host: str, port: int) -> list[str]:
    """``host``'s addresses, looked up on a daemon thread given up at this thread's deadline.

    A literal address is its own. The thread a stalled look-up is left on
    ends when the system resolver finally gives up.
    """
    try:
        ipaddress.ip_address(host.partition("%")[0])  # an IPv6 scope ("%eth0") is not part of it
        return [host]
    except ValueError:
        pass
    deadline: Deadline | None = getattr(_current, "deadline", None)
    return _resolve(host, port) if deadline is None else deadline.within(lambda: _resolve(host, port))


def _resolve(host: str, port: int) -> list[str]:
    """The addresses the system resolver gives ``host``, in its order; ``httpcore.ConnectError``
    when there are none (a name that does not resolve, or one no DNS name can be: a label over 63
    characters is the codec's ``UnicodeError``, which escaped untyped)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise httpcore.ConnectError(str(exc)) from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise httpcore.ConnectError(f"{host} resolves to no address")
    return addresses


# httpcore's errors as httpx's (most specific first: the timeouts are also transport errors).
_ERRORS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.TimeoutException, httpx.TimeoutException),
)


def _httpx_error(exc: Exception, request: httpx.Request) -> Exception:
    """httpcore's ``exc`` as the httpx error it stands for (any other exception as it is)."""
    for core, mapped in _ERRORS:
        if isinstance(exc, core):
            return mapped(str(exc), request=request)
    return exc


class _BodyStream(httpx.SyncByteStream):
    def __init__(self, inner: Iterable[bytes], request: httpx.Request) -> None:
        self._inner = inner
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._inner
        except Exception as exc:
            mapped = _httpx_error(exc, self._request)
            if mapped is exc:
                raise
            raise mapped from exc

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if close is not None:
            try:
                close()
            except Exception as exc:
                mapped = _httpx_error(exc, self._request)
                if mapped is exc:
                    raise
                raise mapped from exc


def verifying_context() -> ssl.SSLContext:
    """The library's certificate-checking TLS context (httpx's), built once per process and shared.

    Every TLS connection the library opens uses it: the HTTP requests'
    transport here, and the sockets a backend opens itself (the Bluesky
    firehose's ``wss://``), so they trust the same certificates. Loading the
    CA bundle takes about 20 ms; doing it for each connection made the first
    request of every new connection pay for it. A context is meant to be
    shared (it only configures the sockets it wraps): do not change the one
    returned. It is keyed on the variables httpx reads (``SSL_CERT_FILE``,
    ``SSL_CERT_DIR``), so changing them still takes effect.
    """
    return _context_for(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@functools.lru_cache(maxsize=4)
def _context_for(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    return httpx.create_ssl_context()  # reads the same two variables


class DeadlineHTTPTransport(httpx.BaseTransport):
    """HTTP/1.1 with certificate checks, its sockets bounded by :func:`deadline_in_force`."""

    def __init__(self) -> None:
        self._pool = httpcore.ConnectionPool(
            ssl_context=verifying_context(),
            network_backend=_DeadlineBackend(),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        try:
            response = self._pool.handle_request(core_request)
        except Exception as exc:
            mapped = _httpx_error(exc, request)
            if mapped is exc:
                raise
            raise mapped from exc
        assert isinstance(response.stream, Iterable)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_BodyStream(response.stream, request),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._pool.close()
