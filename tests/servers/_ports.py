"""The fixed port ranges of the test servers, moved by ``DECENTSOCIAL_TEST_PORT_OFFSET`` (default 0).

A test that stops a relay or node to see it gone must find its port closed, so two test sessions
on one machine (the compat sessions of ``scripts/test`` run side by side) each take their own
ranges: each is given its own offset. Bluesky and Mastodon have their own variables
(``DECENTSOCIAL_BLUESKY_PORT_OFFSET``, ``DECENTSOCIAL_MASTODON_PORT``).
"""

from __future__ import annotations

import os

OFFSET = int(os.environ.get("DECENTSOCIAL_TEST_PORT_OFFSET", "0"))


def moved(base: int) -> int:
    """``base`` moved by this session's offset."""
    return base + OFFSET


def ports(first: int, count: int) -> range:
    """``count`` ports from ``first``, moved by this session's offset."""
    return range(moved(first), moved(first) + count)
