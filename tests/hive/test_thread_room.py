"""A long text split into a Hive thread leaves room for the rest of its first part's transaction.

hived takes a transaction of at most 64 KiB: the body, and the title, image
links, metadata and beneficiaries besides. ``text_limit`` said 64,000 bytes
for any draft, so ``crosspost`` cut a long text with images (or a long title
and ten tags) into a first part the chain cannot take, and the whole thread
was refused ("shorten the text") though a thread could carry it.
"""

from __future__ import annotations

from typing import Any

import pytest

from decentsocial import Beneficiary, ContentRejected, Draft, Media, crosspost
from decentsocial.backends.hive import HiveNetwork
from decentsocial.backends.hive.ops import MAX_TRANSACTION_BYTES

from ..servers._jsonrpc_replay import ReplayServer

#: About 107 kB of text: two Hive posts.
LONG = "My travel diary\n\n" + " ".join(f"word{i}" for i in range(12_000))
IMAGES = tuple(Media(url=f"https://images.hive.blog/DQm{i:043d}/photo-{i}.jpg") for i in range(3))

HEAVY = {
    "three images": Draft(text=LONG, media=IMAGES, tags=("travel", "photography")),
    "a long title and ten tags": Draft(
        text=LONG, title="T" * 250, tags=tuple(f"tag-number-{i:013d}" for i in range(10))
    ),
    "images and beneficiaries": Draft(
        text=LONG,
        media=IMAGES,
        beneficiaries=tuple(Beneficiary(account=f"ben{i:03d}", percent=1) for i in range(8)),  # the most
    ),
}


def _serialized_size(trx: dict[str, Any]) -> int:
    """The transaction's size as hived counts it: its binary form (beem's serializer)."""
    from beembase import operations
    from beembase.signedtransactions import Signed_Transaction

    ops = [getattr(operations, name.capitalize())(**dict(v, prefix="STM")) for name, v in trx["operations"]]
    fields = ("ref_block_num", "ref_block_prefix", "expiration", "signatures")
    return len(bytes(Signed_Transaction(operations=ops, **{k: trx[k] for k in fields})))


@pytest.mark.parametrize("case", list(HEAVY))
def test_a_long_heavy_draft_becomes_a_thread_the_chain_takes(
    net: HiveNetwork, replay: ReplayServer, case: str
) -> None:
    draft = HEAVY[case]
    [planned] = crosspost(draft, [net], dry_run=True).outcomes
    assert planned.error is None, planned.error
    assert len(planned.drafts) == 2
    [outcome] = crosspost(draft, [net]).outcomes
    assert outcome.error is None, outcome.error
    assert len(outcome.posts) == len(replay.broadcasts) == 2
    for sent in replay.broadcasts:
        assert _serialized_size(sent.transaction) <= MAX_TRANSACTION_BYTES


def test_one_post_over_the_room_says_what_takes_it(net: HiveNetwork, replay: ReplayServer) -> None:
    draft = Draft(text="Gallery\n\n" + "x" * 63_991, media=IMAGES)  # 64,000 bytes
    with pytest.raises(ContentRejected, match="image links, metadata and beneficiaries leave the text"):
        net.publish(draft)
    assert replay.broadcasts == []
    assert not net.signed


def test_a_plain_draft_keeps_the_whole_body_limit(net: HiveNetwork) -> None:
    assert net.text_limit(Draft(text="hello\n\nworld")).limit == 64_000
    assert net.text_limit().limit == 64_000
