"""A stop that reaches a socket: a thread blocked connecting to (or reading from) a server is freed.

A stream's ``stop()`` comes from another thread while its reader waits on
the server. Once the stream is open, shutting its socket ends the wait. While
it is still being opened (a server that never completes the TCP handshake,
or one that accepts and never answers), the socket is the transport's, not
yet the stream's: the reader puts an :class:`Interrupt` in force on its
thread (:meth:`Interrupt.in_force`) and the transport hooks what it opens
there onto it (:func:`current`, :meth:`Interrupt.hooked`). :func:`open_socket`
is the connect a transport uses for that: the socket is hooked before it
connects, and the connect waits in slices that look at the stop, so it ends
at once where shutting a connecting socket wakes it (Linux) and within a
slice where it does not. The name look-up before it cannot be interrupted
(the system's ``getaddrinfo`` takes no timeout and no stop): it runs on a
daemon thread of its own, waited for in the same slices, and a stop (or the
timeout) gives it up; that thread ends when the resolver answers.
"""

from __future__ import annotations

import errno
import math
import os
import select
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

__all__ = ["Interrupt", "current", "open_socket", "shut"]

#: Seconds a connect waits before it looks at its stop again (where a shut socket does not wake it).
_SLICE = 0.25
#: ``connect_ex`` on a non-blocking socket: the connection is on its way.
_PENDING = frozenset(
    {errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN, errno.EALREADY, getattr(errno, "WSAEWOULDBLOCK", -1)}
)

_local = threading.local()


class Interrupt:
    """Set once, from any thread; every hook registered then (or later) runs, the event is set.

    Hooks run under the interrupt's lock, and leave it (:meth:`hooked`'s
    end) under it too: a socket is never shut after its owner let go of it
    (and closed it: its descriptor may be another socket's by then).

    ``event``: an Event another thread sets by itself (a monitor's ``stop``).
    Setting it runs no hook, but what is hooked from then on is stopped at
    once, and a retry under it waits no more and tries no more.
    """

    def __init__(self, event: threading.Event | None = None) -> None:
        self.event = threading.Event() if event is None else event
        self._lock = threading.Lock()
        self._hooks: dict[int, Callable[[], None]] = {}
        self._next = 0

    def set(self) -> None:
        """Run every hook (each shuts what it holds: short, never blocking) and set the event."""
        with self._lock:
            self.event.set()
            for hook in list(self._hooks.values()):
                hook()

    def is_set(self) -> bool:
        return self.event.is_set()

    @contextmanager
    def hooked(self, hook: Callable[[], None]) -> Iterator[None]:
        """``hook()`` runs when this is set while inside (at once if it is set already)."""
        with self._lock:
            key = self._next
            self._next += 1
            self._hooks[key] = hook
            if self.event.is_set():
                hook()
        try:
            yield
        finally:
            with self._lock:
                del self._hooks[key]

    @contextmanager
    def in_force(self) -> Iterator[None]:
        """While inside, this thread's transports hook what they open onto this interrupt."""
        previous = getattr(_local, "interrupt", None)
        _local.interrupt = self
        try:
            yield
        finally:
            _local.interrupt = previous


def current() -> Interrupt | None:
    """The interrupt in force on this thread (``None``: nothing may stop its requests early)."""
    found: Interrupt | None = getattr(_local, "interrupt", None)
    return found


def shut(sock: Any) -> None:
    """Shut a socket for both directions: a blocked connect, handshake or read in another thread returns.

    The plain socket's method, for a TLS socket too (``ssl.SSLSocket.shutdown``
    would also drop its TLS state under the reading thread's feet).
    """
    if isinstance(sock, socket.socket):
        with suppress(OSError):  # not connected yet (nothing to wake but the slices), or closed already
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


