"""Settings shared by every backend: retries, limits against hostile servers, where records live.

Every backend's settings model derives from :class:`NetworkSettings`, so every
connection has the same ``retry``, ``limits`` and ``state_path`` settings with
the same meaning, reachable from ``connect()``::

    ds.connect("mastodon", base_url=…, access_token=…, retry={"attempts": 2})
    ds.connect("hive", account="brand", retry=ds.RetrySettings(total_seconds=10))
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from .limits import Limits
from .paths import home_path
from .retry import RetryPolicy

__all__ = ["Limits", "NetworkSettings", "RetrySettings", "secret_fingerprint"]


def secret_fingerprint(secret: SecretStr | None) -> str:
    """A short one-way fingerprint of a secret: tells accounts apart without revealing anything.

    Only for an account the settings name by nothing else: a new secret for
    the same account (a token signed in again) gets a new fingerprint.
    """
    if secret is None:
        return "anonymous"
    # surrogatepass: a secret read from a non-UTF-8 environment variable still has a fingerprint (the
    # request that carries it is refused later, as a typed error), not a UnicodeEncodeError here.
    return hashlib.sha256(secret.get_secret_value().encode("utf-8", "surrogatepass")).hexdigest()[:16]


class RetrySettings(BaseModel):
    """How hard a connection retries a request that failed in a way that is safe to repeat.

    ``attempts`` counts the first try (1 = never retry); ``total_seconds``
    bounds the time spent on one call, retries and waits included;
    ``max_wait`` is the longest single wait the policy will sleep: a server
    that asks for a longer one (``Retry-After``) gets ``RateLimited`` at once.
    A request that may have reached the server is retried only when repeating
    it cannot post twice.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    attempts: int = Field(default=4, ge=1, le=20)
    total_seconds: float = Field(default=60.0, gt=0, le=3600)
    max_wait: float = Field(default=30.0, ge=0, le=3600)

    def policy(self) -> RetryPolicy:
        """The :class:`~decentsocial.retry.RetryPolicy` these settings describe."""
        return RetryPolicy(attempts=self.attempts, total_seconds=self.total_seconds, max_wait=self.max_wait)


class NetworkSettings(BaseModel):
    """Base of every backend's settings model.

    Unknown keys are an error (``connect()`` suggests the closest known
    name), models are frozen, and secrets are ``SecretStr`` so they never
    appear in a ``repr``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    retry: RetrySettings = Field(default_factory=RetrySettings)
    #: How long a server may keep a call waiting and how much it may make us read.
    limits: Limits = Field(default_factory=Limits)
    #: The SQLite file of idempotency records (default: ``state.db`` in the user's data directory).
    state_path: Path | None = None

    @field_validator("state_path")
    @classmethod
    def _home(cls, value: Path | None) -> Path | None:
        """``~/…`` is the user's home, as in a shell: never a folder named ``~`` where the job runs.

        A NUL character (TOML's ``\\u0000``) names no file: refused here, not at the first publish.
        """
        if value is not None and "\0" in str(value):
            raise ValueError("a path cannot hold a NUL character")
        return home_path(value, "state_path", ValueError) if value is not None else None
