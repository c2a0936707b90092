"""The keyword arguments ``connect()`` takes for each built-in network, as ``TypedDict`` s.

Generated from the backends' settings models by ``scripts/gen_options.py``;
do not edit by hand. ``connect("mastodon", base_url=…)`` is typed with
:class:`MastodonOptions`, so an IDE completes the settings and mypy rejects
a misspelt one. Values take the same forms the settings models accept
(a ``str`` for a secret or a path, a mapping for ``retry``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypedDict

from pydantic import SecretStr

from .limits import Limits
from .network import Capability
from .settings import RetrySettings

__all__ = [
    "BlueskyOptions",
    "HiveOptions",
    "MastodonOptions",
    "MindsOptions",
    "NetworkOptions",
    "NostrOptions",
    "RetryOptions",
    "SandboxOptions",
    "SteemOptions",
    "ThreadsOptions",
]


class RetryOptions(TypedDict, total=False):
    """The ``retry`` setting as a mapping: see :class:`~decentsocial.RetrySettings`."""

    attempts: int
    total_seconds: float
    max_wait: float


class NetworkOptions(TypedDict, total=False):
    """What every network's ``connect()`` takes: see ``NetworkSettings``."""

    retry: RetrySettings | RetryOptions
    limits: Limits | Mapping[str, Any]
    state_path: str | Path | None


class SandboxOptions(NetworkOptions, total=False):
    """What ``connect("sandbox", …)`` takes: see ``SandboxSettings``."""

    path: str | Path | None
    account: str
    display_name: str | None
    max_length: int
    asset: str
    like_reward: Decimal | int | str
    payout_delay: timedelta | float
    starting_balance: Decimal | int | str
    now: datetime | None
    timeout: float
    stream_interval: float
    unsupported: Collection[Capability | str]


class MastodonOptions(NetworkOptions, total=False):
    """What ``connect("mastodon", …)`` takes: see ``MastodonSettings``."""

    base_url: str
    access_token: str | SecretStr | None
    account_id: str | None
    allow_http: bool
    mastodon_version: str | None
    connect_timeout: float
    timeout: float
    media_timeout: float
    stream_attempts: int
    stream_timeout: float
    user_agent: str


class BlueskyOptions(NetworkOptions, total=False):
    """What ``connect("bluesky", …)`` takes: see ``BlueskySettings``."""

    base_url: str
    handle: str | None
    password: str | SecretStr | None
    session_string: str | SecretStr | None
    session_file: str | Path | None
    keyring_session: str | None
    pin_base_url: bool
    web_url: str
    firehose_url: str | None
    allow_http: bool
    timeout: float
    image_max_bytes: int
    author_profiles: bool
    index_wait: float


class HiveOptions(NetworkOptions, total=False):
    """What ``connect("hive", …)`` takes: see ``HiveSettings``."""

    nodes: Sequence[str]
    account: str | None
    posting_key: str | SecretStr | None
    active_key: str | SecretStr | None
    app: str
    timeout: float
    expiration_seconds: int
    web_url: str | None
    allow_http: bool
    notification_min_score: int | None


class SteemOptions(HiveOptions, total=False):
    """What ``connect("steem", …)`` takes: ``SteemSettings`` adds no setting to ``HiveSettings``."""


class NostrOptions(NetworkOptions, total=False):
    """What ``connect("nostr", …)`` takes: see ``NostrSettings``."""

    private_key: str | SecretStr | None
    relays: Sequence[str]
    min_accepted: int
    timeout: float
    page_size: int
    search_scan_limit: int
    stream_attempts: int
    stream_catch_up_limit: int
    idempotency_lookback: int
    max_clock_lead: int
    nip05_resolver: Callable[..., Any] | None
    lnurl_resolver: Callable[..., Any] | None
    allow_private_fetch: bool


class ThreadsOptions(NetworkOptions, total=False):
    """What ``connect("threads", …)`` takes: see ``ThreadsSettings``."""

    access_token: str | SecretStr
    user_id: str
    base_url: str
    allow_http: bool
    api_version: str
    token_expires_at: datetime | None
    scopes: Collection[str] | None
    timeout: float
    poll_interval: float
    poll_max_interval: float
    publish_timeout: float
    check_quota: bool
    notification_posts: int
    fetch_insights: bool


class MindsOptions(NetworkOptions, total=False):
    """What ``connect("minds", …)`` takes: see ``MindsSettings``."""

    username: str
    password: str | SecretStr
    base_url: str
    allow_http: bool
    client_id: str
    timeout: float
