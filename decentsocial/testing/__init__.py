"""Testing a backend: the contract suite every backend passes, and the harness it runs on.

Needs pytest (``pip install 'decentsocial[testing]'``); nothing in the rest
of the package imports this.
"""

from __future__ import annotations

from .harness import Harness, immediate, poll_until

__all__ = ["Harness", "immediate", "poll_until"]
