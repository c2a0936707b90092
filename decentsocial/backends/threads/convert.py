"""Pure conversions between Graph API JSON and decentsocial models (no I/O, no ``self``).

Server JSON is read leniently through :mod:`decentsocial.coerce`; what a
conversion cannot do without (a post's id, a readable timestamp) is
``malformed``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timezone
from functools import lru_cache
from typing import Any, Literal
from urllib.parse import quote

import regex

from ... import text as textlib
from ...coerce import as_count, as_datetime, as_dict, as_exact_str, as_list, as_str, malformed, not_asked_for
from ...errors import AuthenticationError, ContentRejected, InvalidInput
from ...httpclient import checked_digits, is_digits, read_token
from ...models import Account, Draft, Engagement, Media, Post, normalise_tags, parse_iso_datetime
from ...urls import web_link
from .failures import NAME, REFRESH_HINT
from .results import AccountInsights, DailyValue, PublishingQuota, ThreadsToken

TEXT_LIMIT = 500
#: What ``post`` reads, and ``hide_status`` (kept in ``raw`` for hiding replies); nothing more.
MEDIA_FIELDS = (
    "id,media_type,media_url,permalink,owner,username,text,timestamp,"
    "children{media_type,media_url,alt_text},quoted_post,reposted_post,alt_text,"
    "link_attachment_url,topic_tag,replied_to,root_post,hide_status"
)
ME_FIELDS = "id,username,name,threads_profile_picture_url,threads_biography"
#: The handle of a post's author that the answer does not name (:func:`hidden_author`).
HIDDEN = "[hidden]"
INSIGHT_METRICS = ("views", "likes", "replies", "reposts", "quotes", "shares")
ACCOUNT_METRICS = "views,likes,replies,reposts,quotes,clicks,followers_count"

#: A grapheme shown as an emoji: an emoji-presentation character, or one made so by VS16 or a keycap.
_EMOJI = regex.compile(r"[\p{Emoji_Presentation}\uFE0F\u20E3]")
_PUBLIC_URL = re.compile(r"^https?://[^/\s]+")
#: A link written without a scheme, as Meta's link-count examples are ("www.facebook.com").
_BARE_LINK = re.compile(r"(?<![\w./:@-])www\.[^\s<>\"'«»]+", re.IGNORECASE)
_SCHEME = re.compile(r"^https?://", re.IGNORECASE)


# ---------------------------------------------------------------- ids


#: Whether a value is a Threads object id (digits, ASCII only).
is_id = is_digits


def media_id(value: str, what: str = "post id") -> str:
    """A caller's Threads id, checked before any request: ``InvalidInput`` unless it is digits."""
    return checked_digits(value, network=NAME, what=f"Threads {what}")


def segment(value: str) -> str:
    """``value`` percent-encoded as one URL path segment (``/``, ``?`` and ``#`` included; ``.`` or
    ``..`` alone stay dot-segments, which is why ids are checked before they get here)."""
    return quote(value, safe="")


def profile_url(username: str) -> str | None:
    """A username's profile page, the name one percent-encoded path segment: whatever a server sends
    (``../x``, ``?a=b``, spaces, non-ASCII), the URL stays valid and names that profile's page only.
    None for a name holding a lone surrogate, which no URL can carry (no page has that name)."""
    if textlib.lone_surrogate_at(username) is not None:
        return None
    return f"https://www.threads.net/@{segment(username)}"


# ---------------------------------------------------------------- rules Threads documents


def threads_len(text: str) -> int:
    """Text length as Threads counts it: characters, except that an emoji counts as its UTF-8 bytes."""
    if text.isascii() or _EMOJI.search(text) is None:  # no emoji: every grapheme counts its characters
        return len(text)
    total = 0
    for cluster in textlib.graphemes(text):
        total += len(cluster.encode("utf-8")) if _EMOJI.search(cluster) else len(cluster)
    return total


