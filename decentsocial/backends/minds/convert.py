"""Pure conversions between Minds' engine JSON and decentsocial models (no I/O, no ``self``).

Channels are accounts, activities are posts (a plain *remind* is the
original shown as shared by the reminder, with the remind's own id, whether the engine sends the
remind with the original in ``remind_object`` or, as the newest does, as the original's export with
``subtype: remind``), and comments are posts with ids
``comment:<entity guid>:<comment guid>``. Server JSON is read leniently
through :mod:`decentsocial.coerce`.

A comment is read as the engine exports it (``Core/Comments/Comment.php``): its guid in ``_guid``
(``guid`` holds its LUID, base64 JSON), its post's in ``entity_guid``; the engine before
``Core/Comments`` (``Entities/Comment.php``) sent the guid as ``guid`` and the post's as
``parent_guid``, which are read where the others are missing.

Links are made on ``site``, the connection's server (its ``base_url``), as the
engine makes them on its ``site_url``: a self-hosted engine's posts are not on
minds.com. The engine sends no link of a post's own page: its ``perma_url`` is
the link of the post's rich embed (link card), which the poster chose.

Another network's mention (``@alice@mastodon.social``, ``@alice.bsky.social``) is written with an
invisible WORD JOINER after each ``@`` (:func:`body_text`): the engine notifies the Minds username
after every ``@``, which was someone else. Text is read back without the joiner.
"""

from __future__ import annotations

import base64
import bisect
import json
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

from ... import text as textlib
from ...coerce import as_count, as_datetime, as_dict, as_float, as_list, as_str, malformed, not_asked_for
from ...errors import InvalidInput
from ...httpclient import checked_digits, is_digits
from ...models import Account, Draft, Engagement, Post
from ...urls import web_link
from .failures import NAME

COMMENT_PREFIX = "comment:"
#: Minds' NSFW reasons: 1 nudity, 2 pornography, 3 profanity, 4 violence and gore,
#: 5 race, religion and gender, 6 other. ``Draft.sensitive`` alone maps to "other".
NSFW_OTHER = 6
#: ``access_id`` 2: public.
PUBLIC = 2
#: A Minds username, as the engine's ``validate_username`` allows: letters, digits and underscores.
_USERNAME = re.compile(r"[A-Za-z0-9_]{1,128}")
#: A comment's partition path: its parents' guids ``l1:l2:l3``, ``0:0:0`` for a comment on the post.
_PARTITION = re.compile(r"[0-9]{1,20}:[0-9]{1,20}:[0-9]{1,20}", re.ASCII)
#: The partition path of a comment on the post itself (the only comments this backend makes or lists).
#: In a URL it goes as is: the engine's v1 router splits the path undecoded, and ``%3A`` is no ``:``.
ON_POST = "0:0:0"
#: ``Comment::getBody`` exports a body longer than this many characters cut to them, then ``...``
#: (``mb_substr``; an older engine cut as many bytes, ``substr``).
BODY_CUT = 1500


# ---------------------------------------------------------------- ids


#: Whether a value is a Minds guid (a post, a comment, a channel, a group: digits, ASCII only).
is_guid = is_digits


def guid(value: str, what: str = "post id") -> str:
    """A caller's guid, checked before any request: ``InvalidInput`` unless it is digits."""
    return checked_digits(value, network=NAME, what=f"Minds {what}")


def channel_name(value: str) -> str:
    """A caller's channel: a username (letters, digits, ``_``) or a guid; else ``InvalidInput``."""
    name = value.lstrip("@")
    if not _USERNAME.fullmatch(name):
        raise InvalidInput(f"{value[:60]!r} is not a Minds username or channel guid", network=NAME)
    return name


def segment(value: str) -> str:
    """``value`` percent-encoded as one URL path segment (``/``, ``?`` and ``#`` included; ``.`` or
    ``..`` alone stay dot-segments, which is why ids are checked before they get here)."""
    return quote(value, safe="")


def channel_url(username: str, *, site: str) -> str | None:
    """A channel's page on ``site``, the username one percent-encoded path segment whatever a server
    sends (``x/../api``, ``?a=b``, spaces, non-ASCII). None for ``.`` or ``..``, which every URL reader
    takes for this folder or the one above however they are encoded, and for a name holding a lone
    surrogate, which no URL can carry: no channel has such a page."""
    if username in (".", "..") or textlib.lone_surrogate_at(username) is not None:
        return None
    return f"{site}/{segment(username)}"


