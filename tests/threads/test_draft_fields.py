"""Draft fields Threads has no slot for are refused, never dropped while the post goes out without them.

A revenue share promised to someone (``beneficiaries``, ``payout``), a title and a mention list
used to vanish: the post was published and nothing said what it lost. A crosspost reports the
refusal for Threads alone, and a variant that clears the field sends it anyway.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from decentsocial import ContentRejected, UnsupportedFeature
from decentsocial.backends.sandbox import SandboxNetwork, SandboxSettings
from decentsocial.models import Beneficiary, PayoutOptions

SHARE = (Beneficiary(account="charity", percent=10),)


@pytest.mark.parametrize(
    "fields",
    [{"beneficiaries": SHARE}, {"payout": PayoutOptions(decline=True)}],
    ids=["beneficiaries", "payout"],
)
def test_reward_terms_are_unsupported_and_nothing_is_posted(net: Any, fields: dict[str, Any]) -> None:
    with pytest.raises(UnsupportedFeature, match="beneficiaries and payout options") as caught:
        net.publish(ds.Draft(text="a promised share", **fields))
    assert caught.value.capability == ds.Capability.REWARDS
    assert list(net.posts(limit=5)) == []


@pytest.mark.parametrize(
    "fields", [{"title": "Launch day"}, {"mentions": ("alice",)}], ids=["title", "mentions"]
)
def test_a_title_or_mention_list_is_refused_and_nothing_is_posted(net: Any, fields: dict[str, Any]) -> None:
    with pytest.raises(ContentRejected, match="no title or mention list"):
        net.publish(ds.Draft(text="body", **fields))
    assert list(net.posts(limit=5)) == []


def test_a_blank_title_is_no_title(net: Any) -> None:
    post = net.publish(ds.Draft(text="untitled", title="  "))
    assert post.text == "untitled"


def test_a_crosspost_reports_the_refusal_for_threads_only_and_a_variant_sends_it(
    net: Any, tmp_path: Path
) -> None:
    sandbox = SandboxNetwork(SandboxSettings(path=tmp_path / "s.db", account="carol"))
    try:
        payout = PayoutOptions(percent_backed=0)
        draft = ds.Draft(text="charity drive", beneficiaries=SHARE, payout=payout, idempotency_key="drive")
        res = ds.crosspost(draft, [sandbox, net])
        kept, refused = res.outcomes
        assert kept.ok
        assert isinstance(refused.error, UnsupportedFeature)
        assert refused.posts == ()
        raw = sandbox.get_post(kept.posts[0].id).raw
        assert raw is not None
        assert raw["beneficiaries"] == [{"account": "charity", "percent": "10"}]

        again = ds.crosspost(
            draft, [sandbox, net], variants={"threads": {"beneficiaries": (), "payout": None}}
        )
        assert again.ok, again.errors
        assert again.outcomes[0].posts[0].id == kept.posts[0].id  # not posted twice
    finally:
        sandbox.close()
