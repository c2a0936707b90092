"""A loopback port that never completes a TCP handshake: a connect there waits for its timeout.

The listener never accepts and its backlog is full, so the system drops
every new SYN (it is not refused: the client keeps trying, as it does with a
server behind a firewall that drops packets). Only 127.0.0.1 is touched.
"""

from __future__ import annotations

import errno
import select
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

#: Connections a listener with a backlog of 0 may hold before it drops SYNs: a few on every system seen.
_FILL = 64


@contextmanager
def black_hole() -> Iterator[int]:
    """Yield a port whose connects hang (skips the test on a system whose loopback never drops one)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    fillers: list[socket.socket] = []
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = int(listener.getsockname()[1])
        for _ in range(_FILL):
            probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            fillers.append(probe)
            probe.setblocking(False)
            code = probe.connect_ex(("127.0.0.1", port))
            if code in (errno.EINPROGRESS, errno.EWOULDBLOCK) and not _done_within(probe, 0.3):
                break  # this one hangs in the handshake: so will the next
        else:
            pytest.skip("this system's loopback never leaves a connect waiting")
        yield port
    finally:
        for probe in fillers:
            probe.close()
        listener.close()


def _done_within(sock: socket.socket, seconds: float) -> bool:
    """Whether ``sock``'s connect ended within ``seconds``: ``poll``, not ``select``, which refuses a
    descriptor past 1023 (the whole suite holds more open than that by the time it gets here)."""
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(sock, select.POLLOUT | select.POLLERR | select.POLLHUP)
        return bool(poller.poll(int(seconds * 1000)))
    _, writable, failed = select.select([], [sock], [sock], seconds)
    return bool(writable or failed)