def post_url(guid: str, *, site: str) -> str:
    """An activity's page on ``site``, as the engine's ``Activity::getURL`` makes it on its own
    ``site_url``: ``newsfeed/<guid>`` (``guid`` is digits, checked by the caller)."""
    return f"{site}/newsfeed/{guid}"


def comment_url(entity: str, guid: str, partition: str, *, site: str) -> str:
    """A comment's link: its post's page focused on it, as the engine links a comment in its push
    notifications and the web app's share button does (``?focusedCommentUrn=urn:comment:...``)."""
    return f"{post_url(entity, site=site)}?focusedCommentUrn=urn:comment:{entity}:{partition}:{guid}"


def _seconds(value: Any) -> datetime | None:
    """A Minds time (Unix seconds, often as a string), or ``None`` when unreadable."""
    try:
        return as_datetime(as_float(value))
    except OverflowError:  # coerce.as_float cannot take an integer beyond a float's range
        return None


def time_of(value: Any) -> datetime:
    """A Minds time (Unix seconds, often as a string); unreadable or missing is now."""
    return _seconds(value) or datetime.now(timezone.utc)


def account(c: Mapping[str, Any], *, site: str) -> Account:
    """A channel, named by its guid (or, without one, its username). A channel with neither is
    malformed: an empty id would stand for every such channel, one author for every ownerless post."""
    guid = as_str(c.get("guid"))
    username = as_str(c.get("username")) or guid
    if not username:
        raise malformed(NAME, "channel (neither a guid nor a username)")
    created = _seconds(c.get("time_created"))
    return Account(
        network=NAME,
        id=guid or username,
        handle=username,
        display_name=as_str(c.get("name")),
        url=channel_url(username, site=site),
        bio=as_str(c.get("briefdescription")) or None,
        followers=as_count(c.get("subscribers_count")),
        following=as_count(c.get("subscriptions_count")),
        created_at=created,
        raw=dict(c),
    )


def asked_channel(c: Mapping[str, Any], name: str, *, site: str) -> Account:
    """:func:`account` of ``GET channel/:name``'s answer, which must be the channel asked for (by
    username, without case, or by guid; ``me`` is the caller's): kept, another channel's figures
    would go under ``name``."""
    found = account(c, site=site)
    if name.lower() not in (found.handle.lower(), found.id, "me"):
        raise not_asked_for(NAME, "channel", name, found.handle)
    return found


def asked_post(a: Mapping[str, Any], asked_guid: str, *, site: str) -> Post:
    """:func:`post` of ``newsfeed/single/:guid``'s answer, which must be that activity (its own guid, the
    ``entity_guid`` of the post an activity wraps, or, for a plain remind the newest engine exports as
    its original, the remind's in ``urn``): kept, its numbers would go under ``asked_guid``."""
    answered = as_str(a.get("guid"))
    if asked_guid not in (answered, as_str(a.get("entity_guid")), remind_guid(a)):
        raise not_asked_for(NAME, "post", asked_guid, answered)
    return post(a, site=site)


def _owner(item: Mapping[str, Any], site: str) -> Account:
    """The channel that made an activity or comment: its ``ownerObj``, with the item's ``owner_guid``
    where that has no guid; an item naming no owner at all is malformed (the engine always sends one)."""
    owner = item.get("ownerObj")
    found: Mapping[str, Any] = owner if isinstance(owner, Mapping) else {}
    if not as_str(found.get("guid")):
        guid = as_str(item.get("owner_guid"))
        if guid:
            found = {**found, "guid": guid}
        elif not as_str(found.get("username")):
            raise malformed(NAME, "post without its owner (no ownerObj or owner_guid)")
    return account(found, site=site)


def remind_guid(a: Mapping[str, Any]) -> str | None:
    """The remind's own guid of a plain remind the newest engine exports as the post it shares
    (``Activity::export``: the original's export with ``subtype`` ``remind``, the reminder in
    ``remind_users`` and the remind's ``urn``, ``urn:activity:<guid>``); ``None`` for any other."""
    if as_str(a.get("subtype")) != "remind":
        return None
    kind, _, own = (as_str(a.get("urn")) or "").rpartition(":")
    return own if kind == "urn:activity" and is_guid(own) and own != as_str(a.get("guid")) else None


