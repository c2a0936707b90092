"""``publish_thread`` with a key holding a NUL character (U+0000) posts no part: ``InvalidInput``.

``publish`` refused such a key nowhere, and ``publish_thread`` gave each part ``"<key>#<i>"``: the
record keys were derived from it and the whole thread was posted under a key no one can type again.
Now the key is checked as every ``idempotency_key`` is, before any part is looked up or posted.
"""

from __future__ import annotations

from typing import Any

import pytest

import decentsocial as ds
from tests.servers.bluesky import BlueskyStack

from .conftest import list_posts

pytestmark = pytest.mark.server


def test_a_thread_keyed_with_a_nul_posts_no_part(stack: BlueskyStack, make_account: Any) -> None:
    net, _, _ = make_account("nulkey")
    did = net.me().id
    with pytest.raises(ds.InvalidInput) as refused:
        net.publish_thread(["first of two", "second of two"], idempotency_key="thread\x00-1")
    assert refused.value.message == (
        "an idempotency key holds a NUL character (U+0000) at character 6: give it as plain text"
    )
    assert list_posts(stack, did) == []
    parts = net.publish_thread(["first of two", "second of two"], idempotency_key="thread-1")
    again = net.publish_thread(["first of two", "second of two"], idempotency_key="thread-1")
    assert [p.id for p in again] == [p.id for p in parts]
    assert len(list_posts(stack, did)) == 2
