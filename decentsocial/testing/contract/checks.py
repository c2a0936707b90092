"""Checks the contract cases share: skipping by capability, and what every post and reward must look like."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta

import pytest

from decentsocial import (
    Account,
    Capability,
    Message,
    Network,
    NotFound,
    Post,
)
from decentsocial.text import normalise_tag

from ..harness import Harness

REWARD_STATUSES = {"pending", "paid", "claimable", "none"}


def need(h: Harness, *capabilities: Capability) -> None:
    """Skip unless ``me`` has every capability."""
    for capability in capabilities:
        if capability not in h.me.capabilities:
            pytest.skip(f"{h.name} has no {capability.value}")


def need_live(h: Harness) -> None:
    if not h.live:
        pytest.skip(f"{h.name} is read-only (recorded data): writes cannot be read back")


def need_writes(h: Harness, *capabilities: Capability) -> None:
    """Skip unless ``me`` can publish, has every capability, and the server is live (writes read back)."""
    need(h, Capability.PUBLISH, *capabilities)
    need_live(h)


def sample(h: Harness, key: str) -> str:
    value = h.samples.get(key)
    if not value:
        pytest.skip(f"{h.name}: the harness gives no '{key}' sample")
    return value


def tip_sample(h: Harness) -> str:
    """The ``tip`` amount: a live harness of a backend declaring TIP must give one, or TIP goes untested."""
    if Capability.TIP in h.me.capabilities and h.live and not h.samples.get("tip"):
        pytest.fail(f"{h.name} declares Capability.TIP: give the harness a 'tip' sample or drop TIP")
    return sample(h, "tip")


def ids(items: Iterator[Post] | list[Post]) -> list[str]:
    return [p.id for p in items]


def gone(net: Network, post_id: str, what: str) -> Callable[[], None]:
    """A check for ``Harness.eventually``: ``post_id`` no longer reads back on ``net`` (``NotFound``)."""

    def check() -> None:
        try:
            net.get_post(post_id)
        except NotFound:
            return
        raise AssertionError(f"the {what} post is still readable")

    return check


def handle_of(net: Network) -> str:
    """The account's handle, from ``me()``: a case needing it is skipped, saying so, without PROFILE."""
    if Capability.PROFILE not in net.capabilities:
        pytest.skip(f"{net.name} has no profile: the case needs the account's handle from me()")
    return net.me().handle


def is_utc(value: datetime) -> bool:
    return value.tzinfo is not None and value.utcoffset() == timedelta(0)


def png() -> bytes:
    """A real 1x1 PNG, built here so the suite needs no fixture file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x80\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def check_post(post: Post, net: Network) -> None:
    """What every Post from every backend guarantees."""
    assert post.network == net.name
    assert isinstance(post.id, str)
    assert post.id
    assert isinstance(post.author, Account)
    assert post.author.handle
    assert is_utc(post.created_at)
    assert all(t == normalise_tag(t) and not t.startswith("#") for t in post.tags)  # NFC, lower-case


def page_size(net: Network) -> int:
    """How many items one page request of this connection asks for."""
    return int(net.page_size)


def listed_newest_first(items: Sequence[Post | Message], newer_id: str, older_id: str, what: str) -> None:
    """``newer_id`` is listed, and before ``older_id`` (made first) where their times differ.

    Judged by the times the listing gives: a network dating to the second may list two items of one
    second either way. ``older_id`` may be missing (Mastodon lists a conversation's last message only).
    """
    found = {item.id: (i, item.created_at) for i, item in enumerate(items)}
    assert newer_id in found, f"{what}: {newer_id} is not listed"
    if older_id not in found:
        return
    (newer_at, newer_time), (older_at, older_time) = found[newer_id], found[older_id]
    assert newer_time <= older_time or newer_at < older_at, (
        f"{what} is not newest first: {older_id} ({older_time}) is listed at {older_at}, "
        f"before {newer_id} ({newer_time}) at {newer_at}"
    )


def newest_first(posts: list[Post]) -> None:
    times = [p.created_at for p in posts]
    assert times == sorted(times, reverse=True), "not newest first"
