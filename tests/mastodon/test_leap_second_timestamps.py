"""A leap second (``23:59:60``), which RFC 3339 allows, read as the last microsecond of its minute.

Before, ``datetime`` refused it: a Mastodon status stamped at a leap second was a malformed answer
that lost the whole timeline (and a Bluesky post's own time fell back to "now").
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from decentsocial.timestamps import parse_iso_datetime
from tests.mastodon.server_fixtures import hostile  # noqa: F401 - the server fixture
from tests.servers.mastodon_hostile import HostileServer, answer

from .test_hostile import net_for, status

LAST = datetime(2016, 12, 31, 23, 59, 59, 999_999, tzinfo=timezone.utc)


def test_a_status_stamped_at_a_leap_second_is_read(server: HostileServer) -> None:
    before, leap, after = status("1"), status("2"), status("3")
    before["created_at"] = "2016-12-31T23:59:59.000Z"
    leap["created_at"] = "2016-12-31T23:59:60.000Z"
    leap["content"] = "<p>ثانية كبيسة</p>"
    after["created_at"] = "2017-01-01T00:00:00.000Z"

    def respond(method: str, path: str) -> bytes:
        return answer([after, leap, before])

    server.respond = respond
    posts = list(net_for(server).timeline(limit=None))
    assert [p.id for p in posts] == ["3", "2", "1"]
    assert posts[1].created_at == LAST
    assert posts[1].text == "ثانية كبيسة"
    assert posts[2].created_at < posts[1].created_at < posts[0].created_at  # in order still


@pytest.mark.parametrize(
    "text",
    [
        "2016-12-31T23:59:60Z",
        "2016-12-31T23:59:60.5Z",
        "2016-12-31T23:59:60.123456789Z",
        "2016-12-31T23:59:60,5Z",
        "2016-12-31T23:59:60+0000",
        "2016-12-31T23:59:60",  # naive is UTC
        "2017-01-01T00:59:60+01:00",  # the same leap second, an hour east
        "2016-12-31T18:59:60-05:00",
    ],
)
def test_leap_second_forms(text: str) -> None:
    parsed = parse_iso_datetime(text)
    assert parsed == LAST
    assert parsed.tzinfo is timezone.utc


@pytest.mark.parametrize("text", ["2016-12-31T23:59:61Z", "2016-12-31T23:60:60Z", "2016-12-31T24:59:60Z"])
def test_seconds_past_a_leap_second_are_still_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_iso_datetime(text)
