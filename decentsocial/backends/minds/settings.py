"""Settings for ``connect("minds", username=…, password=…)``: the lowest file of the package."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, model_validator

from ...settings import NetworkSettings
from ...urls import canonical_base_url

__all__ = ["MindsSettings"]


class MindsSettings(NetworkSettings):
    """Settings for ``connect("minds", username=…, password=…)``.

    Retries of requests that are safe to repeat follow the shared ``retry``
    setting (``RetrySettings``); a publish is never repeated automatically.

    ``base_url`` gets the password, so it must be ``https://``; plain
    ``http://`` is taken for a server on this machine (tests), and for any
    other host only with ``allow_http=True``. A lone surrogate in ``username`` or ``password``
    (which travel in the login request) is refused by ``NetworkSettings``, as in any setting.
    """

    username: str = Field(min_length=1)
    password: SecretStr
    base_url: str = "https://www.minds.com"
    allow_http: bool = False
    client_id: str = "mobile"
    timeout: float = Field(default=30.0, gt=0)
    #: The SQLite file of idempotency records (default: ``state.db`` in the user's data directory).
    state_path: Path | None = None

    @model_validator(mode="after")
    def _endpoint(self) -> MindsSettings:
        canonical_base_url(self, "minds")
        return self
