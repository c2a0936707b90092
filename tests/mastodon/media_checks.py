"""What the Mastodon media tests watch: the uploads a connection makes, and a refusal that planning
and publishing agree on."""

from __future__ import annotations

import pytest

import decentsocial as ds
from decentsocial.backends.mastodon import MastodonNetwork

__all__ = ["refused", "uploads"]


def uploads(net: MastodonNetwork) -> list[str]:
    """The media requests ``net`` makes from now on (none may be made for a refused draft)."""
    seen: list[str] = []
    net.transport.session.hooks["response"].append(
        lambda r, *a, **k: seen.append(r.request.path_url) if "/media" in r.request.path_url else None
    )
    return seen


def refused(net: MastodonNetwork, draft: ds.Draft) -> ds.ContentRejected:
    """The refusal of planning, which publishing repeats (the same words) before any upload."""
    [planned] = ds.crosspost(draft, [net], dry_run=True).outcomes
    assert isinstance(planned.error, ds.ContentRejected), planned
    with pytest.raises(ds.ContentRejected) as caught:
        net.publish(draft)
    assert caught.value.message == planned.error.message
    return caught.value
