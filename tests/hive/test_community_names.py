"""Community writes name a community (``hive-123456``): Hivemind ignores any other name without a word."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from decentsocial import Draft, InvalidInput
from decentsocial.backends.hive import HiveNetwork

from ..servers._jsonrpc_replay import ReplayServer

WRITES: dict[str, Callable[[HiveNetwork, str], object]] = {
    "join": lambda net, name: net.join(name),
    "leave": lambda net, name: net.leave(name),
    "publish": lambda net, name: net.publish(Draft(text="Hello\n\nمرحبا 👋", community=name)),
}


@pytest.mark.parametrize("write", sorted(WRITES))
@pytest.mark.parametrize("name", ["photography", "bob", "hive-42", "hive-4123456"])
def test_a_name_that_is_no_community_is_refused_before_signing(
    net: HiveNetwork, replay: ReplayServer, write: str, name: str
) -> None:
    with pytest.raises(InvalidInput, match=r"no .* community"):
        WRITES[write](net, name)
    assert replay.broadcasts == []
    assert not net.signed


@pytest.mark.parametrize("write", sorted(WRITES))
def test_a_community_name_is_sent(net: HiveNetwork, replay: ReplayServer, write: str) -> None:
    WRITES[write](net, "hive-111119")  # recorded: join and leave ask first whether it exists
    assert len(replay.broadcasts) == 1
