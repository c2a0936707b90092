"""The harness lives in the package, so third-party backends can run the contract suite too."""

from decentsocial.testing.harness import Harness, immediate, poll_until

__all__ = ["Harness", "immediate", "poll_until"]
