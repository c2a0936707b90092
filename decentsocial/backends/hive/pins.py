"""Community pins on Hive: a moderator's ``custom_json`` that Hivemind applies (apart from ``network.py``).

A Hive account has no profile pins. A community does: its members with the
role ``mod``, ``admin`` or ``owner`` pin any post in it with a
``custom_json`` (id ``community``, ``["pinPost", {community, account,
permlink}]``; ``unpinPost`` takes it off), and Hivemind shows the pinned
posts first in the community's ``created`` and ``trending`` lists, marked
``stats.is_pinned``. Hivemind silently ignores a pin from anyone else, so
the role is read (``bridge.get_community_context``) and a missing one is
``PermissionDenied`` before anything is signed.

``pinned(account)`` takes the community by its name (a Hive community is an
account, ``hive-123456``): the posts pinned there. An ordinary account has
no pins of its own to list, and that is ``UnsupportedFeature``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

from ... import errors
from ...coerce import as_dict, as_list, as_str
from ...models import Post
from ...network import AccountRef, Capability, PostRef
from . import ops
from .chain import is_community_name
from .convert import post_from_bridge
from .listing import StartAfter, post_cursor

if TYPE_CHECKING:
    from .network import HiveNetwork

__all__ = ["PIN_ROLES", "CommunityPins", "is_community_name"]

#: The community roles Hivemind lets pin and unpin posts (its ``mod`` role and above).
PIN_ROLES = frozenset({"mod", "admin", "owner"})


class CommunityPins:
    """The pin hooks of :class:`HiveNetwork` (Steem keeps ``UnsupportedFeature``)."""

    def _pin_target(self, post: PostRef, verb: str) -> Post:
        """The post (read when given by id), in a community where this account may pin: any author's.

        ``PermissionDenied`` for a post in no community (Hive pins only
        there) and for an account without the role; both before any write.
        """
        net = cast("HiveNetwork", self)
        me = net._my_name()
        net._key("posting_key")  # a missing key fails before any request
        found = post if isinstance(post, Post) else net.get_post(post)
        if found.network != net.name:
            raise net.invalid(f"cannot {verb} a {found.network} post through {net.name}")
        community = found.community
        if not community:
            raise errors.PermissionDenied(
                f"cannot {verb} {found.id}: it is in no community, and {net.name} pins posts only in "
                "communities (a Hive account has no profile pins)",
                network=net.name,
            )
        role = _role(net, community, me)
        if role not in PIN_ROLES:
            raise errors.PermissionDenied(
                f"{me} cannot {verb} posts in {community}: that takes the role mod, admin or owner, "
                f"and {me} has {role or 'no role'} there",
                network=net.name,
            )
        return found

    def _pin(self, post: Post) -> None:
        _set_pin(cast("HiveNetwork", self), post, "pinPost")

    def _unpin_post(self, post: PostRef) -> None:
        net = cast("HiveNetwork", self)
        _set_pin(net, net._pin_target(post, "unpin"), "unpinPost")

    def _pinned(self, account: AccountRef | None, limit: int | None) -> Iterator[Post]:
        """The posts pinned in a community (given by name): the head of its ``created`` list."""
        net = cast("HiveNetwork", self)
        name = net._name_of(account)
        if not is_community_name(name):
            who = "this account" if account is None else name
            raise net.unsupported(
                Capability.PIN,
                f"{who} is no community and a Hive account has no profile pins: "
                "name the community, pinned('hive-123456')",
            )

        def read(answer: Any) -> list[Post]:
            """The pinned head of a page (read as the node is known: ``_call``)."""
            pinned: list[Post] = []
            for item in map(as_dict, as_list(answer)):
                if as_dict(item.get("stats")).get("is_pinned") is not True:
                    break  # the pinned posts are over: the rest of the list is not pinned
                pinned.append(post_from_bridge(item, net.chain))
            return pinned

        def fetch(cursor: tuple[str, str] | None, size: int) -> list[Post]:
            """The pinned head of a page: the first post not pinned ends it (and the listing)."""
            params: dict[str, object] = {"sort": "created", "tag": name, "limit": size}
            if cursor is not None:
                params["start_author"], params["start_permlink"] = cursor
            pinned: list[Post] = net._call("bridge.get_ranked_posts", params, read)
            return pinned

        # A page short of what was asked (a post not pinned, or the list's end) is the last; a node
        # that starts a page with the post before is asked for one more, as every bridge list (.listing).
        return net._paged(StartAfter(fetch, post_cursor, net.page_size), limit, key=lambda p: p.id)


def _role(net: HiveNetwork, community: str, account: str) -> str | None:
    """``account``'s role in ``community`` as Hivemind keeps it (``guest`` when it has none)."""
    name = net._community_name(community)
    found = as_dict(net._call("bridge.get_community_context", {"name": name, "account": account}))
    return as_str(found.get("role")) or None


def _set_pin(net: HiveNetwork, post: Post, action: str) -> None:
    """Broadcast ``pinPost``/``unpinPost`` for ``post`` in its community, signed by this account."""
    author, permlink = net._post_ref(post)
    community = net._community_name(post.community or "")
    me = net._my_name()
    body = {"community": community, "account": author, "permlink": permlink}
    net._broadcast([ops.custom_json_op(me, "community", [action, body])], "posting_key")
