"""A quiet watch (nothing matches for a long time) reads what is new at each poll, not everything back to
where it stands: on Minds, the home timeline is read and filtered here, and the server counts the reads."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import decentsocial as ds
from tests.servers._process import ContractServer
from tests.servers.minds import minds_connect, minds_user


def test_each_poll_of_a_quiet_timeline_reads_about_one_page(minds_server: ContractServer) -> None:
    brand_user, fan_user = minds_user(minds_server), minds_user(minds_server)
    minds_server.control("subscribe", {"user": brand_user["guid"], "to": fan_user["guid"]})
    brand, fan = minds_connect(minds_server, brand_user), minds_connect(minds_server, fan_user)
    since = datetime.now(timezone.utc) - timedelta(hours=2)
    try:
        minds_server.control("clock", {"advance": -3600})
        try:
            for n in range(250):  # an hour ago: five pages of chatter that never match
                fan.publish(f"chatter {n}, nothing about the brand")
        finally:
            minds_server.control("clock", {"advance": 3600})  # the server is shared: its clock put back
        fan.publish("more chatter, now")
        before = minds_server.control("stats")["requests"]
        assert list(ds.monitor([brand], "acme", since=since, max_polls=6, interval=0, per_poll=10)) == []
        requests = minds_server.control("stats")["requests"] - before
    finally:
        brand.close()
        fan.close()
    # The first poll reads back to `since` (six pages); the next five, only what came since (a page each).
    assert requests <= 6 + 5 + 2  # a login or two besides; not six pages at every poll (36)
