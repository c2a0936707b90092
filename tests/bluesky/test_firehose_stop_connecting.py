"""A firehose told to stop while its connection is still being opened ends at once, its socket closed.

``stop()`` closed the websocket once atproto's client had it, so a stop that
landed while the connection was still being opened (a relay that never
completes the TCP handshake, or accepts and never answers the TLS handshake
or the websocket upgrade) was not seen: the reader's thread went on
connecting, holding its socket, until websockets' open timeout (10 s).

The bound asserted is a second: the stop shuts the socket at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ipaddress
import os
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("atproto", reason="the Bluesky firehose needs the bluesky extra (atproto)")

import decentsocial as ds
from decentsocial import aio
from decentsocial.backends.bluesky.firehose import FirehoseReader
from tests.servers._black_hole import black_hole
from tests.servers._loopback_http import listen

from .test_firehose_relay import _text, post_frame

#: How long the reader's thread may outlive a stop (it used to be the 10 s open timeout).
BOUND = 1.0
#: A guard against a hang, not a timing.
GUARD = 30.0
#: How long a mute server holds a connection: longer than the open timeout.
HOLD = 60.0


@pytest.fixture
def hole() -> Iterator[int]:
    with black_hole() as port:
        yield port


def sockets_to(port: int) -> set[str]:
    """This process's open TCP sockets connected (or connecting) to loopback ``port`` (Linux's /proc)."""
    table = Path("/proc/net/tcp")
    if not table.exists():
        pytest.skip("needs Linux's /proc to see the sockets")
    mine = set()
    for fd in Path("/proc/self/fd").iterdir():
        with contextlib.suppress(OSError):  # the descriptor of the listing itself is gone by now
            link = os.readlink(fd)
            if link.startswith("socket:["):
                mine.add(link[len("socket:[") : -1])
    found = set()
    for line in table.read_text().splitlines()[1:]:
        fields = line.split()
        remote, inode = fields[2], fields[9]
        if int(remote.rsplit(":", 1)[1], 16) == port and inode in mine:
            found.add(inode)
    return found


def eventually(check: Callable[[], bool], what: str, within: float = GUARD) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def start(reader: FirehoseReader) -> tuple[threading.Thread, list[Any]]:
    """Read ``reader`` on a thread of the test's own; returns it and what it read (or raised)."""
    outcome: list[Any] = []

    def read() -> None:
        try:
            outcome.append(list(reader.posts(_text, tag=None)))
        except Exception as exc:
            outcome.append(exc)

    consumer = threading.Thread(target=read, daemon=True)
    consumer.start()
    eventually(lambda: reader.thread is not None, "the reader never started its thread")
    return consumer, outcome


def stop_in_time(reader: FirehoseReader, consumer: threading.Thread) -> None:
    assert reader.thread is not None
    assert reader.thread.is_alive()  # still connecting
    reader.stop()
    reader.thread.join(BOUND)
    assert not reader.thread.is_alive(), "the firehose thread kept connecting after stop()"
    consumer.join(BOUND)
    assert not consumer.is_alive(), "the iterator did not return after stop()"


@contextlib.contextmanager
def mute() -> Iterator[tuple[int, threading.Event, threading.Event]]:
    """A server that accepts and never answers a byte: (port, it was asked, the client hung up)."""
    asked = threading.Event()
    hung_up = threading.Event()

    def on_connection(conn: socket.socket) -> None:
        conn.settimeout(HOLD)
        with contextlib.suppress(OSError):
            while conn.recv(65536):  # a ClientHello or the websocket upgrade, never answered
                asked.set()
            hung_up.set()

    with listen(on_connection, name="mute-firehose") as port:
        yield port, asked, hung_up


def test_stop_ends_a_firehose_whose_relay_never_completes_the_tcp_handshake(hole: int) -> None:
    before = sockets_to(hole)  # the black hole's own probes
    reader = FirehoseReader(f"ws://127.0.0.1:{hole}/xrpc", network="bluesky")
    consumer, outcome = start(reader)
    eventually(lambda: len(sockets_to(hole) - before) == 1, "the reader never dialled the relay")
    time.sleep(0.3)  # in its connect
    stop_in_time(reader, consumer)
    assert sockets_to(hole) - before == set(), "the socket being connected was left open"
    assert outcome == [[]]  # ended quietly: it was told to end


