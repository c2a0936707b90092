"""Settings shared by every backend: retries, limits against hostile servers, where records live.

Every backend's settings model derives from :class:`NetworkSettings`, so every
connection has the same ``retry``, ``limits`` and ``state_path`` settings with
the same meaning, reachable from ``connect()``::

    ds.connect("mastodon", base_url=…, access_token=…, retry={"attempts": 2})
    ds.connect("hive", account="brand", retry=ds.RetrySettings(total_seconds=10))
"""

from __future__ import annotations

import hashlib
import typing
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr, ValidationInfo, field_validator

from .limits import Limits
from .paths import home_path
from .retry import RetryPolicy
from .text import lone_surrogate_at

if TYPE_CHECKING:
    from .config import ProfileSource

__all__ = ["Limits", "NetworkSettings", "RetrySettings", "secret_fingerprint"]


def secret_fingerprint(secret: SecretStr | None) -> str:
    """A short one-way fingerprint of a secret: tells accounts apart without revealing anything.

    Only for an account the settings name by nothing else: a new secret for
    the same account (a token signed in again) gets a new fingerprint.
    """
    if secret is None:
        return "anonymous"
    # surrogatepass: a secret with a lone surrogate still has a fingerprint, not a UnicodeEncodeError
    # here (settings refuse one in any field, but a SecretStr may be passed here directly).
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
    appear in a ``repr``. Text that is not valid Unicode (a lone surrogate:
    an undecodable byte of the command line or the environment) is refused
    in every setting but a path, here for every backend.

    A validation error never prints what was given (``hide_input_in_errors``):
    for a token a validator refused, that is the token, and for a missing
    setting or a check across settings, every setting given. Its text, repr
    and traceback name the setting and the problem only.
    """

    # hide_input_in_errors: every backend's and plugin's model inherits it (pydantic merges configs).
    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    retry: RetrySettings = Field(default_factory=RetrySettings)
    #: How long a server may keep a call waiting and how much it may make us read.
    limits: Limits = Field(default_factory=Limits)
    #: The SQLite file of idempotency records (default: ``state.db`` in the user's data directory).
    state_path: Path | None = None
    #: Set by ``connect(profile=…)``; not a setting (see :attr:`profile_source`).
    _profile_source: ProfileSource | None = PrivateAttr(default=None)

    @property
    def profile_source(self) -> ProfileSource | None:
        """The profile these settings were loaded from, as its sign-in was then; ``None`` for settings
        given directly. A connection checks it before saving a renewed secret into the profile."""
        return self._profile_source

    @field_validator("state_path")
    @classmethod
    def _home(cls, value: Path | None) -> Path | None:
        """``~/…`` is the user's home, as in a shell: never a folder named ``~`` where the job runs.

        A NUL character (TOML's ``\\u0000``) names no file: refused here, not at the first publish.
        """
        if value is not None and "\0" in str(value):
            raise ValueError("a path cannot hold a NUL character")
        return home_path(value, "state_path", ValueError) if value is not None else None

    @field_validator("*", mode="before")
    @classmethod
    def _unicode(cls, value: Any, info: ValidationInfo) -> Any:
        """No handle, URL, token or key can hold a lone surrogate: refused here, naming the field (never
        its value: it may be a secret), not later as a ``UnicodeEncodeError`` or "the server's answer
        could not be read" when it reaches a URL, a header, a request body or the keyring.

        A path is left alone: a file name may hold any byte (``os.fsdecode`` gives it so).
        """
        field = cls.model_fields.get(info.field_name or "")
        if field is None or _names_a_path(field.annotation):
            return value
        items = value if isinstance(value, (list, tuple, set, frozenset)) else (value,)
        for item in items:
            text = item.get_secret_value() if isinstance(item, SecretStr) else item
            if isinstance(text, str) and (at := lone_surrogate_at(text)) is not None:
                raise ValueError(
                    f"is not valid Unicode: a lone surrogate at character {at} (a byte that could not be "
                    "decoded); give it as UTF-8 text"
                )
        return value


def _names_a_path(annotation: Any) -> bool:
    """Whether a field's type is a path (``Path``, ``Path | None``): its value may hold any byte."""
    if isinstance(annotation, type):
        return issubclass(annotation, PurePath)
    return any(_names_a_path(arg) for arg in typing.get_args(annotation))
