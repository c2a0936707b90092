"""Fixtures for the Nostr backend's own tests: fresh accounts, spec relays, a closed port."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.backends.nostr import NostrNetwork, PrivateKey
from tests.servers._ports import ports
from tests.servers.nostr import CLOSED_PORT, LnurlDirectory, RelayProcess, port_is_free

from .lnurl_server import LoopbackLnurl
from .spec_relay import SpecRelay

SPEC_PORTS = ports(38205, 4)


@pytest.fixture
def relay_url(nostr_relay: RelayProcess) -> str:
    return nostr_relay.url


@pytest.fixture
def closed_relay_url() -> str:
    assert port_is_free(CLOSED_PORT), f"port {CLOSED_PORT} must stay closed for the 'relay is down' tests"
    return f"ws://127.0.0.1:{CLOSED_PORT}"


@pytest.fixture
def lnurl() -> LnurlDirectory:
    return LnurlDirectory()


@pytest.fixture
def lnurl_http() -> Iterator[LoopbackLnurl]:
    """A recording LNURL-pay and NIP-05 server on 127.0.0.1 (plain http, a port the system picks)."""
    server = LoopbackLnurl().start()
    yield server
    server.stop()


@pytest.fixture
def spec_relay() -> Iterator[Callable[..., SpecRelay]]:
    """Start relays that follow NIP-01 to the letter (see spec_relay.py)."""
    started: list[SpecRelay] = []

    def start(**options: Any) -> SpecRelay:
        for port in SPEC_PORTS:
            if not port_is_free(port):
                continue
            try:
                relay = SpecRelay(port, **options).start()
            except OSError:  # another test session took the port first
                continue
            started.append(relay)
            return relay
        raise RuntimeError(f"no free port for a spec relay in {SPEC_PORTS}")

    yield start
    for relay in started:
        relay.stop()


@pytest.fixture
def make_net(
    relay_url: str, lnurl: LnurlDirectory, spec_relay: Callable[..., SpecRelay]
) -> Iterator[Callable[..., NostrNetwork]]:
    """Connect a fresh account; ``relays`` defaults to the session's nostr-relay.

    Depends on ``spec_relay`` so that these connections close before any spec relay stops
    (an idle client does not answer a closing relay until its next call).
    """
    made: list[NostrNetwork] = []

    def make(key: PrivateKey | None = None, **settings: Any) -> NostrNetwork:
        settings.setdefault("relays", [relay_url])
        settings.setdefault("lnurl_resolver", lnurl)
        settings.setdefault("timeout", 3.0)
        net = ds.connect("nostr", private_key=(key or PrivateKey.generate()).nsec, **settings)
        assert isinstance(net, NostrNetwork)
        made.append(net)
        return net

    yield make
    for net in made:
        net.close()
