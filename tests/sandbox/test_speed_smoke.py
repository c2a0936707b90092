"""CI smoke of ``bench/bench_sandbox.py`` at small sizes: paging stays linear.

Only a bound far from noise is asserted: iterating ten times as many posts
(or a ten times longer timeline) takes at most 20 times as long (linear is
10; paging whose cost grows with the page's depth measured 26 and 59 at
these sizes). The full ratios are in ``nox -s bench`` and docs/performance.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from bench_sandbox import _posts, _timeline, linearity


def test_iterating_posts_and_the_timeline_is_linear() -> None:
    for read, what in ((_posts, "iterating"), (_timeline, "timeline of")):
        row = linearity(what, read, 2_000, rounds=5)
        assert row.median <= 20, f"{row.what}: {row.median:.1f} (rounds {row.ratios})"
