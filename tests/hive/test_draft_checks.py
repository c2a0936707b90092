"""Hive and Steem refuse at planning time what publishing refuses from the draft alone (no server).

``check_draft`` (what a dry run and ``Scheduler.schedule`` run) calls the
same ``ops.check_comment`` that ``comment_ops`` builds on: tags (how many,
which), the title, media by URL, beneficiaries and payout options. Before,
it checked only the visibility, so these passed the dry run and failed at
launch. The connections point at a closed loopback port: nothing is sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

import decentsocial as ds
from decentsocial.backends.hive import HiveNetwork, ops

BODY = "Launch day\n\nThe body of the post"


@pytest.fixture(params=["hive", "steem"])
def net(request: pytest.FixtureRequest) -> Iterator[HiveNetwork]:
    conn = ds.connect(request.param, account="acmebrand", nodes=["http://127.0.0.1:9"])
    assert isinstance(conn, HiveNetwork)
    yield conn
    conn.close()


REFUSED = {
    "a file, no URL": (
        ds.Draft(text=BODY, media=(ds.Media(data=b"\x89PNG\r\n\x1a\n"),)),
        "link images by URL; upload the file first",
    ),
    "11 tags": (ds.Draft(text=BODY, tags=tuple(f"t{i}" for i in range(11))), "at most 10 tags, got 11"),
    "an invalid tag": (ds.Draft(text=BODY, tags=("Acme_Launch",)), "tag 'acme_launch'"),
    "a title over 255 bytes": (ds.Draft(title="é" * 128, text="body"), "title is over 255 bytes"),
    "no title": (ds.Draft(media=(ds.Media(url="https://cdn.example/a.png"),)), "needs a title"),
    "a share finer than 0.01 %": (
        ds.Draft(text=BODY, beneficiaries=(ds.Beneficiary(account="alice", percent=Decimal("0.001")),)),
        "whole number of basis points",
    ),
    "a beneficiary twice": (
        ds.Draft(
            text=BODY,
            beneficiaries=(
                ds.Beneficiary(account="alice", percent=Decimal(10)),
                ds.Beneficiary(account="alice", percent=Decimal(5)),
            ),
        ),
        "listed twice",
    ),
    "over 50 % backed": (
        ds.Draft(text=BODY, payout=ds.PayoutOptions(percent_backed=Decimal(60))),
        "at most 50%",
    ),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_the_dry_run_refuses_what_publishing_refuses(net: HiveNetwork, case: str) -> None:
    draft, reason = REFUSED[case]
    with pytest.raises(ds.ContentRejected, match=reason):
        net.check_draft(draft)
    dry = ds.crosspost(draft, [net], dry_run=True)
    error = dry.outcomes[0].error
    assert isinstance(error, ds.ContentRejected)
    assert reason in error.message
    # the very check the operations are built on: publishing gives the same error
    with pytest.raises(ds.ContentRejected) as built:
        ops.comment_ops(draft, chain=net.chain, author="acmebrand", permlink="p", parent=None, app="t")
    assert built.value.message == error.message


def test_a_payout_cap_in_the_wrong_asset_is_refused_while_planning(net: HiveNetwork) -> None:
    cap = ds.PayoutOptions(max_accepted_payout=ds.Amount.parse("1.000 BTC"))
    with pytest.raises(ds.InvalidInput, match="amounts are in"):
        net.check_draft(ds.Draft(text=BODY, payout=cap))


def test_a_reply_needs_no_title_and_a_good_post_plans(net: HiveNetwork) -> None:
    reply = ds.Draft(media=(ds.Media(url="https://cdn.example/a.png"),), reply_to="steemit/firstpost")
    net.check_draft(reply)
    good = ds.Draft(
        text=BODY + " #web3",
        tags=("news", "launch"),
        media=(ds.Media(path="banner.png", url="https://cdn.example/banner.png"),),
        beneficiaries=(ds.Beneficiary(account="alice", percent=Decimal("2.5")),),
        payout=ds.PayoutOptions(percent_backed=Decimal(0)),
    )
    [planned] = ds.crosspost(good, [net], dry_run=True).outcomes
    assert planned.ok, planned.error
