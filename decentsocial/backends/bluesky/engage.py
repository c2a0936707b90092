"""Likes, reposts and follows on Bluesky: records keyed by their subject, kept apart from ``network.py``.

Each is a repo record whose key is derived from what it is about, so a retry
(or a second call) finds the record made already instead of writing a second
one; one made in another app is found through the AppView's ``viewer`` state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from ... import errors
from ...coerce import as_dict, as_list, malformed
from ...models import Account, Post
from ...network import AccountRef, PostRef
from .ids import DID_RE, FOLLOW, LIKE, REPOST, AtUri, check_asked_post, parse_at_uri, tid_for_key
from .records import subject_record

if TYPE_CHECKING:
    from .network import BlueskyNetwork

__all__ = ["Engagements"]


class Engagements:
    """The like, repost and follow hooks of :class:`BlueskyNetwork`."""

    def _engage(self, collection: str, post: PostRef) -> None:
        net = cast("BlueskyNetwork", self)
        uri = net._post_uri(post)
        ref, _ = net._strong_ref(uri)
        rkey = tid_for_key(f"{net._did()}/{collection}", ref["uri"])
        net._create_record(collection, rkey, subject_record(collection, ref), check_first=True)

    def _disengage(self, collection: str, post: PostRef, viewer_field: str) -> None:
        net = cast("BlueskyNetwork", self)
        uri = net._post_uri(post)
        own = AtUri(net._did(), collection, tid_for_key(f"{net._did()}/{collection}", str(uri)))
        if net._get_record(own) is not None:
            net._delete_record(own)
            return
        # Made elsewhere (another app): the AppView knows the record's uri.
        answer = net._query("app.bsky.feed.getPosts", {"uris": [str(uri)]}, action=f"get post {uri}")
        for view in as_list(answer.get("posts")):
            check_asked_post(view, uri, network=net.name)  # else another post's like would go
            made = as_dict(as_dict(view).get("viewer")).get(viewer_field)
            if made:
                net._delete_record(self._server_uri(made, collection))

    def _like(self, post: PostRef) -> None:
        self._engage(LIKE, post)

    def _unlike(self, post: PostRef) -> None:
        self._disengage(LIKE, post, "like")

    def _repost(self, post: PostRef) -> Post | None:
        # Bluesky reposts are records, not posts of their own: there is no Post to return.
        self._engage(REPOST, post)
        return None

    def unrepost(self, post: PostRef) -> None:
        """Undo ``repost(post)`` (also one made in another app); nothing happens if it was not reposted."""
        self._disengage(REPOST, post, "repost")

    def _target_did(self, account: AccountRef) -> str:
        net = cast("BlueskyNetwork", self)
        if isinstance(account, Account) and DID_RE.match(account.id):
            return account.id
        return net.resolve_handle(net._actor(account))

    def _follow(self, account: AccountRef) -> None:
        net = cast("BlueskyNetwork", self)
        named = account.id if isinstance(account, Account) else net._actor(account)
        target = self._target_did(account)
        rkey = tid_for_key(f"{net._did()}/{FOLLOW}", target)
        if net._get_record(AtUri(net._did(), FOLLOW, rkey)) is not None:
            return  # followed already (by an earlier call, or a retry whose answer was lost)
        if DID_RE.match(named):
            # A handle that resolved names an account; a DID is taken as given, and the PDS
            # writes a follow of any well-formed one: a follow record pointing at nobody.
            self._check_account_exists(target)
        net._create_record(FOLLOW, rkey, subject_record(FOLLOW, target), check_first=False)

    def _check_account_exists(self, did: str) -> None:
        """``NotFound`` unless the AppView knows ``did``, or the PDS hosts it (not indexed yet)."""
        net = cast("BlueskyNetwork", self)
        try:
            net._query("app.bsky.actor.getProfile", {"actor": did}, action=f"get profile {did}")
            return
        except errors.NotFound:
            pass
        try:
            net._query("com.atproto.repo.describeRepo", {"repo": did}, action=f"describe repo {did}")
        except errors.NotFound:
            raise errors.NotFound(f"no active Bluesky account has the DID {did}", network=net.name) from None

    def _unfollow(self, account: AccountRef) -> None:
        net = cast("BlueskyNetwork", self)
        target = self._target_did(account)
        own = AtUri(net._did(), FOLLOW, tid_for_key(f"{net._did()}/{FOLLOW}", target))
        if net._get_record(own) is not None:
            net._delete_record(own)
            return
        profile = net._query("app.bsky.actor.getProfile", {"actor": target}, action=f"get profile {target}")
        made = as_dict(profile.get("viewer")).get("following")
        if made:
            net._delete_record(self._server_uri(made, FOLLOW))

    def _server_uri(self, value: object, collection: str) -> AtUri:
        """An at-URI the server named: one that breaks the grammar is the server's fault, not the caller's."""
        name = cast("BlueskyNetwork", self).name
        try:
            return parse_at_uri(str(value), network=name, collection=collection)
        except errors.InvalidInput:
            raise malformed(name, f"{collection} record uri") from None
