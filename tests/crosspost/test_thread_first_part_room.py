"""A thread's first part leaves room for what the network writes into it (Mastodon: tags, the link).

Mastodon writes a draft's tags and link card URL into the status when its text
lacks them. A long text holding its tag (or link) near its end was split by the
room the whole draft had (the tag in its text: nothing to add), so the first
part, which lacks it, got it added and went over the limit: the whole network
was ``ContentRejected`` though a thread carries the text.
"""

from __future__ import annotations

import pytest

pytest.importorskip("mastodon")

import decentsocial as ds
from decentsocial.text import mastodon_len
from tests.servers.mastodon import MastodonServer

URL = "https://example.com/notes"


@pytest.mark.parametrize(
    ("ending", "fields"),
    [
        ("#launch", {"tags": ("launch",)}),
        (URL, {"link": ds.LinkCard(url=URL)}),
    ],
)
def test_a_thread_whose_tag_or_link_is_in_a_later_part_fits_the_limit(
    mastodon_server: MastodonServer, ending: str, fields: dict[str, object]
) -> None:
    net = mastodon_server.connect("alice")
    try:
        limit = net.text_limit().limit
        text = " ".join(["word"] * (2 * limit // 5)) + " " + ending
        draft = ds.Draft(text=text, **fields)
        planned = ds.crosspost(draft, [net], dry_run=True)
        assert planned.ok, planned.errors
        assert len(planned.outcomes[0].drafts) > 1
        res = ds.crosspost(draft, [net])
        assert res.ok, res.errors
        statuses = [net.get_post(post.id).text for post in res.posts]
        assert ending in statuses[0]  # written into the first part by the backend
        assert ending in statuses[-1]  # where the text has it
        assert all(mastodon_len(status) <= limit for status in statuses)
    finally:
        net.close()
