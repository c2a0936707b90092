"""Contract cases: every capability a backend declares has the hooks that do it.

Without them the template's default hook answers ``UnsupportedFeature``
("does not support search") for a capability the backend says it has: its
users read one thing in ``capabilities`` and get another at run time.
"""

from __future__ import annotations

from decentsocial import BaseNetwork, Capability

from ..harness import Harness

__all__ = ["HOOKS", "test_every_declared_capability_has_its_hooks"]

_PUBLISHING: tuple[tuple[str, ...], ...] = (("_publish",),)

#: The hooks each capability needs, in groups: a group is met when the backend overrides any of its hooks.
HOOKS: dict[Capability, tuple[tuple[str, ...], ...]] = {
    Capability.PROFILE: (("_me",), ("_account",)),
    Capability.PUBLISH: _PUBLISHING,
    Capability.REPLY: _PUBLISHING,
    Capability.QUOTE: _PUBLISHING,
    Capability.MEDIA: _PUBLISHING,
    Capability.POLL: _PUBLISHING,
    Capability.SCHEDULE: _PUBLISHING,
    Capability.IDEMPOTENT_PUBLISH: _PUBLISHING,
    Capability.READ: (("_get_post",),),
    Capability.DELETE: (("_delete",),),
    Capability.LIKE: (("_like",), ("_unlike",)),
    Capability.VOTE: (("_vote",),),
    Capability.REPOST: (("_repost",),),
    Capability.FOLLOW: (("_follow",), ("_unfollow",)),
    Capability.POSTS: (("_posts", "_posts_page"),),
    Capability.TIMELINE: (("_timeline", "_timeline_page"),),
    Capability.SEARCH: (("_search", "_search_page"),),
    Capability.TAG_SEARCH: (("_search", "_search_page"),),
    Capability.THREAD: (("_thread",),),
    Capability.NOTIFICATIONS: (("_notifications", "_notifications_page"),),
    Capability.COMMUNITIES: (("_communities", "_communities_page"), ("_community",)),
    Capability.JOIN: (("_join",), ("_leave",)),
    Capability.COMMUNITY_POSTS: (("_community_posts", "_community_posts_page"),),
    Capability.REWARDS: (("_rewards",), ("_pending_rewards",)),
    Capability.CLAIM: (("_claim_rewards",),),
    Capability.TIP: (("_tip",),),
    Capability.STREAM: (("_stream",),),
    Capability.EDIT: (("_edit",),),
    Capability.PIN: (("_pin",), ("_unpin", "_unpin_post"), ("_pinned", "_pinned_page")),
    Capability.MESSAGING: (("_send_message",), ("_messages",)),
}


def _overrides(cls: type, hook: str) -> bool:
    return getattr(cls, hook, None) is not getattr(BaseNetwork, hook, None)


def test_every_declared_capability_has_its_hooks(harness: Harness) -> None:
    """A backend not built on ``BaseNetwork`` implements the protocol its own way: nothing to check."""
    h = harness
    cls = type(h.me)
    if not issubclass(cls, BaseNetwork):
        return
    missing = [
        f"{capability.value} (needs {' or '.join(group)})"
        for capability in sorted(h.me.capabilities, key=lambda c: c.value)
        for group in HOOKS.get(capability, ())
        if not any(_overrides(cls, hook) for hook in group)
    ]
    assert not missing, (
        f"{h.name} declares capabilities it has no hook for: {'; '.join(missing)}. "
        "Implement the hook or drop the capability"
    )
