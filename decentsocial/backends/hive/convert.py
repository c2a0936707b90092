"""Node answers → neutral models: bridge posts, profiles, communities, notifications, rewards.

Pure functions: no I/O, no connection. Fields are read leniently through
:mod:`decentsocial.coerce`; a field a model cannot do without (a post's
author and permlink, an amount) raises :func:`~decentsocial.coerce.malformed`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from decimal import Decimal, DecimalException
from typing import Any

from ... import coerce
from ...coerce import (
    as_count,
    as_dict,
    as_exact_str,
    as_int,
    as_list,
    as_notification_kind,
    as_str,
    malformed,
)
from ...errors import InvalidInput, NetworkUnavailable
from ...models import (
    Account,
    Amount,
    Community,
    Engagement,
    Media,
    Notification,
    NotificationKind,
    Post,
    Reward,
    RewardPart,
    RewardStatus,
    normalise_tags,
)
from .chain import Chain, wrong_chain

__all__ = [
    "REWARD_OPS",
    "Seen",
    "account_from_profile",
    "amount_of",
    "as_datetime",
    "chain_account",
    "chain_props",
    "claimable_reward",
    "community_from_bridge",
    "history_index",
    "notification_from_bridge",
    "post_from_bridge",
    "reward_from_history",
    "reward_of_post",
]

#: Reward kinds → account_history_api operation_filter_low bits (hived operation numbers).
REWARD_OPS = {"claim": 39, "author": 51, "curation": 52, "benefactor": 63}
#: History operation types → the reward kind they are.
OP_KIND = {
    "author_reward_operation": "author",
    "curation_reward_operation": "curation",
    "comment_benefactor_reward_operation": "benefactor",
    "claim_reward_balance_operation": "claim",
}

#: The form nodes write amounts in (``"1.000 HBD"``): digits, a point, digits, one space, the asset.
_PLAIN_AMOUNT = re.compile(r"([0-9]{1,20}\.[0-9]{1,19}) ([A-Z]{1,16})")
_build_amount = Amount._builder()
_NAI = {"@@000000013": "backed", "@@000000021": "liquid", "@@000000037": "VESTS"}


def as_datetime(value: Any) -> datetime | None:
    """:func:`decentsocial.coerce.as_datetime`, with integers too large for a float read as unreadable.

    (The shared reader turns an int into a float first, which overflows past 1e308.) Hive's own
    form is read here at once: a post has one or three times, and the shared reader's calls cost
    as much again as the parse.
    """
    if type(value) is str and len(value) == 19 and value[10] == "T":  # Hive's own (``2016-07-13T08:29:15``)
        try:
            parsed = datetime.fromisoformat(value + "+00:00")
        except ValueError:
            pass  # no such time, or another form of 19 characters: read below
        else:
            if parsed.tzinfo is timezone.utc:
                return parsed
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**15:
        return None
    return coerce.as_datetime(value)


#: Unset times (payout of a paid post, last update) come as 1969/1970: ``as_datetime`` reads them as None.
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def amount_of(value: Any, chain: Chain) -> Amount:
    """``"1.000 HBD"`` or ``{"amount": "1000", "precision": 3, "nai": "@@000000013"}`` → exact Amount.

    An amount in the other chain's asset (SBD for Hive) is :func:`~.chain.wrong_chain`'s
    ``ConfigurationError``: the node serves that chain. (A NAI names no chain: not checked.)
    """
    try:
        if isinstance(value, str):
            plain = _PLAIN_AMOUNT.fullmatch(value)
            if plain is not None:  # what Amount.parse builds of it (at most 40 digits: no size check)
                asset = plain[2]
                if asset in chain.other_assets:  # two string comparisons: a node of the other chain
                    raise wrong_chain(chain, asset)
                return _build_amount({"value": Decimal(plain[1]), "asset": asset})
            parsed = Amount.parse(value)
            if parsed.asset in chain.other_assets:
                raise wrong_chain(chain, parsed.asset)
            return parsed
        if isinstance(value, Mapping) and isinstance(value.get("nai"), str):
            kind = _NAI.get(value["nai"])
            asset = {"backed": chain.backed, "liquid": chain.liquid}.get(
                kind or "", kind or str(value["nai"])
            )
            places = as_int(value.get("precision"))
            if places is not None:
                return Amount(value=Decimal(str(value["amount"])).scaleb(-places), asset=asset)
    except (InvalidInput, DecimalException, KeyError, TypeError, ValueError):
        pass  # a pydantic ValidationError is a ValueError
    raise malformed(chain.network, "amount")


def chain_props(answer: Any, chain: Chain) -> Mapping[str, Any]:
    """``get_dynamic_global_properties`` as a dict, after checking its supply is in this chain's asset:
    read before each signature, so a transaction is never signed for a node of the other chain (which
    refuses it as a bad signature, an error that blames the key)."""
    props = as_dict(answer)
    _served_by(props.get("current_supply"), chain)  # "157464400.971 HIVE"
    return props


def chain_account(entry: dict[str, Any], chain: Chain) -> dict[str, Any]:
    """A ``get_accounts`` entry, after checking its balance is in this chain's asset: read before its
    keys judge one (a Steem node lists the account's Steem keys: a Hive key checked there would be
    refused as not the account's, and a key import would save keys checked on the other chain)."""
    _served_by(entry.get("balance"), chain)  # "12.345 HIVE"
    return entry


def _served_by(amount: Any, chain: Chain) -> None:
    """:func:`~.chain.wrong_chain` for an amount text in the other chain's asset (a NAI names none)."""
    if type(amount) is str and (asset := amount.rpartition(" ")[2]) in chain.other_assets:
        raise wrong_chain(chain, asset)


def _amount_or_zero(value: Any, chain: Chain, seen: Seen | None = None) -> Amount:
    if seen is None or not (value is None or isinstance(value, str)):
        return Amount.zero(chain.backed, 3) if value is None else amount_of(value, chain)
    found = seen.amounts.get(value)
    if found is None:
        found = seen.amounts[value] = (
            Amount.zero(chain.backed, 3) if value is None else amount_of(value, chain)
        )
    return found


#: The fields a bridge post sets (the others keep their defaults, as before: unset).
_POST_UNSET = {"quote_of", "language", "content_warning", "visibility", "reposted_by"}
_POST_GIVEN = frozenset(Post.model_fields) - _POST_UNSET
#: The models built here, each from every field in its order (``_Model._trusted`` without its lookups).
_build_post = Post._builder(_POST_GIVEN)
_build_reward = Reward._builder()
_build_part = RewardPart._builder()  # a share paid (its amounts set)
_build_beneficiary = RewardPart._builder(frozenset({"role", "account"}))  # a share to come
_build_account = Account._builder(frozenset({"network", "id", "handle", "url", "raw"}))
_NO_ACCOUNT = dict.fromkeys(Account.model_fields)  # each field None (Account's defaults)
_build_engagement = Engagement._builder(frozenset({"likes", "replies", "reposts"}))
_build_media = Media._builder(frozenset({"kind", "url"}))
#: The reputations :meth:`Seen.author` keys its accounts by (JSON's).
_KEYED = (int, float, str, type(None))
#: What :meth:`Seen.time` has not read yet.
_UNREAD: Any = object()
#: What the same two amount texts always give: status, total, the author's amounts, the curators' share.
_Payout = tuple[RewardStatus, tuple[Amount], tuple[Amount], RewardPart]


class Seen:
    """What the posts of one answer share, built once for that answer and then reused.

    A discussion or a page repeats its authors and a few amount texts ("0.000
    HBD" on most posts): the models are frozen, so one instance serves every
    post that carries the same value. Keys are exact (an amount by its text, an
    author by name and reputation *and its type*, so 60 and 60.0, equal but not
    the same JSON, each keep their own ``raw``). One ``Seen`` per answer: it is
    not a cache across calls.
    """

    __slots__ = ("amounts", "authors", "curators", "engagements", "payouts", "tag_sets", "times")

    def __init__(self) -> None:
        self.amounts: dict[str | None, Amount] = {}  # None: the zero of an amount the post leaves out
        self.authors: dict[tuple[str, type, Any], Account] = {}
        self.curators: dict[int, RewardPart] = {}  # by the id of an Amount from ``amounts``
        self.engagements: dict[tuple[int, int | None, int | None], Engagement] = {}
        self.payouts: dict[tuple[str | None, str | None], _Payout] = {}
        self.tag_sets: dict[tuple[Any, ...], tuple[str, ...]] = {}  # by category and metadata tags
        self.times: dict[str, datetime | None] = {}

    def tags(self, listed: Any, category: str | None) -> tuple[str, ...]:
        """:func:`_post_tags`, each pair of category and metadata tags worked out once (a discussion
        repeats them). Keys are the values themselves: equal values give equal tags."""
        try:
            key = (category, *listed) if type(listed) is list else (category, listed)
            found = self.tag_sets.get(key)
        except TypeError:  # an unhashable item: worked out each time
            return _post_tags(listed, category)
        if found is None:
            found = self.tag_sets[key] = _post_tags(listed, category)
        return found

    def time(self, value: Any) -> datetime | None:
        """:func:`as_datetime` of ``value``, each text read once (a thread repeats its payout time)."""
        if type(value) is not str:
            return as_datetime(value)
        found = self.times.get(value, _UNREAD)
        if found is _UNREAD:
            found = self.times[value] = as_datetime(value)
        return found  # type: ignore[no-any-return]

    def paid(self, author_value: Any, curator_value: Any, chain: Chain) -> _Payout:
        """A paid post's status, total, author's amounts and curators' share; each pair of amount texts
        read and added once (most posts of a discussion were paid "0.000 HBD" twice)."""
        texts = (author_value is None or type(author_value) is str) and (
            curator_value is None or type(curator_value) is str
        )
        found = self.payouts.get((author_value, curator_value)) if texts else None
        if found is None:
            author_part = _amount_or_zero(author_value, chain, self)
            curator_part = _amount_or_zero(curator_value, chain, self)
            if author_part.asset != curator_part.asset:  # the node's answer: never the caller's input
                raise malformed(chain.network, "post payout (author and curators paid in different assets)")
            total = author_part + curator_part
            status: RewardStatus = "paid" if total.value > 0 else "none"
            found = (status, (total,), (author_part,), self.curator(curator_part))
            if texts:
                self.payouts[(author_value, curator_value)] = found
        return found

    def author(self, name: str, chain: Chain, reputation: Any) -> Account:
        if not isinstance(reputation, _KEYED):  # perhaps not hashable: built each time
            return author_account(name, chain, reputation)
        key = (name, type(reputation), reputation)
        found = self.authors.get(key)
        if found is None:
            found = self.authors[key] = author_account(name, chain, reputation)
        return found

    def curator(self, part: Amount) -> RewardPart:
        """The curators' share of a paid post (the same for every post paid the same amount text)."""
        found = self.curators.get(id(part))  # the part it holds keeps that id taken
        if found is None:
            found = self.curators[id(part)] = _build_part(
                {"role": "curator", "account": "", "amounts": (part,)}
            )
        return found

    def engagement(self, likes: int, replies: int | None, reposts: int | None) -> Engagement:
        key = (likes, replies, reposts)
        found = self.engagements.get(key)
        if found is None:
            if (
                type(likes) is int
                and (replies is None or type(replies) is int)
                and (reposts is None or type(reposts) is int)
            ):
                found = _build_engagement(
                    {
                        "likes": likes,
                        "reposts": reposts,
                        "replies": replies,
                        "quotes": None,
                        "views": None,
                        "shares": None,
                    }
                )
            else:  # an int subclass: validation makes it an int
                found = Engagement(likes=likes, replies=replies, reposts=reposts)
            self.engagements[key] = found
        return found


#: An image: its alt text (brackets and backslashes in it escaped, as this library writes them) and URL.
#: Neither these nor the patterns below run past the next opening bracket: a body of 64 KB of '[' (or
#: '<') took seconds, each one scanned to the end, and a hostile post could stall every read of its thread.
_IMAGE = re.compile(r"!\[((?:\\[\\\[\]]|\\(?![\\\[\]])|[^\[\]\\])*)\]\([^)\[]*\)")
_ESCAPED_IN_ALT = re.compile(r"\\([\\\[\]])")
_LINK = re.compile(r"\[([^\[\]]*)\]\(([^)\[]*)\)")
_HTML = re.compile(r"<[^<>]+>")
#: A heading's marks: up to three spaces, one to six '#', then a space or the line's end (CommonMark).
#: Not ``\s``: it spans lines, and "#photography" (a hashtag) or the blank line before a heading went too.
_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}(?:[ \t]+|(?=\r)|$)", re.MULTILINE)
_MARKS = re.compile(r"(\*\*|__|~~|`)")


