"""The post lifecycle on Mastodon: editing a status and pinning it, kept apart from ``network.py``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, cast

from ... import errors
from ...coerce import as_dict, as_list, as_str
from ...models import Draft, Post
from ...network import AccountRef
from .compose import check_length, compose_text, poll_params
from .convert import NETWORK, status_key, to_post
from .ids import path_id

if TYPE_CHECKING:
    from .network import MastodonNetwork

__all__ = ["PostLifecycle"]


class PostLifecycle:
    """The edit and pin hooks of :class:`MastodonNetwork`."""

    def _edit(self, post: Post, draft: Draft) -> Post:
        """``PUT /api/v1/statuses/:id``: the draft is the status's whole new content.

        Text, content warning, sensitivity and media are replaced (no media in
        the draft removes the old ones, as on Mastodon), and so are the
        language and the poll when the draft has them; a reply keeps the
        mention of the author it answers. Mastodon cannot change a post's
        visibility: a draft asking for another one is ``InvalidInput``.
        """
        net = cast("MastodonNetwork", self)
        if draft.visibility is not None and draft.visibility != post.visibility:
            raise errors.InvalidInput(
                f"Mastodon cannot change a post's visibility ({post.visibility or 'unknown'} to "
                f"{draft.visibility}): delete it and publish it again",
                network=NETWORK,
            )
        status_id = path_id(post.id, "post id")
        handle = self._replied_handle(post) if post.reply_to is not None else None
        text = compose_text(draft, reply_to_handle=handle, local_domain=net._local_domain())
        check_length(draft, text, net.limits())
        payloads = [net._media_bytes(m, n) for n, m in enumerate(draft.media, 1)]
        media_ids = [
            net._upload(m, data, mime) for m, (data, mime) in zip(draft.media, payloads, strict=True)
        ]
        poll = poll_params(draft)  # a new poll resets the votes (Mastodon's rule)
        result = net._call(
            lambda api: api.edit_status(
                status_id,
                text,
                spoiler_text=draft.content_warning or "",
                sensitive=draft.sensitive,
                media_ids=media_ids,
                language=draft.language,
                poll=poll,
            ),
            "edit",
        )
        return net._posts_here.one(to_post(result))

    def _replied_handle(self, post: Post) -> str | None:
        """The author a reply answers, for its edit to keep mentioning: named by the status itself
        (its ``in_reply_to_account_id`` among its mentions), else read from the parent. A parent
        deleted or hidden since leaves the text as the draft has it, rather than the edit refused."""
        net = cast("MastodonNetwork", self)
        raw = post.raw or {}
        account_id = as_str(raw.get("in_reply_to_account_id"))
        if account_id is not None and account_id == net._my_id():
            return None
        for mention in as_list(raw.get("mentions")) if account_id is not None else ():
            acct = as_str(as_dict(mention).get("acct"))
            if acct and as_str(as_dict(mention).get("id")) == account_id:
                return acct
        try:
            return net._reply_handle(post.reply_to) if post.reply_to is not None else None
        except errors.NotFound:
            return None

    def _own_id(self) -> str:
        return cast("MastodonNetwork", self)._my_id()  # the account read once per connection

    def _pin(self, post: Post) -> None:
        net = cast("MastodonNetwork", self)
        status_id = path_id(post.id, "post id")
        net._call(lambda api: api.status_pin(status_id), "pin")

    def _unpin(self, post_id: str) -> None:
        net = cast("MastodonNetwork", self)
        status_id = path_id(post_id, "post id")
        net._call(lambda api: api.status_unpin(status_id), "unpin")

    def _pinned(self, account: AccountRef | None, limit: int | None) -> Iterator[Post]:
        net = cast("MastodonNetwork", self)
        account_id = net._my_id() if account is None else net._account_id(account)
        return net._paged(
            lambda cursor, size: net._link_page(
                lambda api, n: api.account_statuses(account_id, pinned=True, limit=n),
                "read pinned posts",
                to_post,
                cursor,
                size,
            ),
            limit,
            key=status_key,  # one the server lists twice: once
        )
