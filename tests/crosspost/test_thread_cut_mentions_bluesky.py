"""A Bluesky thread of text without spaces never mentions the account of an address it holds.

A part cut just before the ``@`` of ``support@<handle>`` began with ``@<handle>``: the PDS
resolved it and the post carried a mention facet of that account (on a handle that does not
resolve, the part failed and the thread could never be finished).
"""

from __future__ import annotations

from typing import Any

import decentsocial as ds
from decentsocial.text import mentions


def test_a_bluesky_thread_does_not_mention_the_account_of_an_address_in_its_text(
    bluesky_harness: Any,
) -> None:
    me, other = bluesky_harness.me, bluesky_harness.other
    handle = other.me().handle
    # Japanese without spaces: 285 letters and "support" fill the first part's 292 graphemes (300
    # less " (1/2)"), so the cut falls just before the "@".
    text = "あ" * 285 + f"support@{handle}" + "い" * 100
    assert mentions(text) == ()  # an address: no mention
    res = ds.crosspost(ds.Draft(text=text, idempotency_key="glued-address"), [me])
    assert res.ok, res.errors
    posts = res.outcomes[0].posts
    assert len(posts) == 2
    assert [p.mentions for p in posts] == [(), ()]
    assert "".join(p.text.rsplit(" (", 1)[0] for p in posts) == text
