"""Bridge API payloads (posts, profiles, communities, notifications) and chain amounts → neutral models."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from ...errors import NetworkUnavailable
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
)
from .ops import Chain

__all__ = [
    "account_from_profile",
    "amount_of",
    "community_from_bridge",
    "notification_from_bridge",
    "post_from_bridge",
    "reward_of_post",
]

_NAI = {"@@000000013": "backed", "@@000000021": "liquid", "@@000000037": "VESTS"}


def amount_of(value: Any, chain: Chain) -> Amount:
    """``"1.000 HBD"`` or ``{"amount": "1000", "precision": 3, "nai": "@@000000013"}`` → exact Amount."""
    if isinstance(value, str):
        return Amount.parse(value)
    if isinstance(value, Mapping) and "nai" in value:
        kind = _NAI.get(str(value["nai"]))
        asset = {"backed": chain.backed, "liquid": chain.liquid}.get(kind or "", kind or str(value["nai"]))
        return Amount(value=Decimal(str(value["amount"])).scaleb(-int(value["precision"])), asset=asset)
    raise NetworkUnavailable(f"unexpected amount {value!r} from the node", network=chain.network)


def when(value: Any) -> datetime | None:
    """Hive's naive UTC timestamps (``2016-09-15T19:47:21`` or with a space)."""
    if not isinstance(value, str) or not value or value.startswith("1969") or value.startswith("1970"):
        return None
    return datetime.fromisoformat(value.replace(" ", "T").replace("Z", "")).replace(tzinfo=timezone.utc)


_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\(([^)]*)\)")
_TAG = re.compile(r"<[^>]+>")


def markdown_to_text(body: str) -> str:
    """Plain text from Hive's markdown/HTML bodies: images dropped, links to their text, marks removed."""
    text = _IMAGE.sub(lambda m: m.group(1), body)
    text = _LINK.sub(lambda m: m.group(1), text)
    text = _TAG.sub("", text)
    text = re.sub(r"^\s{0,3}#{1,6}\s*", "", text, flags=re.MULTILINE)
    text = re.sub(r"(\*\*|__|~~|`)", "", text)
    return text.strip()


def _metadata(post: Mapping[str, Any]) -> dict[str, Any]:
    meta = post.get("json_metadata")
    if isinstance(meta, str):
        try:
            meta = json.loads(meta)
        except ValueError:
            return {}
    return meta if isinstance(meta, dict) else {}


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def author_account(name: str, chain: Chain, reputation: Any = None) -> Account:
    raw = {"reputation": reputation} if reputation is not None else None
    return Account(network=chain.network, id=name, handle=name, url=f"{chain.web_url}/@{name}", raw=raw)


def _root_of(url_path: str) -> str | None:
    """A reply's url is ``/category/@root-author/root-permlink#@author/permlink``."""
    if "#" not in url_path:
        return None
    root = url_path.split("#")[0].rsplit("/@", 1)[-1]
    return root if "/" in root else None


def post_from_bridge(post: Mapping[str, Any], chain: Chain) -> Post:
    """A bridge post (get_post, get_account_posts, get_ranked_posts, get_discussion) → Post."""
    author = str(post["author"])
    permlink = str(post["permlink"])
    meta = _metadata(post)
    tags = [t for t in _strings(meta.get("tags")) if t.strip()]
    category = post.get("category")
    if (
        isinstance(category, str)
        and category
        and category not in [t.lower() for t in tags]
        and post.get("depth", 0) == 0
    ):
        tags.insert(0, category)
    parent_author = post.get("parent_author") or None
    depth = int(post.get("depth") or 0)
    reply_to = f"{parent_author}/{post['parent_permlink']}" if parent_author and depth > 0 else None
    url_path = str(post.get("url") or f"/@{author}/{permlink}")
    root_id = _root_of(url_path) if reply_to else None
    votes = post.get("active_votes") or []
    likes = sum(1 for v in votes if isinstance(v, Mapping) and int(v.get("rshares", 0) or 0) > 0)
    created = when(post.get("created")) or datetime(1970, 1, 1, tzinfo=timezone.utc)
    updated = when(post.get("updated"))
    images = [u for u in _strings(meta.get("image")) if u.startswith(("http://", "https://"))]
    return Post(
        network=chain.network,
        id=f"{author}/{permlink}",
        url=f"{chain.web_url}{url_path}",
        author=author_account(author, chain, post.get("author_reputation")),
        text=markdown_to_text(str(post.get("body") or "")),
        title=(post.get("title") or None) if depth == 0 else None,
        created_at=created,
        edited_at=updated if updated and updated != created else None,
        reply_to=reply_to,
        root_id=root_id,
        tags=tuple(tags),
        mentions=tuple(m.lstrip("@") for m in _strings(meta.get("users"))),
        links=tuple(_strings(meta.get("links"))),
        media=tuple(Media(kind="image", url=u) for u in images),
        community=post.get("community") or None,
        metrics=Engagement(
            likes=likes,
            replies=int(post.get("children") or 0),
            reposts=int(post.get("reblogs") or 0) if post.get("reblogs") is not None else None,
        ),
        reward=reward_of_post(post, chain),
        raw=dict(post),
    )


