"""Settings for ``connect("hive", …)`` and ``connect("steem", …)``.

The lowest module of the package: it imports nothing else from it.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr, field_validator

from ...settings import NetworkSettings, RetrySettings

__all__ = ["HiveSettings", "SteemSettings"]


def _default_retry() -> RetrySettings:
    # Three attempts within 30 s: a node that is down is left for the next one quickly.
    return RetrySettings(attempts=3, total_seconds=30.0)


class HiveSettings(NetworkSettings):
    """Settings for ``connect("hive", …)``: nodes are required; keys are optional (read-only without).

    ``nodes`` are the only servers ever contacted (no public fallback list);
    ``timeout`` bounds one request, ``retry`` the whole call (3 attempts
    within 30 s by default; a failing node hands the next attempt to the next
    node). ``posting_key`` signs posts, votes, follows and claims;
    ``active_key`` signs transfers (``tip``) only. Nodes are reached over
    https; plain ``http://`` is taken for a node on this machine (loopback),
    and for any other host only with ``allow_http=True``.
    """

    nodes: tuple[str, ...] = Field(min_length=1)
    account: str | None = None
    posting_key: SecretStr | None = None
    active_key: SecretStr | None = None
    app: str = "decentsocial"
    timeout: float = Field(default=10.0, gt=0, le=120)
    retry: RetrySettings = Field(default_factory=_default_retry)
    expiration_seconds: int = Field(default=60, ge=10, le=3600)
    web_url: str | None = None
    #: Plain http:// to a node that is not on this machine (signed transactions and reads in the clear).
    allow_http: bool = False
    #: bridge.account_notifications min_score (None: the node's default, 25).
    notification_min_score: int | None = Field(default=None, ge=0, le=100)

    @field_validator("nodes", mode="before")
    @classmethod
    def _nodes(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = (value,)
        for node in value or ():
            if not isinstance(node, str) or not node.startswith(("http://", "https://")):
                raise ValueError("each node must be an http(s) URL")
        return value


class SteemSettings(HiveSettings):
    """Settings for ``connect("steem", …)``: the same as Hive's (Steem nodes speak the same API)."""
