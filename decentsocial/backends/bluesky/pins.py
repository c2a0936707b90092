"""Pins on Bluesky: the profile record's ``pinnedPost`` (one post), kept apart from ``network.py``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, cast

from ... import errors
from ...coerce import as_dict, as_str, malformed
from ...models import Post
from ...network import AccountRef
from . import records
from .convert import account_from_view
from .ids import AtUri, check_asked_account, parse_at_uri
from .records import record_parts

if TYPE_CHECKING:
    from .network import BlueskyNetwork

__all__ = ["ProfilePins"]


class ProfilePins:
    """The pin hooks of :class:`BlueskyNetwork`."""

    def _own_id(self) -> str:
        return cast("BlueskyNetwork", self)._did()  # posts name their author by DID: the session knows ours

    def _pin(self, post: Post) -> None:
        net = cast("BlueskyNetwork", self)
        ref, _ = net._strong_ref(net._post_uri(post))
        _set_pinned(net, ref)

    def _unpin(self, post_id: str) -> None:
        net = cast("BlueskyNetwork", self)
        _set_pinned(net, None, only=str(net._post_uri(post_id)))

    def _pinned(self, account: AccountRef | None, limit: int | None) -> Iterator[Post]:
        """The profile's pinned post (Bluesky keeps one): from this PDS for ours, the AppView for others."""
        net = cast("BlueskyNetwork", self)
        if account is None or net._actor(account) in net.transport.identity():
            found = net._get_record(AtUri(net._did(), records.PROFILE, "self"))
            value = record_parts(found)[2] if found is not None else {}
        else:
            actor = net._actor(account)
            value = net._query("app.bsky.actor.getProfile", {"actor": actor}, action=f"get profile {actor}")
            # Another account's profile would give its pinned post as this one's.
            check_asked_account(account_from_view(value, web_url=net.settings.web_url), actor)
        uri = as_str(as_dict(value.get("pinnedPost")).get("uri"))
        if not uri or limit == 0:
            return iter(())
        try:
            parse_at_uri(uri)
        except errors.InvalidInput:  # the server's (or another app's record's) fault, not the caller's
            raise malformed(net.name, "pinned post (its uri is no post at-URI)") from None
        try:
            return iter([net._get_post(uri)])
        except errors.NotFound:
            return iter(())  # pinned, then deleted


def _set_pinned(net: BlueskyNetwork, ref: dict[str, str] | None, *, only: str | None = None) -> None:
    """Rewrite the profile with ``pinnedPost`` set or removed (other fields kept), swapping on its cid."""
    target = AtUri(net._did(), records.PROFILE, "self")
    for _ in range(3):
        found = net._get_record(target)
        _, cid, value = record_parts(found) if found is not None else ("", "", None)
        pinned = as_dict(value.get("pinnedPost")).get("uri") if value else None
        if only is not None and pinned != only:
            return  # that post is not the pinned one: nothing to unpin
        new = records.with_pinned(value, ref)
        if new is None:
            return
        data = {"repo": net._did(), "collection": records.PROFILE, "rkey": "self", "record": new}
        try:
            swap = {"swapRecord": cid} if cid else {}
            net.transport.procedure("com.atproto.repo.putRecord", {**data, **swap}, action="pin", safe=True)
            return
        except (errors.ContentRejected, errors.InvalidInput, errors.NetworkUnavailable):
            continue  # swapped meanwhile, or the answer was lost: read the record again
    raise errors.NetworkUnavailable("the profile kept changing while pinning", network=net.name)
