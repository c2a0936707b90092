"""CI smoke of ``bench/bench_crosspost.py``: crossposting never costs more than posting one by one.

Four Nostr keys on the local relay, each behind a loopback delay proxy (50–80
ms a round trip, so the targets are I/O-bound, as real servers are): the
crosspost must take well under the sum of the four single publishes (it
measures about a third; the bound, 0.75, is far from noise). The full table
is in ``nox -s bench`` and docs/performance.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

import decentsocial as ds
from decentsocial.backends.nostr import PrivateKey

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from _delay_proxy import DelayProxy
from bench_crosspost import measure


def test_crosspost_to_io_bound_targets_is_below_the_sum(relay_url: str, tmp_path: Path) -> None:
    port = int(relay_url.rsplit(":", 1)[1])
    proxies = [DelayProxy(port, seed=n) for n in range(4)]
    nets = [
        ds.connect(
            "nostr",
            private_key=PrivateKey.generate().nsec,
            relays=[f"ws://127.0.0.1:{proxy.port}"],
            state_path=tmp_path / f"state{n}.db",
        )
        for n, proxy in enumerate(proxies)
    ]
    try:
        by_sum = measure("4 Nostr keys behind a delay proxy", nets, 3, slowest=False)[0]
    finally:
        for net in nets:
            net.close()
        for proxy in proxies:
            proxy.close()
    assert by_sum.median <= 0.75, f"{by_sum.what}: {by_sum.median:.2f} (rounds {by_sum.ratios})"
