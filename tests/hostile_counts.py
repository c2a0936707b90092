"""The counts a hostile server may send, for each backend's converter test: each bad one must read as
``None`` (unknown), each good one as its value.

Bad: negative, past a signed 64-bit integer (which SQLite's INTEGER and the stores' sums hold), not
integral, a bool, text that is not a count. Good: integers, integral floats and decimal text.
"""

from __future__ import annotations

from typing import Any

__all__ = ["BAD_COUNTS", "GOOD_COUNTS"]

BAD_COUNTS: list[Any] = [-7, -1, "-3", 2**63, 10**20, 1e20, 9.3e18, 2.5, True, False, "many", "1e3", [3], {}]
GOOD_COUNTS: list[tuple[Any, int]] = [(0, 0), (5, 5), (2**63 - 1, 2**63 - 1), (7.0, 7), ("12", 12)]
