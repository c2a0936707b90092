"""Direct messages on Mastodon: ``direct`` statuses, read back through the conversations API.

A message is a status with ``direct`` visibility that mentions its
recipients (Mastodon delivers it to the accounts it mentions). The
conversations API lists each conversation with its latest status; that
status, with the mentions that address it taken off the front of its text,
is the :class:`~decentsocial.Message`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import regex

from ...coerce import as_dict, as_list, as_str
from ...models import Account, Message
from ...urls import web_link
from .convert import NETWORK, _checked, to_json_safe, to_post

__all__ = ["delivered_to", "strip_addressing", "to_message"]

#: A mention at the start of a status, ``@user`` or ``@user@domain``, that stands alone: one the
#: sentence goes on from (``@bob's order``, ``@bob, hi``) is part of the text, not its address.
_LEADING_MENTION = re.compile(r"\s*@([\w.\-]+(?:@[\w.\-]+)?)(?=\s|\Z)")


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
