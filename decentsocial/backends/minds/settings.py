"""Settings for ``connect("minds", username=…, password=…)``: the lowest file of the package."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator

from ...settings import NetworkSettings
from ...text import lone_surrogate_at
from ...urls import canonical_base_url

__all__ = ["MindsSettings"]


class MindsSettings(NetworkSettings):
    """Settings for ``connect("minds", username=…, password=…)``.

    Retries of requests that are safe to repeat follow the shared ``retry``
    setting (``RetrySettings``); a publish is never repeated automatically.

    ``base_url`` gets the password, so it must be ``https://``; plain
    ``http://`` is taken for a server on this machine (tests), and for any
    other host only with ``allow_http=True``.
    """

    username: str = Field(min_length=1)
    password: SecretStr
    base_url: str = "https://www.minds.com"
    allow_http: bool = False
    client_id: str = "mobile"
    timeout: float = Field(default=30.0, gt=0)
    #: The SQLite file of idempotency records (default: ``state.db`` in the user's data directory).
    state_path: Path | None = None

    @field_validator("username", "password")
    @classmethod
    def _encodable(cls, value: str | SecretStr) -> str | SecretStr:
        # Both travel in the login request: a lone surrogate would fail deep inside it.
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        if lone_surrogate_at(text) is not None:
            raise ValueError("is not valid Unicode (it has a lone surrogate)")
        return value

    @model_validator(mode="after")
    def _endpoint(self) -> MindsSettings:
        canonical_base_url(self, "minds")
        return self
