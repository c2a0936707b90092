"""Typed answers of the Threads-only extras: tokens, the publishing quota and insights."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, SecretStr

__all__ = ["AccountInsights", "DailyValue", "PublishingQuota", "ThreadsToken"]


class ThreadsToken(BaseModel):
    """An access token and when it expires, to store for next time; the token stays a ``SecretStr``."""

    model_config = ConfigDict(frozen=True)

    access_token: SecretStr
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int | None = None
    expires_at: datetime | None = None


class PublishingQuota(BaseModel):
    """Posts and replies published in the rolling window, against their limits (Threads caps both)."""

    model_config = ConfigDict(frozen=True)

    posts_used: int
    posts_total: int
    replies_used: int | None = None
    replies_total: int | None = None
    window_seconds: int = 86400

    @property
    def posts_left(self) -> int:
        """Posts that may still be published in the window."""
        return max(0, self.posts_total - self.posts_used)

    @property
    def replies_left(self) -> int | None:
        """Replies that may still be published in the window (``None``: the token cannot tell)."""
        if self.replies_used is None or self.replies_total is None:
            return None
        return max(0, self.replies_total - self.replies_used)


class DailyValue(BaseModel):
    """One day's value of a time-series metric (the day ends at ``end_time``), for charts."""

    model_config = ConfigDict(frozen=True)

    end_time: datetime
    value: int


class AccountInsights(BaseModel):
    """Account-level insights for a period; ``None`` where the API gave no value."""

    model_config = ConfigDict(frozen=True)

    since: datetime | None = None
    until: datetime | None = None
    views: int | None = None
    views_by_day: tuple[DailyValue, ...] = ()
    likes: int | None = None
    replies: int | None = None
    reposts: int | None = None
    quotes: int | None = None
    clicks: int | None = None
    followers: int | None = None
    raw: dict[str, Any] | None = None
