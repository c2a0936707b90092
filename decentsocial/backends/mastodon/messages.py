"""Direct messages on Mastodon: ``direct`` statuses, read back through the conversations API.

A message is a status with ``direct`` visibility that mentions its
recipients (Mastodon delivers it to the accounts it mentions). The
conversations API lists each conversation with its latest status; that
status, with the mentions that address it taken off the front of its text,
is the :class:`~decentsocial.Message`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, cast

import regex

from ... import errors
from ...coerce import as_dict, as_list, as_str
from ...models import Account, Draft, Message
from ...network import AccountRef
from ...text import mentions
from ...urls import web_link
from .compose import handle_key
from .convert import NETWORK, _checked, to_json_safe, to_post

if TYPE_CHECKING:
    from .network import MastodonNetwork

__all__ = ["DirectMessages", "delivered_to", "strip_addressing", "to_message"]

#: A mention at the start of a status, ``@user`` or ``@user@domain``, that stands alone: one the
#: sentence goes on from (``@bob's order``, ``@bob, hi``) is part of the text, not its address. The
#: bidi marks a right-to-left message's address is written with (``mentions_before``) go with it.
_LEADING_MENTION = re.compile(r"[\s\u200e\u200f]*@([\w.\-]+(?:@[\w.\-]+)?)(?=\s|\Z)")


#: Ruby's ``[[:word:]]`` (Onigmo: Alphabetic, marks, decimal digits, connector punctuation). Python's
#: ``\w`` also counts ZWNJ and ZWJ, so ``"\u200c@carol"`` was no mention here, but one to Mastodon.
_RUBY_WORD = r"\p{Alphabetic}\p{M}\p{Nd}\p{Pc}"
#: Mastodon's own ``Account::MENTION_RE`` (app/models/account.rb): the accounts a status goes to.
_SERVER_MENTION = regex.compile(
    rf"(?<![=/{_RUBY_WORD}])@([a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?(?:@[{_RUBY_WORD}.-]+[{_RUBY_WORD}]+)?)",
    regex.IGNORECASE,
)


def delivered_to(text: str) -> tuple[str, ...]:
    """The handles Mastodon reads as mentions in ``text`` (and so delivers a direct status to)."""
    return tuple(dict.fromkeys(regex.findall(_SERVER_MENTION, text)))


def strip_addressing(text: str, addressed: set[str]) -> str:
    """``text`` without the mentions in front of it that name one of ``addressed`` (lower-case)."""
    rest = text
    while True:
        found = _LEADING_MENTION.match(rest)
        if found is None:
            return rest.strip()
        name = found.group(1).lower()
        if name not in addressed and name.split("@")[0] not in addressed:
            return rest.strip()
        rest = rest[found.end() :]


def _mentioned(item: Mapping[str, Any]) -> Account | None:
    ident = as_str(item.get("id"))
    handle = as_str(item.get("acct")) or as_str(item.get("username"))
    if not ident or not handle:
        return None
    return Account(network=NETWORK, id=ident, handle=handle, url=web_link(item.get("url")))


def to_message(data: Mapping[str, Any]) -> Message:
    """A Mastodon ``Conversation`` as the ``Message`` of its latest status."""
    return _checked("conversation", _to_message, data)


def _to_message(data: Mapping[str, Any]) -> Message:
    status = as_dict(data.get("last_status"))
    if not status:
        raise ValueError("a conversation without a status")
    post = to_post(status, keep_raw=False)
    recipients = tuple(
        a for a in (_mentioned(as_dict(m)) for m in as_list(status.get("mentions"))) if a is not None
    )
    addressed = {name.lower() for a in recipients for name in (a.handle, a.handle.split("@")[0])}
    return Message(
        network=NETWORK,
        id=post.id,
        sender=post.author,
        recipients=recipients,
        text=strip_addressing(post.text, addressed),
        created_at=post.created_at,
        conversation_id=as_str(data.get("id")),
        raw=to_json_safe(data),
    )


class DirectMessages:
    """The direct-message hooks of :class:`MastodonNetwork` (issue 14)."""

    def _send_message(self, to: AccountRef, text: str) -> str:
        """A ``direct`` status that mentions the recipient: Mastodon delivers it to that account only.

        Mastodon delivers a direct status to every account it mentions, so a
        text that mentions anyone but the recipient is refused (``InvalidInput``,
        naming the handles, never the text) rather than sent to them too.
        """
        net = cast("MastodonNetwork", self)
        if isinstance(to, Account) and to.network != NETWORK:
            raise errors.InvalidInput(
                f"a {to.network} account cannot receive a Mastodon message", network=NETWORK
            )
        recipient = net._here(to) if isinstance(to, Account) else net.account(to)  # NotFound: no one
        local = net._local_domain()
        own = handle_key(recipient.handle, local)
        # Both readings: the SDK's, and the server's own (it decides who receives the status).
        found = (*mentions(text), *delivered_to(text))
        others = list(dict.fromkeys(m for m in found if handle_key(m, local) != own))
        if others:
            named = ", ".join("@" + m for m in others[:5]) + (", …" if len(others) > 5 else "")
            raise errors.InvalidInput(
                f"the message mentions {named}: Mastodon would deliver it to them too (a direct"
                " message goes to everyone it mentions); remove the @, or message each one",
                network=NETWORK,
            )
        draft = Draft(text=text, mentions=(recipient.handle,), visibility="direct")
        net.check_draft(draft)  # the mention counts towards the limit too
        return net._publish(draft).id

    def _messages(self, limit: int | None) -> Iterator[Message]:
        """The latest status of each conversation, newest conversation first (the conversations API)."""
        net = cast("MastodonNetwork", self)
        return net._paged(
            lambda cursor, size: net._link_page(
                lambda api, n: api.conversations(limit=n), "read conversations", to_message, cursor, size
            ),
            limit,
            key=lambda m: m.id,  # a conversation the server lists twice: once
        )
