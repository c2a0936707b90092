"""Every part of a thread carries the draft's reward terms: each part earns on its own."""

from __future__ import annotations

from collections.abc import Callable

import decentsocial as ds
from decentsocial.backends.sandbox import SandboxNetwork
from decentsocial.models import Beneficiary, PayoutOptions

TEXT = "Our charity drive thread: every reward on every part is shared with the charity, as promised."


def test_later_parts_keep_beneficiaries_and_payout(limited: Callable[..., SandboxNetwork]) -> None:
    net = limited("tiny", account="carol", max_length=40)
    share = (Beneficiary(account="charity", percent=10),)
    draft = ds.Draft(text=TEXT, beneficiaries=share, payout=PayoutOptions(decline=True))

    planned = ds.crosspost(draft, [net], dry_run=True).outcomes[0].drafts
    assert len(planned) > 1
    assert all(d.beneficiaries == share and d.payout == draft.payout for d in planned)

    res = ds.crosspost(draft, [net])
    assert res.ok, res.errors
    assert len(res.posts) == len(planned)
    for post in res.posts:
        raw = net.get_post(post.id).raw
        assert raw is not None
        assert raw["beneficiaries"] == [{"account": "charity", "percent": "10"}], raw