def link_count(text: str, attached: str | None) -> int:
    """Unique links as Threads documents counting them: URLs in the text, ``www.`` ones without a
    scheme included, plus the link attachment unless the text has it (with or without ``https://``)."""
    found = {_SCHEME.sub("", url) for url in textlib.links(text)}
    found |= {m.group().rstrip(".,;:!?)]}'\"") for m in _BARE_LINK.finditer(text)}
    if attached:
        found.add(_SCHEME.sub("", attached))
    return len(found)


def is_public_url(url: str) -> bool:
    """Whether Threads can fetch ``url`` (it takes media and links by http(s) URL only)."""
    return bool(_PUBLIC_URL.match(url))


def valid_topic(tag: str) -> bool:
    """Documented topic tag rule: 1-50 characters, no periods or ampersands."""
    return 1 <= len(tag) <= 50 and "." not in tag and "&" not in tag


def topic_tag(draft: Draft) -> str | None:
    """The one topic tag a draft gets: ``options['topic_tag']``, its one tag, or its first valid hashtag."""
    option = draft.options.get("topic_tag")
    if option is not None:
        return str(option).lstrip("#")
    if len(draft.tags) > 1:
        raise ContentRejected(
            f"Threads takes one topic tag per post; this draft has {len(draft.tags)} "
            f"({', '.join(draft.tags)}). Pick one (Draft.tags or options['topic_tag'])",
            network=NAME,
        )
    if draft.tags:
        return draft.tags[0]
    # The Threads app makes a post's first hashtag its tag: do the same through the API,
    # when that hashtag is a valid topic tag.
    in_text = [t for t in textlib.hashtags(draft.text) if valid_topic(t)]
    return in_text[0] if in_text else None


# ---------------------------------------------------------------- drafts -> container parameters


def container_params(draft: Draft) -> dict[str, Any]:
    """The parameters every container of ``draft`` shares (reply, quote, topic, link, reply control)."""
    common: dict[str, Any] = {}
    if draft.reply_to:
        common["reply_to_id"] = draft.reply_to
    if draft.quote_of:
        common["quote_post_id"] = draft.quote_of
    topic = topic_tag(draft)
    if topic:
        common["topic_tag"] = topic
    if draft.link is not None:
        common["link_attachment"] = draft.link.url
    reply_control = draft.options.get("reply_control")
    if reply_control:
        common["reply_control"] = str(reply_control)
    return common


def media_params(m: Media) -> dict[str, Any]:
    """The container parameters of one image or video given by URL."""
    assert m.url is not None
    params: dict[str, Any] = (
        {"media_type": "VIDEO", "video_url": m.url}
        if m.kind == "video"
        else {"media_type": "IMAGE", "image_url": m.url}
    )
    if m.alt_text:
        params["alt_text"] = m.alt_text
    return params


# ---------------------------------------------------------------- JSON -> models


def ref_id(value: Any) -> str | None:
    """The id of a ``{"id": …}`` reference, if it is one (an id that is not digits is ignored)."""
    if value is None:  # most posts are neither replies nor quotes
        return None
    found = as_exact_str(as_dict(value).get("id"))
    return found if is_id(found) else None


def reposted_id(post: Post) -> str | None:
    """The id of the post a repost shares, for a repost read as that post (``reposted_by`` set,
    ``raw`` the ``REPOST_FACADE``); ``None`` for any other post."""
    raw = post.raw
    if post.reposted_by is None or not raw or raw.get("media_type") != "REPOST_FACADE":
        return None
    return ref_id(raw.get("reposted_post"))


def id_of(body: Mapping[str, Any], what: str) -> str:
    """The ``id`` of an answer that must carry one: digits, or the answer is malformed."""
    value = as_exact_str(body.get("id"))
    if not value:
        raise malformed(NAME, f"answer without the id of {what}")
    if not is_id(value):
        raise malformed(NAME, f"answer with an id of {what} that is not a Threads id")
    return value


def asked(body: Mapping[str, Any], post_id: str) -> Mapping[str, Any]:
    """``body`` if it is the post ``post_id`` asked for (ids compared as text), else the typed
    malformed-answer error: kept, its numbers would go under the other post's id."""
    answered = as_str(body.get("id"))
    if answered != post_id:
        raise not_asked_for(NAME, "post", post_id, answered)
    return body


