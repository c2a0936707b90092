"""The contract suite (``decentsocial.testing.contract``), run against every harness in tests/servers."""

from decentsocial.testing.contract import *  # noqa: F403
