"""Every write of every backend with a local server, under every fault: no duplicate, no lost
acknowledged write, no call over its deadline (issue 16, item 9).

One case per (backend, fault) runs all the backend's writes through the
fault proxy (``tests/faults/runner.py``); the counts come from the server's
own state. Each server is the session's (Bluesky's stack is started once for
the whole run). A case a backend cannot pass yet because of a known defect is
``xfail(strict=True)`` naming it: once the defect is fixed the case passes,
fails as XPASS, and the mark is removed.

The sandbox is embedded (no wire to spoil) and is not run here.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .proxy import FAULTS
from .runner import DEADLINE, run_backend
from .targets import (
    BlueskyTarget,
    HiveTarget,
    MastodonTarget,
    MindsTarget,
    NostrTarget,
    Target,
    ThreadsTarget,
)

pytestmark = [pytest.mark.slow, pytest.mark.server, pytest.mark.timeout(600)]

BACKENDS = ("mastodon", "threads", "minds", "hive", "nostr", "bluesky")

#: (backend, fault) -> a known defect, as ``xfail(strict=True)``: none is open today.
KNOWN: dict[tuple[str, str], str] = {}


def _cases() -> Iterator[Any]:
    for backend in BACKENDS:
        for fault in ("none", *FAULTS):
            reason = KNOWN.get((backend, fault))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(backend, fault, marks=marks, id=f"{backend}-{fault}")


@pytest.fixture(scope="module")
def state_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="faults-state-"))


@pytest.fixture(scope="module")
def faults_mastodon(mastodon_server: Any, state_dir: Path) -> Iterator[Target]:
    target = MastodonTarget(mastodon_server, state_dir, DEADLINE)
    yield target
    target.shutdown()


@pytest.fixture(scope="module")
def faults_threads(threads_server: Any, state_dir: Path) -> Iterator[Target]:
    target = ThreadsTarget(threads_server, state_dir, DEADLINE)
    yield target
    target.shutdown()


@pytest.fixture(scope="module")
def faults_minds(minds_server: Any, state_dir: Path) -> Iterator[Target]:
    target = MindsTarget(minds_server, state_dir, DEADLINE)
    yield target
    target.shutdown()


@pytest.fixture(scope="module")
def faults_hive(hive_replay: Any, state_dir: Path) -> Iterator[Target]:
    target = HiveTarget(hive_replay, state_dir, DEADLINE)
    yield target
    target.shutdown()
    hive_replay.clear()


@pytest.fixture(scope="module")
def faults_nostr(nostr_relay: Any, state_dir: Path) -> Iterator[Target]:
    target = NostrTarget(nostr_relay.url, state_dir, DEADLINE)
    yield target
    target.shutdown()


@pytest.fixture(scope="module")
def faults_bluesky(bluesky_stack: Any, state_dir: Path) -> Iterator[Target]:
    accounts = {"me": bluesky_stack.create_account("faults"), "other": bluesky_stack.create_account("target")}
    target = BlueskyTarget(bluesky_stack.pds_url, accounts, state_dir, DEADLINE)
    yield target
    target.shutdown()


@pytest.mark.parametrize(("backend", "fault"), list(_cases()))
def test_every_write_survives(backend: str, fault: str, request: pytest.FixtureRequest) -> None:
    target: Target = request.getfixturevalue(f"faults_{backend}")
    row = run_backend(target, (fault,))
    assert row.writes == len(target.writes)
    if fault != "none":
        assert row.total("injected") == row.writes, [c.errors for c in row.cases]
    problems = [
        (
            c.write,
            {"duplicates": c.duplicates, "lost": c.lost, "over deadline": c.over_deadline},
            f"slowest call {c.slowest:.2f} s",
            c.errors,
        )
        for c in row.cases
        if c.duplicates or c.lost or c.over_deadline or c.untyped
    ]
    assert not problems