def confirmed(body: Mapping[str, Any], action: str, object_id: str) -> None:
    """A ``{"success": …}`` answer (a delete, hiding a reply) that must say it was done: HTTP 200 is
    no proof. ``success: false`` means nothing was done (``ContentRejected``), and a delete whose
    ``deleted_id`` names another object is an answer about another post (ids compared as text)."""
    if body.get("success") in (False, "false"):
        raise ContentRejected(
            f"Threads answered that it did not {action} {object_id} (success: false)", network=NAME
        )
    deleted = body.get("deleted_id")
    if deleted is not None and as_str(deleted) != object_id:
        raise not_asked_for(NAME, "post", object_id, as_str(deleted))


def timestamp(value: Any) -> datetime:
    """A Graph API timestamp (``2026-11-26T13:15:00+0000``); missing is now, unreadable is malformed."""
    if value is None or value == "":
        return datetime.now(timezone.utc)
    if type(value) is str and len(value) <= 64:  # the usual case, one call instead of three
        try:
            return parse_iso_datetime(value)
        except (ValueError, OverflowError):
            raise malformed(NAME, f"timestamp {value[:40]!r}") from None
    try:
        when = as_datetime(value)
    except OverflowError:  # coerce.as_float cannot take an integer beyond a float's range
        when = None
    if when is None:
        raise malformed(NAME, f"timestamp {str(value)[:40]!r}")
    return when


def account(body: Mapping[str, Any], name: str | None = None) -> Account:
    """A profile: the token's own (``GET /me``, ``threads_*`` fields) or another's (``profile_lookup``,
    looked up by ``name``). Account ids are usernames: user ids are app-scoped.

    The token's own needs a username or its user id (digits): an answer with neither is malformed,
    not an account named "unknown" that ``posts("unknown")`` would take for yours. A profile looked
    up by name needs its username (``profile_lookup`` always sends it): one without it cannot be
    told to be the profile asked for, so ``{}`` is malformed, not an account made of the name asked."""
    username = as_str(body.get("username")) or ""
    named = bool(username)
    if not named:
        if name is not None:
            raise malformed(NAME, "account (a profile without its username)")
        username = as_str(body.get("id")) or ""
        if not is_id(username):
            raise malformed(NAME, "account (neither a username nor a user id)")
    if name is not None and username.lower() != name.lower():  # usernames are case-blind
        raise not_asked_for(NAME, "account", name, username)
    return Account(
        network=NAME,
        id=username,
        handle=username,
        display_name=as_str(body.get("name")),
        url=profile_url(username) if named else None,  # a user id names no profile page
        bio=as_str(body.get("threads_biography") or body.get("biography")) or None,
        avatar_url=web_link(body.get("threads_profile_picture_url") or body.get("profile_picture_url")),
        followers=as_count(body.get("follower_count")),
        raw=dict(body),
    )


def media(m: Mapping[str, Any]) -> Media | None:
    """An image or video of a post (``None`` for anything else, and for one whose URL is no web link)."""
    url = web_link(m.get("media_url"))
    kind: Literal["image", "video"] | None = {"IMAGE": "image", "VIDEO": "video"}.get(  # type: ignore[assignment]
        str(m.get("media_type"))
    )
    if not url or kind is None:
        return None
    return Media(kind=kind, url=url, alt_text=as_str(m.get("alt_text")))


