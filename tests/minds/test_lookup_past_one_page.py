"""A keyed publish whose answer was lost is found however many posts came after it: the lookup reads
the channel back to when the attempt started, not only its newest page (else it would post twice)."""

from __future__ import annotations

from typing import Any

import pytest

import decentsocial as ds
from tests.servers._process import ContractServer
from tests.servers.minds import minds_connect, minds_user


def test_a_lost_publish_followed_by_a_page_of_posts_is_found_not_repeated(
    minds_server: ContractServer,
) -> None:
    me = minds_connect(minds_server, minds_user(minds_server))
    try:
        draft = ds.Draft(text="once, behind a full page", idempotency_key="behind-a-page")
        minds_server.control("faults", {"server_error_after_write": 1})
        with pytest.raises(ds.NetworkUnavailable):
            me.publish(draft)  # made, but the answer was lost
        for n in range(55):  # more posts since then than one page of the channel holds
            me.publish(f"later post {n}")
        before: dict[str, Any] = minds_server.control("stats")
        post = me.publish(draft)
        after: dict[str, Any] = minds_server.control("stats")
        assert post.text == draft.text
        assert after["activities"] == before["activities"]  # found, not published a second time
        assert [p.text for p in me.posts(limit=None)].count(draft.text) == 1
    finally:
        me.close()