@pytest.mark.parametrize("scheme", ["ws", "wss"])
def test_stop_ends_a_firehose_whose_relay_never_answers_the_handshake(scheme: str) -> None:
    """``ws``: the websocket upgrade is never answered; ``wss``: the TLS handshake is not."""
    with mute() as (port, asked, hung_up):
        reader = FirehoseReader(f"{scheme}://127.0.0.1:{port}/xrpc", network="bluesky")
        consumer, outcome = start(reader)
        assert asked.wait(GUARD), "the reader never asked the relay"
        time.sleep(0.3)  # waiting for the answer
        stop_in_time(reader, consumer)
        assert hung_up.wait(BOUND), "the connection being opened was left open"
        assert sockets_to(port) == set()
        assert outcome == [[]]


def test_closing_the_connection_ends_a_firehose_still_connecting(hole: int) -> None:
    net = ds.connect(
        "bluesky",
        handle="a.test",
        password="p",
        base_url="http://127.0.0.1:9",
        firehose_url=f"http://127.0.0.1:{hole}",
    )
    before = sockets_to(hole)
    earlier = set(threading.enumerate())
    outcome: list[Any] = []
    consumer = threading.Thread(target=lambda: outcome.append(list(net.stream())), daemon=True)
    consumer.start()
    eventually(lambda: len(sockets_to(hole) - before) == 1, "the stream never dialled the relay")
    firehose = [t for t in set(threading.enumerate()) - earlier if t.name.endswith("-firehose")]
    assert len(firehose) == 1
    net.close()
    firehose[0].join(BOUND)
    assert not firehose[0].is_alive(), "the firehose thread kept connecting after close()"
    consumer.join(BOUND)
    assert outcome == [[]]
    assert sockets_to(hole) - before == set()


def test_aclose_ends_an_async_firehose_still_connecting(hole: int) -> None:
    async def main() -> None:
        async with aio.connect(
            "bluesky",
            handle="a.test",
            password="p",
            base_url="http://127.0.0.1:9",
            firehose_url=f"http://127.0.0.1:{hole}",
        ) as net:
            before = sockets_to(hole)
            stream = net.stream()
            reading = asyncio.ensure_future(anext(stream))
            deadline = time.monotonic() + GUARD
            while len(sockets_to(hole) - before) != 1:
                assert time.monotonic() < deadline, "the stream never dialled the relay"
                await asyncio.sleep(0.02)
            started = time.monotonic()
            await asyncio.wait_for(stream.aclose(), GUARD)
            with pytest.raises(StopAsyncIteration):
                await asyncio.wait_for(reading, GUARD)
            assert time.monotonic() - started < BOUND
            assert sockets_to(hole) - before == set()

    asyncio.run(main())


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files."""
    x509 = pytest.importorskip("cryptography.x509", reason="makes the test relay's certificate")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_file, key_file


def test_a_wss_relay_is_read_over_tls_checked_against_the_trusted_certificates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The socket opened by the reader is wrapped in TLS, checked with the library's TLS context
    (``SSL_CERT_FILE`` names what it trusts), and a dropped connection is opened again."""
    from websockets.sync.server import ServerConnection, serve

    cert_file, key_file = _self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    dials: list[str] = []

    def handler(ws: ServerConnection) -> None:
        assert ws.request is not None
        dials.append(ws.request.path)
        ws.send(post_frame(len(dials), f"post {len(dials)}"))  # then the connection drops

    with serve(handler, "127.0.0.1", 0, ssl=context) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        reader = FirehoseReader(f"wss://127.0.0.1:{server.socket.getsockname()[1]}/xrpc", network="bluesky")
        got: list[str] = []
        for post in reader.posts(_text, tag=None):
            got.append(post.text)
            if len(got) == 2:
                break
        server.shutdown()
    assert got == ["post 1", "post 2"]
    assert "cursor=1" in dials[1]  # the second connection asked from the last seq read