def post(m: Mapping[str, Any]) -> Post:
    """A post as the media endpoints give it (a repost is resolved by the network, not here).

    It runs for every post of every listing: optional fields are read only when
    present, and the post is built without validation
    (:meth:`~decentsocial.models.Post._trusted`, about half the cost): every value
    below is already exactly what validation makes of it (exact ``str``, tuples,
    tags normalised, ``timezone.utc`` datetimes, ``raw`` a dict of the post's own).
    ``tests/threads/test_trusted.py`` holds the two equal.
    """
    get = m.get
    post_id = id_of(m, "a post")
    text = as_exact_str(get("text")) or ""
    username = as_str(get("username"))
    if username:  # account ids are usernames: search results and profile lookups carry only the username
        author = _author(username, True)
    else:  # documented: a username only for public users and your own, ``owner`` only on your own posts
        owner = ref_id(get("owner"))
        author = _author(owner, False) if owner else hidden_author(post_id)
    kind = get("media_type")
    items: tuple[Media, ...] = ()
    if kind == "CAROUSEL_ALBUM":
        children = [as_dict(c) for c in as_list(as_dict(get("children")).get("data"))]
        items = tuple(item for item in map(media, children) if item is not None)
    elif kind == "IMAGE" or kind == "VIDEO":  # any other kind (text, repost…) carries no media
        item = media(m)
        items = (item,) if item is not None else ()
    hashtags, mentions, links = textlib.entity_values(text)
    attached = get("link_attachment_url")
    if attached is not None:
        attached = web_link(attached)  # a reader may open it: http(s) only, as the text's links are
        if attached and attached not in links:
            links = (*links, attached)
    topic = get("topic_tag")
    if topic is not None:
        topic = as_exact_str(topic)
    reply_to = ref_id(get("replied_to"))
    tags = (topic, *hashtags) if topic else hashtags
    return Post._trusted(
        {  # in Post's field order; the fields given are the fields set, as validation leaves them
            "network": NAME,
            "id": post_id,
            "url": web_link(get("permalink")),  # a javascript: or file: "permalink" is no link: None
            "author": author,
            "text": text,
            "created_at": timestamp(get("timestamp")),
            "reply_to": reply_to,
            "root_id": ref_id(get("root_post")) if reply_to else None,
            "quote_of": ref_id(get("quoted_post")),
            "tags": normalise_tags(tags) if tags else (),  # as Post's validator normalises them
            "mentions": mentions,
            "links": links,
            "media": items,
            "visibility": "public",
            "raw": dict(m),  # the post's own dict, as validation copies it
        }
    )


@lru_cache(maxsize=1024)
def _author(owner: str, named: bool) -> Account:
    """The author of a post, built once per account and shared by its posts.

    A post carries only the author's name (or id): the ``Account`` holds no
    ``raw`` and is frozen, so one instance can stand for every post by that
    author (a page of one profile's posts has one author).
    """
    return Account(network=NAME, id=owner, handle=owner, url=profile_url(owner) if named else None)


def hidden_author(post_id: str) -> Account:
    """The author of a post whose answer names none (Threads documents the username for public users
    and your own only, and ``owner`` for your own top-level posts only: a non-public account's reply).

    The post is kept, by an author that names no account: the handle :data:`HIDDEN` (brackets are in
    no Threads username, so it is no one's, as a made-up "unknown" would be), the id
    ``[hidden]:<post id>`` (one per post: two such posts are never taken for one author's, as an
    empty id would make them), no URL.
    """
    return Account(network=NAME, id=f"{HIDDEN}:{post_id}", handle=HIDDEN)


def named(ref: str) -> str:
    """A caller's handle (``@`` left off) for a profile request: the author of a post whose answer named
    none (handle :data:`HIDDEN`, id ``[hidden]:<post id>``, :func:`hidden_author`) names no profile, so
    it is ``InvalidInput`` before any request, not a lookup of a user called "[hidden]"."""
    name = ref.lstrip("@")
    if name == HIDDEN or name.startswith(f"{HIDDEN}:"):
        raise InvalidInput(
            f"{HIDDEN} is the author of a post whose answer did not name them (Threads names the authors"
            " of public and of your own posts only): it is no profile to read",
            network=NAME,
        )
    return name


def published(draft: Draft, post_id: str, username: str, root_id: str | None, *, named: bool = True) -> Post:
    """The post ``draft`` became (Threads answers a publish with its id only), dated now.

    The same fields ``post`` reads from the media endpoint, taken from the draft
    as sent: text, media, topic tag, link attachment, reply and quote. ``named``
    is false when ``username`` is only the user id (the username could not be read).
    """
    text = draft.text
    hashtags, mentions, links = textlib.entity_values(text)
    if draft.link is not None and draft.link.url not in links:
        links = (*links, draft.link.url)
    topic = topic_tag(draft)
    return Post.model_validate(
        {
            "network": NAME,
            "id": post_id,
            "author": _author(username, named),
            "text": text,
            "created_at": datetime.now(timezone.utc),
            "reply_to": draft.reply_to,
            "root_id": root_id if draft.reply_to else None,
            "quote_of": draft.quote_of,
            "tags": (topic, *hashtags) if topic else hashtags,
            "mentions": mentions,
            "links": links,
            "media": tuple(Media(kind=m.kind, url=m.url, alt_text=m.alt_text) for m in draft.media),
            "visibility": "public",
            "raw": {"id": post_id, "published_from_draft": True},
        }
    )


