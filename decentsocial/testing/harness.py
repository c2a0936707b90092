"""What a backend gives the contract suite: two connected accounts and how to wait for its reads.

Each ``tests/servers/<name>.py`` module defines a ``<name>_harness`` fixture
returning a :class:`Harness`, and lists the names in a module-level
``HARNESSES`` tuple; ``tests/contract/conftest.py`` parametrizes the suite
over every harness found. A third-party backend gives one ``harness``
fixture (see docs/backends.md).
"""

from __future__ import annotations

import time
import uuid
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from decentsocial import Network

T = TypeVar("T")


def poll_until(check: Callable[[], T], *, timeout: float = 15.0, interval: float = 0.1) -> T:
    """Call ``check`` until it returns without AssertionError/NotFound, or the deadline passes.

    For servers whose reads lag their writes (Bluesky's AppView indexes
    asynchronously). The last failure is re-raised at the deadline.
    """
    from decentsocial import NotFound

    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except (AssertionError, NotFound):
            if time.monotonic() >= deadline:
                raise
            time.sleep(interval)
            interval = min(interval * 1.5, 1.0)


def immediate(check: Callable[[], T]) -> T:
    """For servers whose reads see writes at once."""
    return check()


@dataclass
class Harness:
    """Two accounts on one backend, plus what the contract suite needs to know about it.

    ``me`` and ``other`` are different accounts that can see each other's posts.
    ``eventually`` wraps reads that may lag writes (``poll_until`` or ``immediate``).
    ``live`` is False where writes cannot be read back (recorded data): the
    suite then reads ``samples`` instead and skips read-after-write cases.
    ``samples`` names known objects for read-only backends: ``post``,
    ``account``, ``tag``, ``community``.
    ``skips`` maps a contract test name to the reason it cannot run here.
    ``exit_script`` is Python source that connects to this server, makes
    calls that open every resource the backend holds (sockets, threads,
    event loops) and ends without ``close()``: run in a fresh interpreter,
    it must exit 0 with nothing on stderr.
    ``reconnect`` builds a fresh connection as ``me`` (the idempotency cases
    use it to stand for a restarted process); the default builds one from
    ``me``'s class and settings (an in-memory sandbox: ``as_account`` on its
    own database).
    """

    name: str
    me: Network
    other: Network
    eventually: Callable[[Callable[[], T]], T] = immediate
    live: bool = True
    samples: Mapping[str, str] = field(default_factory=dict)
    skips: Mapping[str, str] = field(default_factory=dict)
    exit_script: str = ""
    reconnect: Callable[[], Network] | None = None

    def fresh_me(self) -> Network:
        """A new connection as ``me``: what another process with the same settings would have."""
        if self.reconnect is not None:
            return self.reconnect()
        from decentsocial.backends.sandbox import SandboxNetwork

        if isinstance(self.me, SandboxNetwork) and self.me.config.path is None:
            # Built from its settings, an in-memory sandbox would be a new, empty one.
            return self.me.as_account(self.me.handle)
        from decentsocial.base import BaseNetwork

        backend: Any = type(self.me)  # a BaseNetwork subclass: built from settings alone
        settings = getattr(self.me, "settings", None)
        if isinstance(self.me, BaseNetwork) and self.me.settings.state_path is None:
            # The state store ``me`` took from the environment when it first used one: a process started
            # as ``me``'s was finds that one, though ``contract_state_dir`` (per test module) has moved
            # the default since a session-wide ``me`` first recorded a key.
            settings = self.me.settings.model_copy(update={"state_path": self.me.state.path})
        with warnings.catch_warnings():  # said once by the harness's own connections already
            warnings.simplefilter("ignore")
            fresh: Network = backend(settings, retry=getattr(self.me, "retry", None))
        return fresh

    @staticmethod
    def unique(prefix: str = "contract") -> str:
        """A token to make a test's text unique (to find it again by search)."""
        return f"{prefix}{uuid.uuid4().hex[:10]}"
