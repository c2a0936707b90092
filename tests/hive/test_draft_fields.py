"""Draft fields Hive and Steem cannot carry are refused, never published without them.

A content warning or the sensitive flag went out as a plain post (the chain
has no such flag; front ends hide posts tagged ``nsfw``), and a link card
whose URL was not in the text was dropped. Both are refused now, in the dry
run as on publish and edit, unless the post says it in Hive's own way.
"""

from __future__ import annotations

import json

import pytest

from decentsocial import ContentRejected, Draft, LinkCard, crosspost
from decentsocial.backends.hive import HiveNetwork

from ..servers._jsonrpc_replay import ReplayServer

UNCARRIED = {
    "a content warning": (
        Draft(text="Gore ahead\n\nbody", content_warning="graphic injury"),
        "tagged 'nsfw'",
    ),
    "the sensitive flag": (Draft(text="Photo\n\nbody", sensitive=True), "tagged 'nsfw'"),
    "a link card not in the text": (
        Draft(text="Read this\n\nour launch", link=LinkCard(url="https://example.com/launch")),
        "no link cards; put the URL",
    ),
}


@pytest.mark.parametrize("case", list(UNCARRIED))
def test_what_the_chain_cannot_carry_is_refused_before_signing(
    net: HiveNetwork, replay: ReplayServer, case: str
) -> None:
    draft, reason = UNCARRIED[case]
    with pytest.raises(ContentRejected, match=reason):
        net.publish(draft)
    [planned] = crosspost(draft, [net], dry_run=True).outcomes
    assert isinstance(planned.error, ContentRejected)
    assert replay.broadcasts == []
    assert len(net.signed) == 0


@pytest.mark.parametrize("case", list(UNCARRIED))
def test_an_edit_cannot_drop_them_either(net: HiveNetwork, replay: ReplayServer, case: str) -> None:
    post = net.publish(Draft(text="Launch day\n\nv1", tags=("news",)))
    replay.clear()
    draft, reason = UNCARRIED[case]
    with pytest.raises(ContentRejected, match=reason):
        net.edit(post, draft)
    assert replay.broadcasts == []


def test_marked_nsfw_and_a_link_in_the_text_go_out(net: HiveNetwork, replay: ReplayServer) -> None:
    url = "https://example.com/launch"
    draft = Draft(
        text=f"Photo\n\nSee {url}",
        sensitive=True,
        content_warning="nsfw",
        tags=("nsfw",),
        link=LinkCard(url=url),
    )
    net.publish(draft)
    [(_, comment)] = replay.broadcasts[0].transaction["operations"]
    assert json.loads(comment["json_metadata"])["tags"] == ["nsfw"]
    assert url in comment["body"]