def _exported_remind(a: Mapping[str, Any], *, site: str) -> Post:
    """A plain remind in the newest engine's shape (:func:`remind_guid`) as :func:`post` reads the older
    one (``remind_object``): the original, with the remind's id and the reminder as ``reposted_by``.
    Read as the original, its id was the original's: ``delete`` took back that post, not the remind.
    One naming no remind (no ``urn`` of another activity) or no reminder is malformed."""
    own = remind_guid(a)
    users = as_list(a.get("remind_users"))
    reminder = users[0] if users and isinstance(users[0], Mapping) else None
    if own is None or reminder is None:
        raise malformed(NAME, "remind without its own urn or its reminder (remind_users)")
    original = post({k: v for k, v in a.items() if k != "subtype"}, site=site)
    return original.model_copy(
        update={"id": own, "reposted_by": account(reminder, site=site), "raw": dict(a)}
    )


def post(a: Mapping[str, Any], *, site: str) -> Post:
    """An activity on ``site``; a plain remind as the original post, shared by the reminder (with the
    remind's id), in either engine's shape (``remind_object``, or :func:`_exported_remind`)."""
    if as_str(a.get("subtype")) == "remind":
        return _exported_remind(a, site=site)
    owner = _owner(a, site)
    remind = a.get("remind_object") if isinstance(a.get("remind_object"), Mapping) else None
    message = read_text(as_str(a.get("message")) or "")
    guid = as_str(a.get("guid"))
    if not is_guid(guid):
        raise malformed(NAME, "activity without a guid")
    container = as_str(a.get("container_guid")) or ""
    community = container if container and container != as_str(a.get("owner_guid")) else None
    if remind is not None and not message:
        original = post(remind, site=site)
        return original.model_copy(update={"id": guid, "reposted_by": owner, "raw": dict(a)})
    tags = [t for t in map(as_str, as_list(a.get("tags"))) if t]
    given = set(tags)  # looked up once per hashtag of the message: a list made that quadratic
    return Post(
        network=NAME,
        id=guid,
        # Its page on the connection's server. Never ``perma_url``: that is the link card's target,
        # any page the poster (or a hostile server) chose; it is one of the post's links instead.
        url=post_url(guid, site=site),
        author=owner,
        text=message,
        created_at=time_of(a.get("time_created")),
        edited_at=time_of(a.get("time_updated")) if a.get("edited") and a.get("time_updated") else None,
        quote_of=_guid_or_none(as_dict(remind).get("guid")) if remind is not None else None,
        tags=tuple(tags) + tuple(t for t in textlib.hashtags(message) if t not in given),
        mentions=textlib.mentions(message),
        links=_links(message, a.get("perma_url")),
        community=community,
        content_warning="nsfw" if a.get("nsfw") else None,
        visibility="public" if str(a.get("access_id", PUBLIC)) == str(PUBLIC) else None,
        metrics=Engagement(
            likes=as_count(a.get("thumbs:up:count")),
            replies=as_count(a.get("comments:count")),
            reposts=as_count(a.get("reminds")),
        ),
        raw=dict(a),
    )


def _links(message: str, embed: Any) -> tuple[str, ...]:
    """The message's links, then its rich embed's (``perma_url``) if that is a web page a reader may
    open (:func:`~decentsocial.urls.web_link`: not ``javascript:``, ``data:``, ``file:``), once each,
    as a Mastodon preview card's link is."""
    found = textlib.links(message)
    card = web_link(embed)
    return found if card is None or card in found else (*found, card)


def reminded_id(post: Post) -> str | None:
    """The guid of the post a plain remind shares, for a remind read as that post (``reposted_by``
    set, ``raw`` the remind): the innermost post shown, past reminds of reminds; else ``None``."""
    if post.reposted_by is None or not post.raw:
        return None
    if remind_guid(post.raw) is not None:  # the newest engine's shape: the original's own export
        return _guid_or_none(post.raw.get("guid"))
    shown: Mapping[str, Any] = post.raw
    inner = shown.get("remind_object")
    while isinstance(inner, Mapping) and not as_str(shown.get("message")):  # as :func:`post` reads it
        shown, inner = inner, inner.get("remind_object")
    return _guid_or_none(shown.get("guid")) if shown is not post.raw else None


def _guid_or_none(value: Any) -> str | None:
    found = as_str(value)
    return found if is_guid(found) else None


def _first_guid(c: Mapping[str, Any], *keys: str) -> str | None:
    """The first of ``keys`` whose value is a guid."""
    for key in keys:
        found = as_str(c.get(key))
        if is_guid(found):
            return found
    return None


