"""Settings for ``connect("bluesky", …)``."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator

from ...paths import home_path
from ...settings import NetworkSettings

__all__ = ["MAX_IMAGE_BYTES", "BlueskySettings"]

#: app.bsky.embed.images allows blobs of at most 1,000,000 bytes.
MAX_IMAGE_BYTES = 1_000_000


class BlueskySettings(NetworkSettings):
    """Where to connect and how to log in.

    Give ``handle`` and ``password`` (an app password works the same way), or
    a saved ``session_string``, or a ``session_file`` (or ``keyring_session``,
    an entry in the system keyring) that keeps the session between runs
    (bots: ``createSession`` allows only 30 logins per 5 minutes).
    Retries follow the shared ``retry`` setting: 4 attempts (the first try
    and 3 retries) of calls that are safe to repeat, a rate-limit wait of at
    most 30 s, 60 s in all for one call.
    """

    base_url: str = "https://bsky.social"
    handle: str | None = None
    password: SecretStr | None = None
    session_string: SecretStr | None = None
    session_file: Path | None = None
    #: A system keyring entry (service ``decentsocial``) that keeps the session, as ``session_file``
    #: does: read at start, rewritten on every login and refresh (``decentsocial login bluesky``).
    keyring_session: str | None = None
    #: Keep every call on ``base_url`` even when the account's DID document names another PDS.
    pin_base_url: bool = False
    #: Where post and profile web links point (``Post.url``, ``Account.url``).
    web_url: str = "https://bsky.app"
    #: The repo firehose ``stream()`` reads (a relay, or a PDS); ``None``: the PDS at ``base_url``.
    firehose_url: str | None = None
    #: Send credentials to a plain ``http://`` server that is not on this machine (loopback needs no flag).
    allow_http: bool = False
    #: Seconds to wait for one HTTP answer (the ``limits`` deadline bounds it too: the smaller wins).
    timeout: float = Field(default=30.0, gt=0)
    #: The largest image this backend uploads (bytes); the server's own limit is the default.
    image_max_bytes: int = Field(default=MAX_IMAGE_BYTES, gt=0)
    #: Fill ``Post.author`` with full profiles (follower, following, post counts): one extra request per
    #: 25 new authors in a listing. ``False`` keeps the basic profile the post view carries.
    author_profiles: bool = True
    #: How long a reply or quote waits for the AppView to index its target (seconds; 0: not at all).
    index_wait: float = Field(default=5.0, ge=0)

    @field_validator("session_file")
    @classmethod
    def _session_home(cls, value: Path | None) -> Path | None:
        return home_path(value, "session_file", ValueError) if value is not None else None  # ``~`` is home

    @field_validator("base_url", "web_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.removesuffix("/xrpc")

    @field_validator("firehose_url")
    @classmethod
    def _ws_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().rstrip("/")
        if not value.startswith(("https://", "http://", "wss://", "ws://")):
            raise ValueError("must be a wss://, ws://, https:// or http:// URL")
        return value.removesuffix("/xrpc")

    @field_validator("handle")
    @classmethod
    def _clean_handle(cls, value: str | None) -> str | None:
        return value.strip().lstrip("@") or None if value is not None else None

    @model_validator(mode="after")
    def _credentials(self) -> BlueskySettings:
        has_password = self.handle is not None and self.password is not None
        saved = (self.session_string, self.session_file, self.keyring_session)
        if not (has_password or any(source is not None for source in saved)):
            raise ValueError(
                "give handle and password (or an app password), session_string, session_file "
                "or keyring_session"
            )
        return self
