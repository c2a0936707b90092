"""Posts as a pandas ``DataFrame`` for analysts (the ``pandas`` extra).

pandas is imported when :func:`to_dataframe` is called, never at
``import decentsocial``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .errors import ConfigurationError, InvalidInput
from .models import Post

if TYPE_CHECKING:
    import pandas

__all__ = ["COLUMNS", "ENGAGEMENT", "to_dataframe"]

#: The engagement columns a post's row and a snapshot's row share.
ENGAGEMENT: tuple[str, ...] = ("likes", "reposts", "replies", "quotes", "views", "reward_status")
#: The columns of :func:`to_dataframe`, in order.
COLUMNS: tuple[str, ...] = (
    "network",
    "id",
    "url",
    "created_at",
    "author",
    "author_id",
    "author_name",
    "text",
    "title",
    "reply_to",
    "root_id",
    "community",
    "language",
    "visibility",
    "tags",
    "mentions",
    "links",
    "media_count",
    *ENGAGEMENT,
    "reward",
)
#: The whole-number columns (``Int64``, missing as ``<NA>``).
_COUNTS = ("likes", "reposts", "replies", "quotes", "views", "media_count")


def _row(post: Post) -> dict[str, Any]:
    m = post.metrics
    reward = post.reward
    return {
        "network": post.network,
        "id": post.id,
        "url": post.url,
        "created_at": post.created_at,
        "author": post.author.handle,
        "author_id": post.author.id,
        "author_name": post.author.display_name,
        "text": post.text,
        "title": post.title,
        "reply_to": post.reply_to,
        "root_id": post.root_id,
        "community": post.community,
        "language": post.language,
        "visibility": post.visibility,
        "tags": list(post.tags),
        "mentions": list(post.mentions),
        "links": list(post.links),
        "media_count": len(post.media),
        "likes": m.likes,
        "reposts": m.reposts,
        "replies": m.replies,
        "quotes": m.quotes,
        "views": m.views,
        "reward_status": reward.status if reward else None,
        "reward": ", ".join(str(a) for a in reward.amounts) if reward else None,
    }


def _int64(count: int | None) -> int | None:
    return count if count is not None and -(2**63) <= count < 2**63 else None


def to_dataframe(posts: Iterable[Post]) -> pandas.DataFrame:
    """One row per post, columns :data:`COLUMNS`.

    ``created_at`` is a tz-aware UTC datetime column; counts are exact ``Int64``,
    and those the network does not report are missing (``<NA>``), so they are
    never mistaken for zero (as is one past what ``Int64`` holds);
    ``tags``/``mentions``/``links`` are lists; ``reward`` is the amounts as
    text ("1.234 HBD, 0.500 HP"), exact. Takes any iterable, e.g. an
    iterator straight from ``net.search(...)``.
    """
    try:
        import pandas as pd
    except ImportError as exc:
        raise ConfigurationError(
            "to_dataframe needs pandas: install the 'pandas' extra (decentsocial[pandas])"
        ) from exc
    if isinstance(posts, (str, bytes, Post)):
        raise InvalidInput(f"to_dataframe takes an iterable of Post, got {type(posts).__name__}")
    rows = []
    for post in posts:
        if not isinstance(post, Post):
            raise InvalidInput(f"to_dataframe takes Post objects, got {type(post).__name__}")
        rows.append(_row(post))
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    # Straight to microseconds, as in decentsocial.history: through pandas 2's nanoseconds, a post dated
    # past 2262 (a Nostr author sets its date) was an OutOfBoundsDatetime losing the whole frame.
    frame["created_at"] = pd.array([row["created_at"] for row in rows], dtype="datetime64[us, UTC]")
    for column in _COUNTS:
        # From the ints themselves: through pandas' float column (a missing count makes one), a count
        # past 2**53 came out changed, and one near 2**63 was a TypeError losing the whole frame. A
        # count no Int64 holds (a Post built by hand) is missing, as in decentsocial.history.
        frame[column] = pd.array([_int64(row[column]) for row in rows], dtype="Int64")
    return frame