def open_socket(
    address: tuple[str, int],
    timeout: float | None,
    *,
    stopped: Callable[[], bool],
    watch: Callable[[socket.socket], None],
    family: int = socket.AF_UNSPEC,
    source_address: tuple[str, int] | None = None,
    socket_options: Sequence[tuple[int, int, int | bytes]] | None = None,
) -> socket.socket:
    """``socket.create_connection`` that a stop ends: ``watch(sock)`` before each connect, ``stopped()``
    asked between slices of the wait. The socket comes back connected, in ``timeout`` mode.

    Raises what ``create_connection`` raises (``socket.gaierror``, ``TimeoutError``,
    ``OSError``); a stop is ``ConnectionAbortedError``, also during the name
    look-up (see :func:`_lookup`), which ``timeout`` bounds too.
    """
    host, port = address
    infos = _lookup(host.strip("[]"), port, family, timeout, stopped)
    last: OSError | None = None
    for family, kind, proto, _, where in infos:
        if stopped():
            raise _aborted()
        sock = socket.socket(family, kind, proto)
        try:
            for option in socket_options or ():
                sock.setsockopt(*option)
            if source_address:
                sock.bind(source_address)
            watch(sock)  # from here a stop shuts it
            _connect(sock, where, timeout, stopped)
            sock.settimeout(timeout)
            return sock
        except ConnectionAbortedError:
            sock.close()
            raise
        except OSError as exc:
            sock.close()
            last = exc
    raise last if last is not None else OSError("getaddrinfo returns an empty list")


def _lookup(
    host: str, port: int, family: int, timeout: float | None, stopped: Callable[[], bool]
) -> list[Any]:
    """``getaddrinfo`` for a stream socket, given up at a stop or after ``timeout`` seconds.

    A literal address is read here (no resolver is asked). A name is looked
    up on a daemon thread: the system resolver can block for as long as its
    own retries last, and a stop must not wait for that. A look-up given up
    is left to finish on its thread, its answer dropped.
    """
    try:
        return socket.getaddrinfo(host, port, family, socket.SOCK_STREAM, 0, socket.AI_NUMERICHOST)
    except (socket.gaierror, UnicodeError):  # a name, not an address: the resolver's
        pass
    if stopped():
        raise _aborted()
    done = threading.Event()
    outcome: list[Any] = []

    def resolve() -> None:
        try:
            outcome.append(socket.getaddrinfo(host, port, family, socket.SOCK_STREAM))
        except BaseException as exc:  # handed to the waiting thread, which raises it
            outcome.append(exc)
        finally:
            done.set()

    threading.Thread(target=resolve, name="decentsocial-lookup", daemon=True).start()
    ends = None if timeout is None else time.monotonic() + timeout
    while not done.wait(_SLICE if ends is None else max(0.0, min(ends - time.monotonic(), _SLICE))):
        if stopped():
            raise _aborted()
        if ends is not None and time.monotonic() >= ends:
            raise TimeoutError(errno.ETIMEDOUT, f"looking up {host} timed out")
    found = outcome.pop()  # not kept: an error's traceback holds the helper's frame, which holds this
    if isinstance(found, BaseException):
        raise found
    infos: list[Any] = found
    return infos


def _aborted() -> ConnectionAbortedError:
    return ConnectionAbortedError(errno.ECONNABORTED, "stopped while the connection opened")


def _connect(sock: socket.socket, where: Any, timeout: float | None, stopped: Callable[[], bool]) -> None:
    """Connect ``sock`` within ``timeout`` seconds, waiting in slices that look at ``stopped()``."""
    ends = None if timeout is None else time.monotonic() + timeout
    sock.setblocking(False)
    code = sock.connect_ex(where)
    while code in _PENDING:
        if stopped():
            raise _aborted()
        left = None if ends is None else ends - time.monotonic()
        if left is not None and left <= 0:
            raise TimeoutError(errno.ETIMEDOUT, "timed out")
        if _ready(sock, _SLICE if left is None else min(left, _SLICE)):
            code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    if stopped():  # a stop that landed as it connected: its shut may have missed the socket
        raise _aborted()
    if code:
        raise OSError(code, os.strerror(code))


def _ready(sock: socket.socket, seconds: float) -> bool:
    """Whether ``sock``'s connect has finished (or failed) within ``seconds``."""
    if hasattr(select, "poll"):  # no FD_SETSIZE limit
        poller = select.poll()
        poller.register(sock, select.POLLOUT | select.POLLERR | select.POLLHUP)
        return bool(poller.poll(math.ceil(seconds * 1000)))
    _, writable, failed = select.select([], [sock], [sock], seconds)  # Windows: a failure is in ``failed``
    return bool(writable or failed)
