"""Sandbox rows turned into models, and the units the database keeps: pure functions, no I/O.

Times are stored as integer microseconds since the Unix epoch (UTC) and
amounts as integer thousandths of the sandbox asset, so ordering and sums
are exact; :func:`to_us`, :func:`from_us` and :class:`Economy` convert them.
A row is anything indexed by column name (:class:`Record`): the
``sqlite3.Row`` objects the transport returns are, but this module never
imports ``sqlite3``.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Protocol

from ...models import Account, Amount, Community, Engagement, Media, Notification, Post, Reward, RewardPart
from .settings import AMOUNT_PLACES, NETWORK, SandboxSettings

__all__ = [
    "FIRST_US",
    "LAST_US",
    "Economy",
    "Record",
    "account_from_row",
    "account_reward",
    "account_url",
    "author",
    "claimed_reward",
    "community_from_row",
    "fold",
    "from_us",
    "media_from_json",
    "media_to_json",
    "notification_from_row",
    "post_from_row",
    "post_reward",
    "post_url",
    "to_us",
]

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_PER_ASSET: int = 10**AMOUNT_PLACES


class Record(Protocol):
    """One database row, read by column name (``sqlite3.Row`` is one)."""

    def __getitem__(self, key: str, /) -> Any:
        """The value of column ``key``."""


def fold(text: str) -> str:
    """``text`` as search compares it: case-folded in NFKC, so "café" typed composed or
    decomposed, and compatibility forms (full-width letters, Arabic presentation forms), match."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def to_us(value: datetime) -> int:
    """A tz-aware datetime as integer microseconds since the epoch (how the database keeps time)."""
    return (value - EPOCH) // timedelta(microseconds=1)


def from_us(value: int) -> datetime:
    """Database time (microseconds since the epoch) as a UTC datetime."""
    return EPOCH + timedelta(microseconds=value)


#: The first and last instants a ``datetime`` can hold: every time the database keeps lies between.
FIRST_US = to_us(datetime.min.replace(tzinfo=timezone.utc))
LAST_US = to_us(datetime.max.replace(tzinfo=timezone.utc))


