"""Test-wide configuration: every module in tests/servers is a pytest plugin.

Each one starts (and stops) the real local server its backend is tested
against and provides that backend's contract-suite harness fixture.
``DECENTSOCIAL_TEST_SERVERS=sandbox,nostr`` limits the run to those modules
(the ``compat`` nox session uses it to run the core on every Python without
the network libraries and servers).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

_SERVERS = Path(__file__).parent / "servers"

# Every server the tests use is on loopback: never send that traffic to a proxy
# named in the environment (httpx and requests honour HTTP(S)_PROXY otherwise).
for _name in ("NO_PROXY", "no_proxy"):
    os.environ[_name] = ",".join(filter(None, [os.environ.get(_name), "127.0.0.1", "localhost", "::1"]))


# Idempotency records go to a fresh folder for each run, never to the user's data directory.
os.environ["DECENTSOCIAL_STATE_DIR"] = tempfile.mkdtemp(prefix="decentsocial-state-")


def server_modules() -> list[str]:
    """Names of the tests/servers modules this run loads."""
    names = sorted(p.stem for p in _SERVERS.glob("*.py") if not p.name.startswith("_"))
    chosen = os.environ.get("DECENTSOCIAL_TEST_SERVERS")
    if chosen:
        wanted = {n.strip() for n in chosen.split(",") if n.strip()}
        unknown = wanted - set(names)
        if unknown:
            raise RuntimeError(f"DECENTSOCIAL_TEST_SERVERS names unknown modules: {sorted(unknown)}")
        names = [n for n in names if n in wanted]
    return names


pytest_plugins = [f"tests.servers.{name}" for name in server_modules()]


def pytest_ignore_collect(collection_path: Path) -> bool | None:
    """Skip backend test folders whose server module is not loaded in this run."""
    if not os.environ.get("DECENTSOCIAL_TEST_SERVERS"):
        return None
    tests_dir = Path(__file__).parent
    if collection_path.parent == tests_dir and collection_path.is_dir():
        core = {"unit", "contract", "servers", "fixtures", "crosspost", "aio", "cli", "sandbox", "docs"}
        core |= {"scheduler", "history"}  # these run on the sandbox
        if collection_path.name not in core and collection_path.name not in server_modules():
            return True
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In a run limited by DECENTSOCIAL_TEST_SERVERS, skip a test that needs a server left out.

    (Its fixture then does not exist. In a full run a missing fixture is still an error.)
    """
    if not os.environ.get("DECENTSOCIAL_TEST_SERVERS"):
        return
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        if info is None:
            continue
        missing = [n for n in info.names_closure if n != "request" and n not in info.name2fixturedefs]
        if missing:
            reason = f"needs {', '.join(missing)}: its server is not in this run (DECENTSOCIAL_TEST_SERVERS)"
            item.add_marker(pytest.mark.skip(reason=reason))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Kill any child process a failed test left running: the interpreter's exit would wait on it,
    and the run would hang after its report instead of ending with it."""
    import multiprocessing

    for child in multiprocessing.active_children():
        child.kill()
        child.join(5)
