"""How many files a test's own process holds open on one path (Linux's ``/proc``)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def open_handles(path: Path) -> int:
    """This process's file descriptors open on ``path``: a refused file must not be left held."""
    target = str(path.resolve())
    count = 0
    for fd in Path("/proc/self/fd").iterdir():
        with contextlib.suppress(OSError):  # the descriptor of the listing itself is gone by now
            count += os.readlink(fd) == target
    return count
