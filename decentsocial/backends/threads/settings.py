"""Settings for ``connect("threads", access_token=…, user_id=…)``: the lowest file of the package."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pydantic import Field, SecretStr

from ...settings import NetworkSettings

__all__ = ["ThreadsSettings"]


class ThreadsSettings(NetworkSettings):
    """Settings for ``connect("threads", …)``; only ``access_token`` and ``user_id`` are required.

    Retries of requests that are safe to repeat follow the shared ``retry``
    setting (``RetrySettings``: attempts including the first, total seconds,
    longest wait); container polling has its own bounds below, because Meta
    documents how long a container may take.
    """

    access_token: SecretStr
    user_id: str = Field(min_length=1)
    base_url: str = "https://graph.threads.net"
    api_version: str = "v1.0"
    #: When the access token expires (UTC), if known; refresh helpers keep it current.
    token_expires_at: datetime | None = None
    #: The scopes the token was granted, if known; used to answer UnsupportedFeature without I/O.
    scopes: frozenset[str] | None = None
    timeout: float = Field(default=30.0, gt=0)
    #: Container status polling: first wait, longest wait, and the overall bound (Meta
    #: recommends checking about once a minute for at most five minutes).
    poll_interval: float = Field(default=2.0, gt=0)
    poll_max_interval: float = Field(default=60.0, gt=0)
    publish_timeout: float = Field(default=300.0, gt=0)
    #: Check the 24-hour publishing quota before each publish (one extra GET).
    check_quota: bool = True
    #: A JSON file remembering idempotency keys across processes (``None``: this connection only).
    state_path: Path | None = None
    #: How many of your newest threads ``notifications()`` checks for replies.
    notification_posts: int = Field(default=10, ge=0)
    #: Fill ``Post.metrics`` from media insights in ``get_post`` (needs threads_manage_insights).
    fetch_insights: bool = True