def quota(body: Mapping[str, Any]) -> PublishingQuota:
    """The ``threads_publishing_limit`` answer (Threads' documented defaults where a figure is missing)."""
    row = as_dict((as_list(body.get("data")) or [{}])[0])
    config = as_dict(row.get("config"))
    reply_config = as_dict(row.get("reply_config"))
    return PublishingQuota(
        posts_used=as_count(row.get("quota_usage")) or 0,
        posts_total=as_count(config.get("quota_total")) or 250,
        replies_used=as_count(row.get("reply_quota_usage")),
        replies_total=as_count(reply_config.get("quota_total")),
        window_seconds=as_count(config.get("quota_duration")) or 86400,
    )


def engagement(body: Mapping[str, Any]) -> Engagement:
    """A post's insights: the first value of each metric's series, or its total."""
    values: dict[str, int] = {}
    for entry in map(as_dict, as_list(body.get("data"))):
        name = str(entry.get("name"))
        series = as_list(entry.get("values"))
        first = as_count(as_dict(series[0]).get("value")) if series else None
        total = as_count(as_dict(entry.get("total_value")).get("value"))
        if first is not None:
            values[name] = first
        elif total is not None:
            values[name] = total
    return Engagement(**{k: values.get(k) for k in INSIGHT_METRICS})


def account_insights(
    body: Mapping[str, Any], since: datetime | None, until: datetime | None
) -> AccountInsights:
    """Account insights: totals where given, else the sum of the daily series; views also by day."""
    totals: dict[str, int] = {}
    days: list[DailyValue] = []
    for entry in map(as_dict, as_list(body.get("data"))):
        name = str(entry.get("name"))
        total = as_count(as_dict(entry.get("total_value")).get("value"))
        if total is not None:
            totals[name] = total
        series = [
            DailyValue(end_time=timestamp(v.get("end_time")), value=as_count(v.get("value")) or 0)
            for v in map(as_dict, as_list(entry.get("values")))
        ]
        if series:
            if name == "views":
                days = series
            totals.setdefault(name, sum(v.value for v in series))
        if name == "clicks" and entry.get("link_total_values") is not None:
            links = map(as_dict, as_list(entry.get("link_total_values")))
            totals.setdefault(name, sum(as_count(v.get("value")) or 0 for v in links))
    return AccountInsights(
        since=since,
        until=until,
        views=totals.get("views"),
        views_by_day=tuple(days),
        likes=totals.get("likes"),
        replies=totals.get("replies"),
        reposts=totals.get("reposts"),
        quotes=totals.get("quotes"),
        clicks=totals.get("clicks"),
        followers=totals.get("followers_count"),
        raw=dict(body),
    )


def token(body: Any) -> ThreadsToken:
    """A token endpoint's answer; one without an access token is an ``AuthenticationError``."""
    answer = read_token(body)
    if answer is None:
        raise AuthenticationError(
            f"the Threads token endpoint answered without an access token; {REFRESH_HINT}", network=NAME
        )
    return ThreadsToken(
        access_token=answer.access_token,
        token_type=answer.token_type,
        expires_in=answer.expires_in,
        expires_at=answer.expires_at,
    )


def as_utc(value: datetime | date | None) -> datetime | None:
    """A caller's ``since``/``until``: a date is its midnight UTC, a naive datetime is UTC."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if not isinstance(value, date):  # a string or a timestamp: say so before any request
        raise InvalidInput(
            f"since and until take a date or datetime, not {type(value).__name__}", network=NAME
        )
    return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