def _image_text(image: re.Match[str]) -> str:
    """An image as plain text: its alt text, unescaped."""
    alt = image[1]
    return _ESCAPED_IN_ALT.sub(r"\1", alt) if "\\" in alt else alt


def markdown_to_text(body: str) -> str:
    """Plain text from Hive's markdown/HTML bodies: images dropped, links to their text, marks removed,
    ``@`` WORD JOINER (another network's mention, see ``ops.body_text``) read as the ``@`` it was.

    Each pass runs only when its marker is in the text (most replies are plain text).
    """
    text = body
    if "@\u2060" in text:  # a mention of another network's account, as ``ops.body_text`` writes it
        text = text.replace("@\u2060", "@")
    if "](" in text:
        text = _IMAGE.sub(_image_text, text) if "![" in text else text
        text = _LINK.sub(r"\1", text)
    if "<" in text:
        text = _HTML.sub("", text)
    if "#" in text:
        text = _HEADING.sub("", text)
    if "*" in text or "_" in text or "~" in text or "`" in text:
        text = _MARKS.sub("", text)
    return text.strip()


def _metadata(post: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = post.get("json_metadata")
    if isinstance(meta, str):
        try:
            meta = json.loads(meta)
        except (ValueError, RecursionError):  # text nested past the parser's stack is no metadata either
            return {}
    return as_dict(meta)


def _strings(value: Any) -> list[str]:
    """The strings of a string or a list (other items dropped), each exactly ``str``."""
    if isinstance(value, str):
        return [str.__str__(value)]
    return [v if type(v) is str else str.__str__(v) for v in as_list(value) if isinstance(v, str)]


def _post_tags(listed: Any, category: str | None) -> tuple[str, ...]:
    """A post's tags: the metadata's (``listed``), after ``category`` (a top-level post's) unless listed,
    normalised as Post's validator does."""
    tags = [t for t in _strings(listed) if t.strip()] if listed is not None else []
    if category and category not in [t.lower() for t in tags]:
        tags.insert(0, category)
    return normalise_tags(tags) if tags else ()


def _images(value: Any) -> tuple[Media, ...]:
    """The web images a post's metadata lists (other strings dropped). A scheme is case-insensitive
    (RFC 3986): ``HTTPS://…`` is a web image too."""
    if value is None:
        return ()
    urls = [u for u in _strings(value) if u[:8].lower().startswith(("http://", "https://"))]
    return tuple([_image(u) for u in urls]) if urls else ()


def _image(url: str) -> Media:
    """``Media(kind="image", url=url)`` as validation builds it (a URL alone passes its checks)."""
    return _build_media(
        {  # every field in Media's order
            "kind": "image",
            "path": None,
            "data": None,
            "url": url,
            "mime_type": None,
            "alt_text": None,
            "width": None,
            "height": None,
        }
    )


def _name(item: Mapping[str, Any], key: str, chain: Chain, what: str) -> str:
    value = as_exact_str(item.get(key))
    if not value:
        raise malformed(chain.network, what)
    return value


def author_account(name: str, chain: Chain, reputation: Any = None) -> Account:
    """The Account of a name as posts and notifications carry it (no profile read)."""
    raw = {"reputation": reputation} if reputation is not None else None
    name = name if type(name) is str else str.__str__(name)
    values = _NO_ACCOUNT.copy()  # every field in Account's order (a literal costs more)
    values["network"] = chain.network
    values["id"] = values["handle"] = name
    values["url"] = f"{chain.web_url}/@{name}"
    values["raw"] = raw
    return _build_account(values)


def _root_of(url_path: str) -> str | None:
    """A reply's url is ``/category/@root-author/root-permlink#@author/permlink``."""
    if "#" not in url_path:
        return None
    root = url_path.partition("#")[0].rpartition("/@")[2]
    return root if "/" in root else None


def post_from_bridge(post: Mapping[str, Any], chain: Chain, seen: Seen | None = None) -> Post:
    """A bridge post (get_post, get_account_posts, get_ranked_posts, get_discussion) → Post.

    ``post`` is decoded JSON (string keys). ``seen`` (a new :class:`Seen` for
    each answer) lets the posts of one answer share the authors, amounts,
    times and counts they repeat. The post and its reward are built from
    values read here into exactly what validation would make of them
    (:meth:`~decentsocial.models.Post._trusted`): a discussion's conversion
    costs a few microseconds a post instead of the request's time again.
    """
    if seen is None:
        seen = Seen()
    get = post.get
    # Each field read through its reader only when it is not already of the type JSON gives it.
    author, permlink = get("author"), get("permlink")
    if type(author) is not str or not author:
        author = _name(post, "author", chain, "post (no author)")
    if type(permlink) is not str or not permlink:
        permlink = _name(post, "permlink", chain, "post (no permlink)")
    post_id = f"{author}/{permlink}"
    meta = get("json_metadata")
    if type(meta) is not dict:
        meta = _metadata(post)
    depth = get("depth")
    depth = (depth if type(depth) is int else as_int(depth)) or 0
    category = get("category") if depth == 0 else None  # a reply's is its root's: not among its tags
    if category is not None and type(category) is not str:
        category = as_exact_str(category)
    parent_author = get("parent_author")
    parent_author = (parent_author if type(parent_author) is str else as_str(parent_author)) or None
    parent_permlink = get("parent_permlink")
    if type(parent_permlink) is not str:
        parent_permlink = as_str(parent_permlink)
    reply_to = (
        f"{parent_author}/{parent_permlink}" if parent_author and parent_permlink and depth > 0 else None
    )
    url_path = get("url")
    url_path = (url_path if type(url_path) is str else as_str(url_path)) or f"/@{author}/{permlink}"
    body, title, community = get("body"), get("title"), get("community")
    children, reblogs = get("children"), get("reblogs")
    likes = 0
    for vote in as_list(get("active_votes")):
        rshares = vote.get("rshares") if type(vote) is dict else as_dict(vote).get("rshares")
        if type(rshares) is int:
            likes += rshares > 0
        elif (as_int(rshares) or 0) > 0:
            likes += 1
    created_text, updated_text = get("created"), get("updated")
    created = as_datetime(created_text) or _EPOCH  # each post's own: nothing to share
    if type(updated_text) is str and type(created_text) is str and updated_text == created_text:
        updated = None  # never edited (most posts): the same time, not read again
    else:
        updated = seen.time(updated_text)
    image, users, links = meta.get("image"), meta.get("users"), meta.get("links")
    return _build_post(
        {  # every field in Post's order; the ones in _POST_GIVEN are set
            "network": chain.network,
            "id": post_id,
            "url": f"{chain.web_url}{url_path}",
            "author": seen.author(author, chain, get("author_reputation")),
            "text": markdown_to_text((body if type(body) is str else as_str(body)) or ""),
            "title": ((title if type(title) is str else as_exact_str(title)) or None) if depth == 0 else None,
            "created_at": created,
            "edited_at": updated if updated and updated != created else None,
            "reply_to": reply_to,
            "root_id": _root_of(url_path) if reply_to else None,
            "quote_of": None,
            "tags": seen.tags(meta.get("tags"), category or None),
            "mentions": tuple([m.lstrip("@") for m in _strings(users)]) if users is not None else (),
            "links": tuple(_strings(links)) if links is not None else (),
            "media": _images(image) if image is not None else (),
            "community": (
                (community if type(community) is str else as_exact_str(community)) or None
                if community is not None
                else None  # a reply's (most posts of a discussion): not read
            ),
            "language": None,
            "content_warning": None,
            "visibility": None,
            "reposted_by": None,
            "metrics": seen.engagement(
                likes,
                0 if children is None else as_count(children),  # none sent: none; unreadable: unknown
                as_count(reblogs),
            ),
            "reward": _reward(post, chain, seen, author, post_id),
            "raw": dict(post),  # the post's own dict, as validation copies it
        }
    )


def reward_of_post(post: Mapping[str, Any], chain: Chain, seen: Seen | None = None) -> Reward:
    """Pending or paid payout of a bridge post: totals, author/curator split once paid, beneficiaries.

    ``seen``: as in :func:`post_from_bridge`.
    """
    author = _name(post, "author", chain, "post (no author)")
    subject = f"{author}/{_name(post, 'permlink', chain, 'post (no permlink)')}"
    return _reward(post, chain, seen if seen is not None else Seen(), author, subject)


def _reward(post: Mapping[str, Any], chain: Chain, seen: Seen, author: str, subject: str) -> Reward:
    get = post.get
    payout_at = seen.time(get("payout_at"))
    listed = [b for b in as_list(found) if isinstance(b, Mapping)] if (found := get("beneficiaries")) else []
    beneficiaries = (
        tuple(
            [
                _build_beneficiary({"role": "beneficiary", "account": name, "amounts": ()})
                for b in listed
                if (name := as_exact_str(b.get("account")))
            ]
        )
        if listed
        else ()
    )
    raw = {
        "beneficiaries": [dict(b) for b in listed],
        "max_accepted_payout": get("max_accepted_payout"),
        "percent": get(chain.percent_field, get("percent_hbd")),
    }
    status: RewardStatus
    parts: tuple[RewardPart, ...]
    amounts: tuple[Amount, ...]
    if get("is_paidout"):
        status, amounts, earned, curator = seen.paid(
            get("author_payout_value"), get("curator_payout_value"), chain
        )
        share = _build_part({"role": "author", "account": author, "amounts": earned})
        parts = (share, curator, *beneficiaries) if beneficiaries else (share, curator)
    else:
        pending = _amount_or_zero(get("pending_payout_value"), chain, seen)
        if pending.value and (most := get("max_accepted_payout")) is not None:
            pending = _capped(pending, most, chain, seen)
        status, amounts, parts = "pending", (pending,), beneficiaries
    return _build_reward(
        {
            "network": chain.network,
            "subject": subject,
            "status": status,
            "amounts": amounts,
            "payout_at": payout_at,
            "parts": parts,
            "raw": raw,
        }
    )


def _capped(pending: Amount, most: Any, chain: Chain, seen: Seen) -> Amount:
    """A pending payout as hived will pay it: at most the post's ``max_accepted_payout`` (zero when the
    author declined the payout). Bridge sends the votes' worth uncapped; front ends show the cap."""
    try:
        cap = _amount_or_zero(most, chain, seen)
    except NetworkUnavailable:  # unreadable: the payout as sent (the cap stays in raw)
        return pending
    return cap if cap.asset == pending.asset and cap.value < pending.value else pending


def account_from_profile(profile: Mapping[str, Any], chain: Chain) -> Account:
    """A bridge profile → Account with followers/following/post count."""
    name = _name(profile, "name", chain, "profile (no name)")
    about = as_dict(as_dict(profile.get("metadata")).get("profile"))
    stats = as_dict(profile.get("stats"))
    return Account(
        network=chain.network,
        id=name,
        handle=name,
        display_name=as_str(about.get("name")) or None,
        url=f"{chain.web_url}/@{name}",
        bio=as_str(about.get("about")) or None,
        avatar_url=as_str(about.get("profile_image")) or None,
        followers=as_count(stats.get("followers")),
        following=as_count(stats.get("following")),
        posts_count=as_count(profile.get("post_count")),
        created_at=as_datetime(profile.get("created")),
        raw=dict(profile),
    )


def community_from_bridge(community: Mapping[str, Any], chain: Chain) -> Community:
    """A bridge community (get_community, list_communities) → Community."""
    name = _name(community, "name", chain, "community (no name)")
    return Community(
        network=chain.network,
        id=name,
        name=name,
        title=as_str(community.get("title")) or None,
        description=as_str(community.get("about")) or as_str(community.get("description")) or None,
        members=as_count(community.get("subscribers")),
        url=f"{chain.web_url}/trending/{name}",
        raw=dict(community),
    )


#: The bridge types named otherwise than the neutral kinds ("transfer", "subscribe"… are "other").
_RENAMED_KINDS: dict[str, NotificationKind] = {"reply_comment": "reply", "vote": "like", "reblog": "repost"}


def notification_from_bridge(item: Mapping[str, Any], chain: Chain) -> Notification:
    """A bridge account_notifications entry → Notification (the acting account from its message)."""
    kind = as_notification_kind(as_str(item.get("type")) or "", _RENAMED_KINDS)
    actor = re.match(r"@([a-z0-9.-]+)", as_str(item.get("msg")) or "")
    url = as_str(item.get("url")) or ""
    post_id = url.lstrip("@") if url.startswith("@") and "/" in url else None
    raw = dict(item)
    if post_id:
        raw["post_id"] = post_id
    return Notification(
        network=chain.network,
        id=_name(item, "id", chain, "notification (no id)"),
        kind=kind,
        created_at=as_datetime(item.get("date")) or _EPOCH,
        account=author_account(actor.group(1), chain) if actor else None,
        raw=raw,
    )


# ---------------------------------------------------------------- rewards


def claimable_reward(account: Mapping[str, Any], chain: Chain) -> Reward:
    """An account's unclaimed reward balances (condenser_api.get_accounts) → Reward.

    Amounts are always (backed, liquid, VESTS, power), zero when absent; the
    field names differ between Hive and Steem, the labels follow ``chain``.
    Each balance must be in the asset its field holds (the power one is counted
    in the liquid asset): another one is the node's malformed answer, or a node of
    the other chain, and claiming it would sign an operation for the wrong asset.
    """

    def field(names: tuple[str, ...], asset: str, places: int = 3, held: str | None = None) -> Amount:
        for name in names:
            if name in account:
                amount = amount_of(account[name], chain)
                if amount.asset != (held or asset):
                    raise malformed(chain.network, f"{name} (in {amount.asset}, not {held or asset})")
                if _decimal_places(amount.value) > places:
                    # No balance on chain is finer; claiming it would blame the caller's input.
                    raise malformed(chain.network, f"{name} (more than {places} decimal places)")
                return Amount(value=amount.value, asset=asset)
        return Amount.zero(asset, places)

    amounts = (
        field(("reward_hbd_balance", "reward_sbd_balance"), chain.backed),
        field(("reward_hive_balance", "reward_steem_balance"), chain.liquid),
        field(("reward_vesting_balance",), "VESTS", 6),
        field(("reward_vesting_hive", "reward_vesting_steem"), chain.power, held=chain.liquid),
    )
    name = _name(account, "name", chain, "account (no name)")
    return Reward(
        network=chain.network,
        subject=name,
        status="claimable" if any(a.value > 0 for a in amounts[:3]) else "none",
        amounts=amounts,
        raw={"name": name},
    )


def _decimal_places(value: Decimal) -> int:
    """How many decimal places ``value`` needs (``1.500`` needs 1), without any context rounding."""
    _, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int) or not any(digits):  # zero (or no number) needs none
        return 0
    zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -(exponent + zeros))


