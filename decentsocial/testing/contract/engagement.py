"""Contract cases: engagement from another account shows in ``Post.metrics``."""

from __future__ import annotations

from decentsocial import Capability

from ..harness import Harness
from .checks import need, need_live

__all__ = ["test_a_like_and_a_repost_from_another_account_show_in_metrics"]


def test_a_like_and_a_repost_from_another_account_show_in_metrics(harness: Harness) -> None:
    """Every network that has likes and reposts counts them in ``get_post(...).metrics``."""
    h = harness
    need(h, Capability.PUBLISH, Capability.READ, Capability.LIKE, Capability.REPOST)
    need_live(h)
    post = h.me.publish(f"contract engagement {h.unique()}")
    h.eventually(lambda: h.other.get_post(post.id))
    h.other.like(post.id)
    h.other.repost(post.id)

    def counted() -> None:
        metrics = h.me.get_post(post.id).metrics
        # None: the network does not say (as test_like_and_unlike allows); a count it gives must be right.
        assert metrics.likes in (1, None), f"likes: {metrics.likes}"
        assert metrics.reposts in (1, None), f"reposts: {metrics.reposts}"

    h.eventually(counted)