def reward_of_post(post: Mapping[str, Any], chain: Chain) -> Reward:
    """Pending or paid payout of a bridge post: totals, author/curator split once paid, beneficiaries."""
    subject = f"{post['author']}/{post['permlink']}"
    paid = bool(post.get("is_paidout"))
    payout_at = when(post.get("payout_at"))
    beneficiaries = tuple(
        RewardPart(role="beneficiary", account=str(b["account"]))
        for b in post.get("beneficiaries") or []
        if isinstance(b, Mapping)
    )
    raw = {
        "beneficiaries": [dict(b) for b in post.get("beneficiaries") or [] if isinstance(b, Mapping)],
        "max_accepted_payout": post.get("max_accepted_payout"),
        "percent": post.get(chain.percent_field, post.get("percent_hbd")),
    }
    if paid:
        author_part = amount_of(post.get("author_payout_value", f"0.000 {chain.backed}"), chain)
        curator_part = amount_of(post.get("curator_payout_value", f"0.000 {chain.backed}"), chain)
        total = author_part + curator_part
        parts = (
            RewardPart(role="author", account=str(post["author"]), amounts=(author_part,)),
            RewardPart(role="curator", account="", amounts=(curator_part,)),
            *beneficiaries,
        )
        status = "paid" if total.value > 0 else "none"
        return Reward(
            network=chain.network,
            subject=subject,
            status=status,
            amounts=(total,),
            payout_at=payout_at,
            parts=parts,
            raw=raw,
        )
    pending = amount_of(post.get("pending_payout_value", f"0.000 {chain.backed}"), chain)
    return Reward(
        network=chain.network,
        subject=subject,
        status="pending",
        amounts=(pending,),
        payout_at=payout_at,
        parts=beneficiaries,
        raw=raw,
    )


def account_from_profile(profile: Mapping[str, Any], chain: Chain) -> Account:
    """A bridge profile → Account with followers/following/post count."""
    name = str(profile["name"])
    meta = _mapping(profile.get("metadata"))
    about = _mapping(meta.get("profile"))
    stats = _mapping(profile.get("stats"))
    return Account(
        network=chain.network,
        id=name,
        handle=name,
        display_name=about.get("name") or None,
        url=f"{chain.web_url}/@{name}",
        bio=about.get("about") or None,
        avatar_url=about.get("profile_image") or None,
        followers=_int(stats.get("followers")),
        following=_int(stats.get("following")),
        posts_count=_int(profile.get("post_count")),
        created_at=when(profile.get("created")),
        raw=dict(profile),
    )


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def community_from_bridge(community: Mapping[str, Any], chain: Chain) -> Community:
    name = str(community["name"])
    return Community(
        network=chain.network,
        id=name,
        name=name,
        title=community.get("title") or None,
        description=community.get("about") or community.get("description") or None,
        members=_int(community.get("subscribers")),
        url=f"{chain.web_url}/trending/{name}",
        raw=dict(community),
    )


_KINDS: dict[str, NotificationKind] = {
    "reply": "reply",
    "reply_comment": "reply",
    "mention": "mention",
    "follow": "follow",
    "vote": "like",
    "reblog": "repost",
    "transfer": "other",
    "subscribe": "other",
}


def notification_from_bridge(item: Mapping[str, Any], chain: Chain) -> Notification:
    """A bridge account_notifications entry → Notification (the acting account from its message)."""
    kind: NotificationKind = _KINDS.get(str(item.get("type")), "other")
    msg = str(item.get("msg") or "")
    actor = re.match(r"@([a-z0-9.-]+)", msg)
    url = str(item.get("url") or "")
    post_id = url.lstrip("@") if url.startswith("@") and "/" in url else None
    raw = dict(item)
    if post_id:
        raw["post_id"] = post_id
    return Notification(
        network=chain.network,
        id=str(item["id"]),
        kind=kind,
        created_at=when(item.get("date")) or datetime(1970, 1, 1, tzinfo=timezone.utc),
        account=author_account(actor.group(1), chain) if actor else None,
        raw=raw,
    )
