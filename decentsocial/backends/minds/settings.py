"""Settings for ``connect("minds", username=…, password=…)``: the lowest file of the package."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr

from ...settings import NetworkSettings

__all__ = ["MindsSettings"]


class MindsSettings(NetworkSettings):
    """Settings for ``connect("minds", username=…, password=…)``.

    Retries of requests that are safe to repeat follow the shared ``retry``
    setting (``RetrySettings``); a publish is never repeated automatically.
    """

    username: str = Field(min_length=1)
    password: SecretStr
    base_url: str = "https://www.minds.com"
    client_id: str = "mobile"
    timeout: float = Field(default=30.0, gt=0)
    #: A JSON file remembering idempotency keys across processes (``None``: this connection only).
    state_path: Path | None = None