def comment_guids(c: Mapping[str, Any]) -> tuple[str, str] | None:
    """(post guid, comment guid) of a comment as the engine exports it, or ``None`` if either is
    missing. The engine's ``guid`` is the comment's LUID (base64 JSON), never its guid: that is
    ``_guid``; an engine older than ``Core/Comments`` sent digits in ``guid`` and the post's guid as
    ``parent_guid``."""
    entity = _first_guid(c, "entity_guid", "parent_guid")
    guid = _first_guid(c, "_guid", "guid")
    return (entity, guid) if entity is not None and guid is not None else None


def comment_luid(entity: str, guid: str) -> str:
    """The LUID the engine names a comment on post ``entity`` by, as ``Comment::getLuid`` and
    ``Luid::build`` make it (base64 of the components' JSON, keys sorted), for a comment on the post
    itself (partition ``0:0:0``: the only ones this backend makes or lists). Its comment endpoints
    (delete, edit) look a comment up by it (``Manager::getByLuid``); given digits they look only in
    the legacy table (comments from before the engine's comments migration).

    Of two guids (digits), it is letters, digits and ``=`` only (no ``+`` or ``/``: ASCII JSON of
    these characters never encodes to them). The engine reads the URL path undecoded, so it goes
    into a path as is: ``%3D`` for ``=`` would be no LUID there."""
    parts = {
        "_type": "comment",
        "child_path": f"{guid}:0:0",
        "entity_guid": entity,
        "guid": guid,
        "parent_path": "0:0:0",
        "partition_path": ON_POST,
    }
    return base64.b64encode(json.dumps(parts, sort_keys=True, separators=(",", ":")).encode()).decode()


def comment(c: Mapping[str, Any], *, site: str) -> Post:
    """A comment on ``site``, as a reply to the post it is on (see :func:`comment_guids`)."""
    ids = comment_guids(c)
    if ids is None:
        raise malformed(NAME, "comment without its guid or its post's guid")
    entity, guid = ids
    text = read_text(as_str(c.get("description")) or "")
    partition = as_str(c.get("partition_path")) or ""
    return Post(
        network=NAME,
        id=f"{COMMENT_PREFIX}{entity}:{guid}",
        url=comment_url(entity, guid, partition if _PARTITION.fullmatch(partition) else ON_POST, site=site),
        author=_owner(c, site),
        text=text,
        created_at=time_of(c.get("time_created")),
        edited_at=time_of(c.get("time_updated")) if c.get("edited") and c.get("time_updated") else None,
        reply_to=entity,
        root_id=entity,
        mentions=textlib.mentions(text),
        links=textlib.links(text),
        visibility="public",
        metrics=Engagement(
            likes=as_count(c.get("thumbs:up:count")), replies=as_count(c.get("replies_count"))
        ),
        raw=dict(c),
    )


def shows_text(shown: str, sent: str) -> bool:
    """Whether a comment the engine exports with text ``shown`` (read back, :func:`read_text`) holds
    ``sent``: the same, or, for a longer text as sent (:func:`body_text`), the engine's cut of it and
    only that (:func:`_cuts`). An older text that merely ends in ``...`` is not the edit kept, nor the
    reply a keyed lookup seeks."""
    return shown == read_text(sent) or shown in _cuts(body_text(sent))


def _cuts(body: str) -> set[str]:
    """How the engine may export ``body`` cut, read back: its first :data:`BODY_CUT` characters then
    ``...`` (``Comment::getBody``, ``mb_substr``), or, on an older engine, its first as many bytes
    (``substr``; a character split there is dropped or replaced)."""
    cuts: set[str] = set()
    if len(body) > BODY_CUT:
        cuts.add(read_text(body[:BODY_CUT]) + "...")
    raw = body.encode("utf-8", "surrogatepass")
    if len(raw) > BODY_CUT:
        head = read_text(raw[:BODY_CUT].decode("utf-8", "ignore"))
        cuts |= {head + "...", head + "\ufffd..."}
    return cuts


def split_comment(pid: str) -> tuple[str, str]:
    """``comment:<entity>:<guid>`` -> (entity, guid); anything else is ``InvalidInput``."""
    parts = pid[len(COMMENT_PREFIX) :].split(":")
    if len(parts) != 2 or not all(is_guid(p) for p in parts):
        raise InvalidInput(f"malformed Minds comment id {pid!r}", network=NAME)
    return parts[0], parts[1]