@dataclass(frozen=True)
class Economy:
    """The reward rules of one sandbox database, fixed when the database is created."""

    asset: str
    like_units: int
    payout_delay_us: int
    starting_units: int

    def amount(self, units: int) -> Amount:
        """Thousandths of the asset as an ``Amount`` ("1.000 SAND")."""
        sign, digits, _ = Decimal(units).as_tuple()
        return Amount(value=Decimal((sign, digits, -AMOUNT_PLACES)), asset=self.asset)

    @staticmethod
    def units(value: Decimal) -> int:
        """An amount in thousandths, the integer the database stores (any further places cut off).

        In integers, never in ``Decimal`` arithmetic: that rounds to the caller's decimal context,
        and a notebook's ``getcontext().prec = 4`` made a tip of 123.456 move 123.500.
        """
        numerator, denominator = value.as_integer_ratio()
        whole = abs(numerator) * _PER_ASSET // denominator
        return whole if numerator >= 0 else -whole

    @staticmethod
    def meta(settings: SandboxSettings) -> dict[str, str]:
        """The economy ``settings`` ask for, as the database's ``meta`` rows keep it."""
        return {
            "asset": settings.asset,
            "like_reward": str(Economy.units(settings.like_reward)),
            "payout_delay": str(settings.payout_delay // timedelta(microseconds=1)),
            "starting_balance": str(Economy.units(settings.starting_balance)),
        }

    @classmethod
    def from_meta(cls, meta: Mapping[str, str]) -> Economy:
        """The economy a database was created with, from its ``meta`` rows."""
        return cls(
            asset=meta["asset"],
            like_units=int(meta["like_reward"]),
            payout_delay_us=int(meta["payout_delay"]),
            starting_units=int(meta["starting_balance"]),
        )


def post_url(post_id: str) -> str:
    """The sandbox's address of a post (there is no web page behind it)."""
    return f"sandbox://posts/{post_id}"


def account_url(handle: str) -> str:
    """The sandbox's address of an account."""
    return f"sandbox://accounts/{handle}"


def author(handle: str, display_name: str | None) -> Account:
    """The short account shown on a post (counts come from ``account()``)."""
    return Account(
        network=NETWORK, id=handle, handle=handle, display_name=display_name, url=account_url(handle)
    )


def media_to_json(media: tuple[Media, ...]) -> str:
    """Attachments as the text the ``posts.media`` column keeps."""
    return json.dumps([item.model_dump_json(exclude_none=True) for item in media])


def media_from_json(text: str) -> tuple[Media, ...]:
    """The attachments kept in a ``posts.media`` column."""
    return tuple(Media.model_validate_json(item) for item in json.loads(text))


#: Columns of ``posts`` that are ``Post`` fields of the same name and value.
_POST_COLUMNS = (
    "id",
    "text",
    "title",
    "reply_to",
    "root_id",
    "quote_of",
    "community",
    "language",
    "content_warning",
    "visibility",
)


def post_from_row(row: Record, reposted_by: Account | None = None) -> Post:
    """A ``Post`` from a row of ``store.POST_SELECT`` (post, author name and counts)."""
    extra: dict[str, Any] = json.loads(row["extra"])
    return Post(
        network=NETWORK,
        url=post_url(row["id"]),
        author=author(row["author"], row["author_name"]),
        created_at=from_us(row["created_at"]),
        edited_at=from_us(extra["edited_at_us"]) if "edited_at_us" in extra else None,
        **{column: row[column] for column in _POST_COLUMNS},
        **{column: tuple(json.loads(row[column])) for column in ("tags", "mentions", "links")},
        media=media_from_json(row["media"]),
        reposted_by=reposted_by,
        metrics=Engagement(
            likes=row["n_likes"],
            reposts=row["n_reposts"],
            replies=row["n_replies"],
            quotes=row["n_quotes"],
        ),
        raw={"seq": row["seq"], "author": row["author"], "created_at_us": row["created_at"], **extra},
    )


def account_from_row(row: Record, economy: Economy) -> Account:
    """An ``Account`` from a row of ``store.ACCOUNT_SELECT``; ``raw`` carries the balance."""
    return Account(
        network=NETWORK,
        id=row["handle"],
        url=account_url(row["handle"]),
        **{column: row[column] for column in ("handle", "display_name", "bio")},
        followers=row["n_followers"],
        following=row["n_following"],
        posts_count=row["n_posts"],
        created_at=from_us(row["created_at"]),
        bot=False,
        raw={"handle": row["handle"], "balance": str(economy.amount(row["balance"]))},
    )


def community_from_row(row: Record) -> Community:
    """A ``Community`` from a row of ``store.COMMUNITY_SELECT``; ``raw["joined"]`` is membership."""
    return Community(
        network=NETWORK,
        id=row["id"],
        name=row["id"],
        title=row["title"],
        description=row["description"],
        members=row["n_members"],
        url=f"sandbox://communities/{row['id']}",
        raw={"id": row["id"], "joined": bool(row["joined"])},
    )


def notification_from_row(row: Record, post: Post | None, economy: Economy) -> Notification:
    """A ``Notification`` from a ``notifications`` row with its actor's name, and the post it is about."""
    units = row["units"]
    return Notification(
        network=NETWORK,
        id=f"n{row['seq']}",
        kind=row["kind"],
        created_at=from_us(row["created_at"]),
        account=author(row["actor"], row["actor_name"]) if row["actor"] else None,
        post=post,
        amount=economy.amount(units) if units is not None else None,
        raw={"seq": row["seq"], "kind": row["kind"], "actor": row["actor"], "units": units},
    )


def post_reward(
    post: Record, accruals: Iterable[Record], tips: Iterable[Record], now: int, economy: Economy
) -> Reward:
    """What a post earned: its like accruals (pending, claimable or paid) plus the tips sent to it.

    ``status`` is "pending" while any accrual is pending, else "claimable"
    while any is unclaimed, else "paid" if it earned anything, else "none".
    ``payout_at`` is when the last pending accrual becomes claimable.
    """
    accruals, tips = list(accruals), list(tips)
    pending = sum(a["units"] for a in accruals if a["claimable_at"] > now)
    claimable = sum(a["units"] for a in accruals if a["claimable_at"] <= now and a["claimed_at"] is None)
    paid = sum(a["units"] for a in accruals if a["claimed_at"] is not None)
    tipped = sum(t["units"] for t in tips)
    earned = pending + claimable + paid
    status = "pending" if pending else "claimable" if claimable else "paid" if earned + tipped else "none"
    pending_times = [a["claimable_at"] for a in accruals if a["claimable_at"] > now]
    all_times = [a["claimable_at"] for a in accruals]
    payout = max(pending_times) if pending_times else max(all_times) if all_times else None
    parts: list[RewardPart] = []
    if earned:
        parts.append(RewardPart(role="author", account=post["author"], amounts=(economy.amount(earned),)))
    parts += [
        RewardPart(role="tipper", account=t["sender"], amounts=(economy.amount(t["units"]),)) for t in tips
    ]
    total = earned + tipped
    return Reward(
        network=NETWORK,
        subject=post["id"],
        status=status,
        amounts=(economy.amount(total),) if total else (),
        payout_at=from_us(payout) if payout is not None else None,
        parts=tuple(parts),
        raw={
            "pending": str(economy.amount(pending)),
            "claimable": str(economy.amount(claimable)),
            "paid": str(economy.amount(paid)),
            "tips": str(economy.amount(tipped)),
        },
    )


def account_reward(handle: str, totals: Record, balance: int, economy: Economy) -> Reward:
    """What ``handle`` can claim now, from ``ledger.reward_totals`` (``ready``, ``waiting``, ``next_at``)."""
    ready, waiting = int(totals["ready"]), int(totals["waiting"])
    status = "claimable" if ready else "pending" if waiting else "none"
    return Reward(
        network=NETWORK,
        subject=handle,
        status=status,
        amounts=(economy.amount(ready),),
        payout_at=from_us(totals["next_at"]) if totals["next_at"] is not None else None,
        parts=(RewardPart(role="author", account=handle, amounts=(economy.amount(ready),)),),
        raw={
            "claimable": str(economy.amount(ready)),
            "pending": str(economy.amount(waiting)),
            "balance": str(economy.amount(balance)),
        },
    )


def claimed_reward(handle: str, units: int, balance: int, now: int, economy: Economy) -> Reward:
    """The receipt of ``claim_rewards``: "paid" with what moved into the balance, or "none"."""
    claimed = economy.amount(units)
    return Reward(
        network=NETWORK,
        subject=handle,
        status="paid" if units else "none",
        amounts=(claimed,) if units else (),
        payout_at=from_us(now),
        parts=(RewardPart(role="claim", account=handle, amounts=(claimed,)),) if units else (),
        raw={"claimed": str(claimed), "balance": str(economy.amount(balance))},
    )