def history_index(entry: Any) -> int | None:
    """The index of an ``[index, {...}]`` account history entry (None when it has none)."""
    return as_int(entry[0]) if isinstance(entry, list) and entry else None


_PAYOUTS = ("hbd_payout", "sbd_payout", "hive_payout", "steem_payout", "vesting_payout")
_CLAIMED = ("reward_hive", "reward_steem", "reward_hbd", "reward_sbd", "reward_vests")


def reward_from_history(entry: Any, account: str, chain: Chain, kinds: frozenset[str]) -> Reward | None:
    """The reward ``account`` earned in an account history entry, if it is one of ``kinds``.

    None for other operations, and for a beneficiary reward paid from
    ``account``'s post to someone else (hived lists it in both histories).
    """
    if not isinstance(entry, list) or len(entry) < 2:
        return None
    item = as_dict(entry[1])
    op = as_dict(item.get("op"))
    kind = OP_KIND.get(as_str(op.get("type")) or "")
    value = as_dict(op.get("value"))
    if kind is None or kind not in kinds:
        return None
    if kind == "benefactor" and value.get("benefactor", account) != account:
        return None
    if kind == "claim":
        keys: tuple[str, ...] = _CLAIMED
        subject = account
    else:
        keys = ("reward", *_PAYOUTS) if kind != "author" else _PAYOUTS
        author = value.get("author", value.get("comment_author"))
        subject = f"{author}/{value.get('permlink', value.get('comment_permlink'))}"
    amounts = _summed([amount_of(value[key], chain) for key in keys if key in value])
    part = RewardPart(
        role={"curation": "curator", "benefactor": "beneficiary"}.get(kind, kind),
        account=account,
        amounts=amounts,
    )
    return Reward(
        network=chain.network,
        subject=subject,
        status="paid",
        amounts=amounts,
        payout_at=as_datetime(item.get("timestamp")),
        parts=(part,),
        raw={"index": entry[0], "op": op, "trx_id": item.get("trx_id"), "block": item.get("block")},
    )


def _summed(amounts: list[Amount]) -> tuple[Amount, ...]:
    """One amount per asset, in first-seen order."""
    seen: dict[str, Amount] = {}
    for a in amounts:
        seen[a.asset] = seen[a.asset] + a if a.asset in seen else a
    return tuple(seen.values())
