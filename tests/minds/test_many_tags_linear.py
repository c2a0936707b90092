"""A Minds activity with tens of thousands of tags and hashtags is read in linear time, tags as before.

Each hashtag of the message was looked up in the list of the activity's own
tags: 8,000 of each took over a second, 80,000 minutes. The size below reads in
about a second now; the pytest timeout is the limit, not any clock read by the test.
"""

from __future__ import annotations

import pytest

from decentsocial import text
from decentsocial.backends.minds import convert

ACTIVITY = {
    "guid": "1500000000000000011",
    "type": "activity",
    "owner_guid": "1500000000000000001",
    "ownerObj": {"guid": "1500000000000000001", "type": "user", "username": "acme", "name": "Acme"},
    "container_guid": "1500000000000000001",
    "message": "my take #Launch #news #launch",
    "time_created": "1764160000",
    "tags": ["launch", "crypto"],
    "access_id": "2",
}
SITE = "https://www.minds.com"


def test_the_activity_tags_come_first_then_the_message_hashtags_not_given() -> None:
    assert convert.post(ACTIVITY, site=SITE).tags == ("launch", "crypto", "news")


@pytest.mark.timeout(60)
def test_eighty_thousand_tags_and_hashtags_are_read_quickly() -> None:
    k = 80_000
    message = " ".join(f"#m{i}" for i in range(k)) + " #s7"
    text._scan.cache_clear()
    text.entity_values.cache_clear()
    post = convert.post({**ACTIVITY, "message": message, "tags": [f"s{i}" for i in range(k)]}, site=SITE)
    text._scan.cache_clear()
    text.entity_values.cache_clear()
    assert len(post.tags) == 2 * k
    assert post.tags[:2] == ("s0", "s1")
    assert post.tags[k : k + 2] == ("m0", "m1")
    assert post.tags[-1] == f"m{k - 1}"
