"""The local AT Protocol stack listens on loopback only, read from the kernel's socket tables."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.servers.bluesky import PORTS, BlueskyStack

pytestmark = pytest.mark.server

LISTEN = "0A"  # TCP_LISTEN in /proc/net/tcp{,6}


def _address(hex_address: str) -> str:
    """A /proc/net/tcp{,6} address (little-endian 32-bit words) as text."""
    raw = bytes.fromhex(hex_address)
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    if len(words) == 4:
        return ".".join(str(b) for b in words)
    if words[:12] == b"\x00" * 10 + b"\xff\xff":
        return "::ffff:" + ".".join(str(b) for b in words[12:])
    return ":".join(words[i : i + 2].hex() for i in range(0, 16, 2))


def _is_loopback(address: str) -> bool:
    return address.startswith(("127.", "::ffff:127.")) or address == "0000:0000:0000:0000:0000:0000:0000:0001"


def _listening() -> list[tuple[str, int, int]]:
    """Every listening TCP socket in this network namespace: (address, port, inode)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue  # no IPv6 in this kernel: nothing can listen there
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] != LISTEN:
                continue
            address, port = fields[1].rsplit(":", 1)
            found.append((_address(address), int(port, 16), int(fields[9])))
    return found


def _socket_inodes(pid: int) -> set[int]:
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue  # closed meanwhile
        match = re.fullmatch(r"socket:\[(\d+)\]", target)
        if match:
            inodes.add(int(match.group(1)))
    return inodes


def test_address_decoding() -> None:
    assert _address("0100007F") == "127.0.0.1"
    assert _address("00000000") == "0.0.0.0"
    assert _address("0000000000000000FFFF00000100007F") == "::ffff:127.0.0.1"
    assert _address("00000000000000000000000001000000") == "0000:0000:0000:0000:0000:0000:0000:0001"
    assert not _is_loopback(_address("00000000000000000000000000000000"))


def test_stack_listens_on_loopback_only(stack: BlueskyStack) -> None:
    sockets = _listening()
    for service, port in PORTS.items():
        bound = [address for address, p, _ in sockets if p == port]
        assert bound, f"{service} is not listening on {port}"
        assert all(_is_loopback(a) for a in bound), f"{service} (port {port}) listens on {bound}"
    # And every other server the Node process started (data plane, bsync, …) too.
    assert stack.node_pid is not None
    owned = _socket_inodes(stack.node_pid)
    node_listeners = [(a, p) for a, p, inode in sockets if inode in owned]
    assert {p for _, p in node_listeners} >= set(PORTS.values())
    assert [(a, p) for a, p in node_listeners if not _is_loopback(a)] == []
