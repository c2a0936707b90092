"""The post lifecycle of :class:`~decentsocial.base.BaseNetwork`: ``edit``, ``pin``, ``unpin``, ``pinned``.

Written once here, as the rest of the template in :mod:`decentsocial.base`,
and mixed into ``BaseNetwork``: each public member checks the capability and
its arguments, then calls its hook (``_edit``, ``_pin_target``/``_pin``,
``_unpin_post``/``_unpin``, ``_pinned_page``), which backends override.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

from .errors import NotFound, PermissionDenied
from .models import Draft, Post
from .network import AccountRef, Capability, PostRef, inherit_docs
from .paging import Page, check_limit

if TYPE_CHECKING:
    from .base import BaseNetwork

__all__ = ["PostLifecycleTemplate"]


class PostLifecycleTemplate:
    """Edit and pin, public members and hooks, of :class:`~decentsocial.base.BaseNetwork`."""

    # (issue 14; kept together, with their hooks below, so other lifecycle members merge beside them)

    def edit(self, post: PostRef, draft: Draft | str, *, replace: bool = False) -> Post:
        net = cast("BaseNetwork[Any]", self)
        if Capability.EDIT not in net.capabilities and not replace:
            raise net.unsupported(Capability.EDIT)  # before the arguments, as every member
        target = net._post_arg(post)
        d = self._edit_draft(draft)
        if Capability.EDIT not in net.capabilities:
            return self._replace(target, d)
        net.check_draft(d)
        return self._edit(self._own_post(target, "edit"), d)

    def pin(self, post: PostRef) -> None:
        net = cast("BaseNetwork[Any]", self)
        net.require(Capability.PIN)
        self._pin(self._pin_target(net._post_arg(post), "pin"))

    def unpin(self, post: PostRef) -> None:
        net = cast("BaseNetwork[Any]", self)
        net.require(Capability.PIN)
        self._unpin_post(net._post_arg(post))

    def pinned(self, account: AccountRef | None = None, *, limit: int | None = 20) -> Iterator[Post]:
        net = cast("BaseNetwork[Any]", self)
        net.require(Capability.PIN)
        who = None if account is None else net._account_arg(account)
        return self._pinned(who, check_limit(limit))

    def _edit_draft(self, draft: Draft | str) -> Draft:
        """The edit's draft; one that would move the post (another parent, community, time) is refused."""
        net = cast("BaseNetwork[Any]", self)
        d = net._draft(draft)
        moves = [
            name
            for name, value in (
                ("reply_to", d.reply_to),
                ("quote_of", d.quote_of),
                ("community", d.community),
                ("scheduled_at", d.scheduled_at),
            )
            if value is not None
        ]
        if moves:
            raise net.invalid(f"an edit changes a post's content, not where it is: drop {', '.join(moves)}")
        return d.model_copy(update={"idempotency_key": None}) if d.idempotency_key else d

    def _own_post(self, post: PostRef, verb: str) -> Post:
        """The post (read when given by id), checked to be this account's: ``PermissionDenied`` otherwise."""
        net = cast("BaseNetwork[Any]", self)
        found = post if isinstance(post, Post) else net.get_post(post)
        if found.network != net.name:
            raise net.invalid(f"cannot {verb} a {found.network} post through {net.name}")
        mine = self._own_id()
        if found.author.id != mine:
            raise PermissionDenied(
                f"cannot {verb} {found.author.handle}'s post: only the author can", network=net.name
            )
        return found

    def _own_id(self) -> str:
        """This account's id (asked once per connection: it does not change)."""
        cached = self.__dict__.get("_lifecycle_my_id")
        if cached is None:
            cached = self.__dict__["_lifecycle_my_id"] = cast("BaseNetwork[Any]", self).me().id
        return str(cached)

    def _replace(self, target: PostRef, draft: Draft) -> Post:
        """``edit(replace=True)`` where the network cannot edit: publish the new post, then delete the old.

        The new post goes first, so a failure never leaves neither; its
        idempotency key comes from the old post and the draft, so running
        the replacement again returns the same new post and only retries
        the deletion.
        """
        net = cast("BaseNetwork[Any]", self)
        net.require(Capability.PUBLISH)
        net.require(Capability.DELETE)
        net.check_draft(draft)
        old = self._own_post(target, "replace")
        # Where the old post stood (its parent, the post it quotes, its community) is the new one's too.
        update: dict[str, Any] = {name: getattr(old, name) for name in ("reply_to", "quote_of", "community")}
        if Capability.IDEMPOTENT_PUBLISH in net.capabilities:
            from .idempotency import replace_key

            update["idempotency_key"] = replace_key(old.id, draft, net._publish_key_used, network=net.name)
        new = net.publish(draft.model_copy(update=update))
        with contextlib.suppress(NotFound):
            net.delete(old)
        return new

    def _edit(self, post: Post, draft: Draft) -> Post:
        """Change this account's ``post`` (checked to be its own) to the checked ``draft``."""
        raise cast("BaseNetwork[Any]", self).unsupported(Capability.EDIT)

    def _pin_target(self, post: PostRef, verb: str) -> Post:
        """The post to pin or unpin, read when given by id: by default it must be this account's.

        A network where others may pin (Hive: a community's moderators pin
        any post in it) widens this, raising ``PermissionDenied`` before any write.
        """
        return self._own_post(post, verb)

    def _pin(self, post: Post) -> None:
        """Pin ``post`` (checked by ``_pin_target``); pinning it again changes nothing."""
        raise cast("BaseNetwork[Any]", self).unsupported(Capability.PIN)

    def _unpin_post(self, post: PostRef) -> None:
        """Unpin ``post`` (a ``Post`` or a checked id): most networks need only its id."""
        self._unpin(cast("BaseNetwork[Any]", self).post_id(post))

    def _unpin(self, post_id: str) -> None:
        raise cast("BaseNetwork[Any]", self).unsupported(Capability.PIN)

    def _pinned(self, account: AccountRef | None, limit: int | None) -> Iterator[Post]:
        net = cast("BaseNetwork[Any]", self)
        return net._paged(lambda cursor, size: self._pinned_page(account, cursor, size), limit)

    def _pinned_page(self, account: AccountRef | None, cursor: Any, size: int) -> Page[Post, Any]:
        raise cast("BaseNetwork[Any]", self).unsupported(Capability.PIN)


inherit_docs(PostLifecycleTemplate)
