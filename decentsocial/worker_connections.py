"""A worker's connections, one per profile: made on first use, kept while the profile is unchanged.

Connecting for every job would rebuild clients (sessions, the server's limits read once) for every
post. When the config file or the environment changed, the profile is read again, so a worker
notices an edited config (a rotated token, another server) and connects anew; a profile that cannot
connect here raises every time and is never kept. Used by :class:`~decentsocial.scheduler.Scheduler`.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from typing import TYPE_CHECKING

from .config import config_path

if TYPE_CHECKING:
    from .network import Network

__all__ = ["ENVIRONMENT_RECHECK", "WorkerConnections"]

#: How often (seconds, at most) a worker looks whether its environment changed (its config file: every batch).
ENVIRONMENT_RECHECK = 1.0


class WorkerConnections:
    """The connections of one worker (thread-safe), by profile name."""

    def __init__(self) -> None:
        #: profile -> (config file and environment stamp, settings fingerprint, connection)
        self._kept: dict[str, tuple[object, str, Network]] = {}
        self._lock = threading.Lock()
        self._environment = (float("-inf"), 0)  # (monotonic time taken, fingerprint)

    def get(self, profile: str, config: object = None) -> Network:
        """The connection for ``profile``; ``config`` is the :meth:`stamp` a batch of jobs took once
        (``None``: taken now)."""
        stamp = self.stamp() if config is None else config
        with self._lock:
            kept = self._kept.get(profile)
            if kept is not None and kept[0] == stamp:
                return kept[2]
        from .config import load_profile
        from .registry import connect_any

        settings = repr(sorted(load_profile(profile).items()))
        fingerprint = hashlib.sha256(settings.encode("utf-8", "surrogatepass")).hexdigest()
        with self._lock:
            kept = self._kept.get(profile)
            if kept is not None and kept[1] == fingerprint:
                self._kept[profile] = (stamp, fingerprint, kept[2])
                return kept[2]
            net = connect_any(profile=profile)
            self._kept[profile] = (stamp, fingerprint, net)
        if kept is not None:
            kept[2].close()
        return net

    def stamp(self) -> object:
        """What the profiles are read from: the config file (path, times, size) and the environment."""
        path = config_path()
        try:
            stat = path.stat()
            file: tuple[int, int, int] | None = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        except OSError:
            file = None
        return (str(path), file, self._environment_stamp())

    def close(self) -> None:
        """Close every connection kept (the next :meth:`get` connects anew)."""
        with self._lock:
            kept, self._kept = list(self._kept.values()), {}
        for _, _, net in kept:
            net.close()

    def _environment_stamp(self) -> int:
        """A fingerprint of the environment, taken again at most every ``ENVIRONMENT_RECHECK`` seconds.

        Reading the whole environment for every job cost a worker about as
        much as a sandbox publish; a worker's environment rarely changes.
        """
        now = time.monotonic()
        if not 0 <= now - self._environment[0] < ENVIRONMENT_RECHECK:
            self._environment = (now, hash(frozenset(os.environ.items())))
        return self._environment[1]
