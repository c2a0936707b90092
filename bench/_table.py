"""What every bench reports: one row per comparison, a ratio measured side by side in one run.

The machine is shared and noisy, so absolute times mean little: each round
runs both sides back to back and keeps their ratio; a row shows the median
of those per-round ratios and their range. ``bench/run_all.py`` collects the
rows of every bench into one table.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["Row", "format_table", "side_by_side", "timed"]


@dataclass
class Row:
    """One line of the table: ``what`` measured as ``ratios`` (one per round) against ``goal``."""

    what: str
    ratios: list[float]
    #: ``("<=", 1.3)``: the median must be at most 1.3; ``(">=", 1.5)``: at least.
    goal: tuple[str, float] | None = None
    note: str = ""
    error: str = ""
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.ratios) if self.ratios else float("nan")

    @property
    def met(self) -> bool | None:
        """Whether the median meets the goal (``None`` without a goal or a measurement)."""
        if self.goal is None or not self.ratios:
            return None
        op, bound = self.goal
        return self.median <= bound if op == "<=" else self.median >= bound

    def cells(self) -> list[str]:
        if self.error:
            return [self.what, "—", "—", _goal(self.goal), f"not measured: {self.error}"]
        low, high = min(self.ratios), max(self.ratios)
        met = {True: "met", False: "NOT met", None: ""}[self.met]
        note = "; ".join(x for x in (met, self.note) if x)
        return [
            self.what,
            f"{self.median:.2f}",
            f"{low:.2f}–{high:.2f} ({len(self.ratios)})",
            _goal(self.goal),
            note,
        ]


def _goal(goal: tuple[str, float] | None) -> str:
    return "" if goal is None else f"{'≤' if goal[0] == '<=' else '≥'} {goal[1]:g}"


def format_table(rows: list[Row]) -> str:
    """The rows as a Markdown table (it reads as plain text too)."""
    head = ["what (ratio)", "median", "range (rounds)", "goal", "note"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r.cells()) + " |" for r in rows]
    return "\n".join(lines)


def timed(fn: Callable[[], object]) -> float:
    """Seconds ``fn()`` took (collected garbage first, so one side does not pay for the other's)."""
    gc.collect()
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def side_by_side(ours: Callable[[], object], theirs: Callable[[], object], rounds: int) -> list[float]:
    """Per-round ratios ``time(ours) / time(theirs)``, the two run back to back, order alternating."""
    ratios = []
    for i in range(rounds):
        if i % 2:
            b = timed(theirs)
            a = timed(ours)
        else:
            a = timed(ours)
            b = timed(theirs)
        ratios.append(a / b)
    return ratios