#: WORD JOINER (U+2060): invisible, and no username character, so the engine reads no name after it.
WORD_JOINER = "\u2060"
#: An ``@name`` as written in a text (``@`` not after a letter, digit or ``_``: an e-mail address is
#: none; nor after ``/``: a link's path): an account-like run, then ``@domain`` if any (``@alice``,
#: ``@alice.bsky.social``, ``@alice@mastodon.social``).
_AT_NAME = re.compile(r"(?<![A-Za-z0-9_/])@(?P<name>[A-Za-z0-9_][A-Za-z0-9_.-]*(?:@[\w-]+(?:\.[\w-]+)*)?)")
#: A link written without its scheme: a host with a dot (``www.example.com``, ``mastodon.social``), a
#: port if any, then a path to the next space (``mastodon.social/@alice@mastodon.social``). It starts
#: where no host character is before it, so each run of them is tried once: linear in the text.
_BARE_LINK = re.compile(r"(?<![\w.-])[\w-]+(?:\.[\w-]+)+(?::[0-9]+)?/\S*")
#: An ``@`` the engine reads a username after (its ``Regex::AT``: ``/(?:@)([a-zA-Z0-9_]+)/``).
_ENGINE_AT = re.compile(r"@(?=[A-Za-z0-9_])")


def body_text(text: str) -> str:
    """``text`` as the engine gets it: each ``@name`` that is no Minds username written with a WORD
    JOINER after each of its ``@``.

    On creating an activity or comment the engine notifies (tags) the user named by every
    ``@[a-zA-Z0-9_]+`` in its text (``Core/Entities/TaggedUsersService``, ``Common/Regex::AT``): a
    crossposted ``@alice@mastodon.social`` notified the Minds users ``alice`` and ``mastodon``, and
    ``@alice.bsky.social`` the user ``alice``, someone else. The joiner keeps the text as readers see
    it and names nobody here; an ``@username`` (``@alice``, ``@alice.`` at a sentence's end) is a
    mention on Minds and stays as written, and so does every link (with a scheme or without one:
    ``mastodon.social/@alice@mastodon.social``, ``www.example.com/@a.b``) and e-mail address.
    """
    if "@" not in text:
        return text
    found = [m for m in _AT_NAME.finditer(text) if not _USERNAME.fullmatch(m["name"].rstrip(".-"))]
    if not found:
        return text
    starts, ends = _link_spans(text)
    pieces: list[str] = []
    at = 0
    for match in found:
        inside = bisect.bisect_right(starts, match.start()) - 1
        if inside >= 0 and match.start() < ends[inside]:
            continue
        pieces += [text[at : match.start()], _ENGINE_AT.sub("@" + WORD_JOINER, match[0])]
        at = match.end()
    return "".join(pieces) + text[at:]


def _link_spans(text: str) -> tuple[list[int], list[int]]:
    """Where ``text``'s links are (with a scheme, :func:`~decentsocial.text.entities`, or without,
    :data:`_BARE_LINK`), merged into disjoint spans: their starts and their ends, in order. A position
    is looked up in them by bisection: checking every span for every ``@name`` was quadratic."""
    spans = sorted(
        [(e.start, e.end) for e in textlib.entities(text) if e.kind == "link"]
        + [m.span() for m in _BARE_LINK.finditer(text)]
    )
    starts: list[int] = []
    ends: list[int] = []
    for start, end in spans:
        if ends and start <= ends[-1]:
            ends[-1] = max(ends[-1], end)
        else:
            starts.append(start)
            ends.append(end)
    return starts, ends


def read_text(text: str) -> str:
    """A text the engine sent, as written: without the WORD JOINER :func:`body_text` put after an ``@``.
    (A text written with one reads back without it too: a keyed lookup compares texts read so.)"""
    return text.replace("@" + WORD_JOINER, "@") if "@" + WORD_JOINER in text else text


def message(text: str) -> str:
    """A post's text as the activity endpoints must get it: the engine keeps ``rawurldecode(message)``
    (a new post and an edit alike), so every ``%`` goes as ``%25`` and the post reads as written. Sent
    as is, ``%20`` in a tracking link became a space, and the keyed lookup after a lost answer, which
    matches the text, never found the post and published it again."""
    return text.replace("%", "%25")


def activity_body(d: Draft) -> dict[str, Any]:
    """The ``PUT /api/v3/newsfeed/activity`` body of a checked draft (the edit's too)."""
    body: dict[str, Any] = {"message": message(body_text(d.text)), "access_id": PUBLIC}
    if d.all_tags:
        body["tags"] = list(d.all_tags)
    nsfw = d.options.get("nsfw")
    if nsfw:
        body["nsfw"] = list(nsfw)
    elif d.sensitive or d.content_warning:
        body["nsfw"] = [NSFW_OTHER]
    if d.community:
        body["container_guid"] = d.community
    if d.quote_of:
        body["remind_guid"] = d.quote_of
    return body
