"""Settings for ``connect("threads", access_token=…, user_id=…)``: the lowest file of the package."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator

from ...models import UTCDateTime
from ...settings import NetworkSettings
from ...urls import canonical_base_url

__all__ = ["ThreadsSettings"]


class ThreadsSettings(NetworkSettings):
    """Settings for ``connect("threads", …)``; only ``access_token`` and ``user_id`` are required.

    Retries of requests that are safe to repeat follow the shared ``retry``
    setting (``RetrySettings``: attempts including the first, total seconds,
    longest wait); container polling has its own bounds below, because Meta
    documents how long a container may take.

    ``base_url`` gets the token, so it must be ``https://``; plain
    ``http://`` is taken for a server on this machine (tests), and for any
    other host only with ``allow_http=True``.
    """

    access_token: SecretStr
    #: The Threads user id (digits; ``me`` for the token's own account).
    user_id: str = Field(min_length=1)
    base_url: str = "https://graph.threads.net"
    allow_http: bool = False
    api_version: str = "v1.0"
    #: When the access token expires, if known (a time without an offset is UTC); refresh helpers
    #: keep it current.
    token_expires_at: UTCDateTime | None = None
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
    #: The SQLite file of idempotency records (default: ``state.db`` in the user's data directory).
    state_path: Path | None = None
    #: How many of your newest threads ``notifications()`` checks for replies.
    notification_posts: int = Field(default=10, ge=0)
    #: Fill ``Post.metrics`` from media insights in ``get_post`` (needs threads_manage_insights).
    fetch_insights: bool = True

    @field_validator("access_token")
    @classmethod
    def _token(cls, value: SecretStr) -> SecretStr:
        # It travels in a header: whitespace or other characters there would make the HTTP
        # library refuse the request with an error that is not ours.
        token = value.get_secret_value().strip()
        if not token or not all(33 <= ord(c) < 127 for c in token):
            raise ValueError("is not a valid access token (empty, or has spaces or non-ASCII characters)")
        return SecretStr(token)

    @field_validator("user_id")
    @classmethod
    def _user_id(cls, value: str) -> str:
        # It goes into every URL path: digits (or ``me``) only, so it cannot name another endpoint.
        if value != "me" and not _DIGITS.fullmatch(value):
            raise ValueError(f"must be a Threads user id (digits) or 'me', not {value[:40]!r}")
        return value

    @field_validator("api_version")
    @classmethod
    def _api_version(cls, value: str) -> str:
        if not _VERSION.fullmatch(value):
            raise ValueError(f"must look like v1.0, not {value[:40]!r}")
        return value

    @model_validator(mode="after")
    def _endpoint(self) -> ThreadsSettings:
        canonical_base_url(self, "threads")
        return self


_DIGITS = re.compile(r"[0-9]{1,40}")
_VERSION = re.compile(r"v[0-9]{1,3}\.[0-9]{1,3}")
