"""No network library at import, no files written by beem, nothing but the configured node contacted."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ..servers._jsonrpc_replay import ReplayServer
from ..servers.hive import hive_connection


def test_import_decentsocial_loads_no_beem() -> None:
    code = "import sys, decentsocial; print(sorted(m for m in sys.modules if m.startswith(('beem', 'wax'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"


def test_signing_writes_no_files_and_builds_no_beem_chain_instance(
    replay: ReplayServer, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    code = f"""
import sys
import decentsocial as ds
from tests.servers.hive import wif_for
key = wif_for("alice", "posting")
net = ds.connect("hive", account="alice", posting_key=key, nodes=["{replay.url}"], retry={{"attempts": 1}})
net.vote("steemit/firstpost", 1)
chain_modules = ("beem.hive", "beem.steem", "beem.blockchaininstance", "beem.storage")
print(sorted(m for m in sys.modules if m in chain_modules))
"""
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "cfg"),
    }
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=Path(__file__).parent.parent.parent,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"
    assert list(home.rglob("*")) == []  # no beem.sqlite, no wallet, nothing
    assert len(replay.broadcasts) == 1


def test_a_write_makes_exactly_these_calls(replay: ReplayServer) -> None:
    with hive_connection("hive", replay, "alice") as net:
        net.get_post("steemit/firstpost")
        net.vote("steemit/firstpost", 5)
    methods = [m for m, _ in replay.requests]
    assert methods == [
        "bridge.get_post",
        "condenser_api.get_dynamic_global_properties",
        "condenser_api.broadcast_transaction",
    ]


def test_a_dead_node_fails_over_to_the_next_configured_one(replay: ReplayServer) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))  # bound, not listening: refused
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
        net = hive_connection("hive", replay, "alice", nodes=[dead, replay.url], retry={"attempts": 2})
        try:
            assert net.get_post("steemit/firstpost").id == "steemit/firstpost"
        finally:
            net.close()
