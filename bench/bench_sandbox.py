"""Sandbox benchmarks: paging stays linear and flat in memory as the database grows.

Each round iterates every post of a sandbox of ``small`` posts and of one
ten times larger, back to back; the row is the ratio of the two times
(linear paging gives 10, a page cost growing with its depth gives far
more). Memory: the peak traced while iterating (and while a stream
delivers) the large sandbox less the small one's.

Run from the repository root: ``python bench/bench_sandbox.py [--quick]``.
"""

from __future__ import annotations

import argparse
import sys
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _table import Row, format_table, timed

import decentsocial as ds
from decentsocial.backends.sandbox import SandboxNetwork
from decentsocial.backends.sandbox.schema import now_us

_INSERT = (
    "INSERT INTO posts (id, author, text, folded, created_at, tags, mentions, links, media,"
    " visibility, extra) VALUES (?, ?, ?, ?, ?, '[]', '[]', '[]', '[]', 'public', '{}')"
)


def filled(count: int) -> SandboxNetwork:
    """A sandbox with ``count`` posts by its account, a few sharing each instant (as a busy bot's do).

    Rows go in with SQL (publishing 100k posts one by one would be the bench); the reads under
    test are the public API.
    """
    net = ds.connect("sandbox", account="bench")
    assert isinstance(net, SandboxNetwork)
    add_posts(net, count)
    return net


def add_posts(net: SandboxNetwork, count: int, *, author: str | None = None) -> None:
    with net._ready().write() as tx:
        now = now_us(tx)
        who = author or net.handle
        text = "مرحبا #bench post"
        tx.many(
            _INSERT,
            ((f"{who}-{i}", who, text, text.casefold(), now - (count - i) // 3) for i in range(count)),
        )


def _posts(net: SandboxNetwork) -> Iterator[Any]:
    return net.posts(limit=None)


def _timeline(net: SandboxNetwork) -> Iterator[Any]:
    return net.timeline(limit=None)


def _drain(read: Callable[[SandboxNetwork], Iterator[Any]], net: SandboxNetwork, expected: int) -> None:
    count = sum(1 for _ in read(net))
    assert count == expected, (count, expected)


def linearity(what: str, read: Callable[[SandboxNetwork], Iterator[Any]], small: int, rounds: int) -> Row:
    """``time(10 × small posts) / time(small posts)`` per round."""
    nets = filled(small), filled(10 * small)
    ratios = []
    for _ in range(rounds):
        a = timed(lambda: _drain(read, nets[0], small))
        b = timed(lambda: _drain(read, nets[1], 10 * small))
        ratios.append(b / a)
    for net in nets:
        net.close()
    return Row(f"sandbox: {what} {_k(10 * small)} ÷ {_k(small)}", ratios, ("<=", 11.0), "linear is 10")


def _peak(fn: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _streamed(net: SandboxNetwork, count: int) -> None:
    stream = net.stream()  # starts now: it delivers the posts stored from here on
    add_posts(net, count, author=net.handle)
    for got, _ in enumerate(stream, 1):
        if got == count:
            break


def memory(small: int) -> list[Row]:
    """Peak memory traced while iterating (and streaming) ``10 × small`` posts, over ``small``'s."""
    peaks: dict[str, list[int]] = {"iterating": [], "streaming": []}
    for count in (small, 10 * small):
        net = filled(count)
        peaks["iterating"].append(_peak(lambda: _drain(_posts, net, count)))  # noqa: B023
        net.close()
        live = ds.connect("sandbox", account="bench", stream_interval=0.001)
        assert isinstance(live, SandboxNetwork)
        peaks["streaming"].append(_peak(lambda: _streamed(live, count)))  # noqa: B023
        live.close()
    mib = 1024 * 1024
    return [
        Row(
            f"sandbox: peak memory {kind} {_k(10 * small)} ÷ {_k(small)} posts",
            [high / low],
            ("<=", 1.5),
            f"{low / mib:.2f} MiB -> {high / mib:.2f} MiB (flat is 1)",
        )
        for kind, (low, high) in peaks.items()
    ]


def _k(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def rows(quick: bool) -> list[Row]:
    small, rounds = (1_000, 3) if quick else (10_000, 5)
    return [
        linearity("iterating", _posts, small, rounds),
        linearity("timeline of", _timeline, small, rounds),
        *memory(small),
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="1k and 10k posts instead of 10k and 100k")
    print(format_table(rows(parser.parse_args().quick)))
