"""What :func:`~decentsocial.monitor.monitor` is given, checked before any I/O (moved out of ``monitor``).

The networks, the filter (keywords, ``mentions_of``, ``replies_to``), the
numbers and ``since``: every mistake is ``InvalidInput`` (or
``UnsupportedFeature`` for a network that can neither stream, search nor
read a timeline for what is watched) before a cursor is read or a request made.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from numbers import Integral, Real

from .coerce import connections, utc_input
from .errors import InvalidInput, UnsupportedFeature
from .models import Account
from .monitor_state import MAX_CLOCK_SKEW, Watch, check_keywords, normalise_handle
from .network import Capability, Network

__all__ = ["DEFAULT_BUFFER", "can_search", "check_monitor_args"]

#: Posts the buffer between stream threads and the caller holds before the threads wait.
DEFAULT_BUFFER = 1_000


def can_search(net: Network, keyword: str) -> bool:
    """Whether ``net`` can search for ``keyword``: words need ``SEARCH``, a hashtag ``TAG_SEARCH``."""
    words = keyword.split()
    tags = [w for w in words if w.startswith("#")]
    if len(tags) < len(words) and Capability.SEARCH not in net.capabilities:
        return False
    return not tags or Capability.TAG_SEARCH in net.capabilities


def _check_network(net: Network, watch: Watch, streaming: bool) -> None:
    """``UnsupportedFeature`` now, before any I/O, if ``net`` can neither stream, search nor read a timeline
    for ``watch``."""
    if streaming:
        return
    for keyword in watch.keywords:
        if not can_search(net, keyword) and Capability.TIMELINE not in net.capabilities:
            needed = Capability.TAG_SEARCH if keyword.startswith("#") else Capability.SEARCH
            raise UnsupportedFeature(net.name, needed, f"monitor has no stream and searches for {keyword!r}")
    if watch.mentions_of and not (
        Capability.SEARCH in net.capabilities or Capability.NOTIFICATIONS in net.capabilities
    ):
        raise UnsupportedFeature(net.name, Capability.SEARCH, "monitor looks for mentions without a stream")
    if watch.replies_to and Capability.NOTIFICATIONS not in net.capabilities:
        raise UnsupportedFeature(
            net.name, Capability.NOTIFICATIONS, "monitor looks for replies without a stream"
        )


def check_monitor_args(
    networks: Sequence[Network],
    keywords: str | Iterable[str] | None,
    interval: float,
    max_polls: int | None,
    since: datetime | None,
    *,
    mentions_of: str | Account | None = None,
    replies_to: str | Account | None = None,
    streams: bool | None = None,
    per_poll: int = 50,
    buffer: int = DEFAULT_BUFFER,
) -> tuple[list[Network], Watch, datetime | None, bool]:
    """Every argument checked (no I/O): the networks, the filter, ``since`` in UTC, whether to use streams."""
    nets = connections(networks)
    if not nets:
        raise InvalidInput("monitor needs at least one network")
    if keywords is None and mentions_of is None and replies_to is None:
        raise InvalidInput("monitor needs keywords, mentions_of or replies_to")
    watch = Watch(
        keywords=() if keywords is None else check_keywords(keywords),
        mentions_of=None if mentions_of is None else normalise_handle(mentions_of, "mentions_of"),
        replies_to=None if replies_to is None else normalise_handle(replies_to, "replies_to"),
    )
    if (
        isinstance(interval, bool)
        or not isinstance(interval, Real)  # numpy's numbers too (a value read from a frame)
        or not math.isfinite(interval)  # nan would never be due: the loop would spin
        or not 0 <= interval <= threading.TIMEOUT_MAX  # longer is more than a wait can be told
    ):
        raise InvalidInput(
            f"interval must be a number of seconds from 0 to {threading.TIMEOUT_MAX:.0f}, got {interval!r}"
        )
    if max_polls is not None and not _whole(max_polls):
        raise InvalidInput(f"max_polls must be at least 1 (or None to run until stopped), got {max_polls!r}")
    if streams is not None and not isinstance(streams, bool):
        raise InvalidInput(f"streams must be True, False or None, got {streams!r}")
    if streams and max_polls is not None:
        raise InvalidInput("max_polls counts polls: it cannot be used with streams=True")
    if not _whole(per_poll):
        raise InvalidInput(f"per_poll must be at least 1, got {per_poll!r}")
    if not _whole(buffer):
        raise InvalidInput(f"buffer must be at least 1 post, got {buffer!r}")
    start = None if since is None else utc_input(since, "since")
    if start is not None and start > datetime.now(timezone.utc) + MAX_CLOCK_SKEW:
        raise InvalidInput(f"since is in the future: {start.isoformat()}")
    use_streams = max_polls is None if streams is None else streams
    for net in nets:
        _check_network(net, watch, use_streams and Capability.STREAM in net.capabilities)
    return nets, watch, start, use_streams


def _whole(value: object) -> bool:
    """Whether ``value`` is a whole number from 1: an ``int``, or numpy's (a count read from a frame), not
    a ``bool``."""
    return isinstance(value, Integral) and not isinstance(value, bool) and int(value) >= 1
