"""Settings of the Mastodon backend (validated by ``connect`` before any I/O)."""

from __future__ import annotations

import re

from pydantic import Field, SecretStr, field_validator, model_validator

from ...errors import ConfigurationError, InvalidInput
from ...settings import NetworkSettings, RetrySettings
from ...urls import check_endpoint, parse_url

__all__ = ["MastodonSettings"]

_VERSION = re.compile(r"^\d+\.\d+\.\d+")


class MastodonSettings(NetworkSettings):
    """How to reach one Mastodon (or Mastodon-API) server as one account.

    A plain-HTTP ``base_url`` is taken for a server on this machine
    (loopback) and elsewhere only with ``allow_http=True``: tokens are
    otherwise sent only over HTTPS. ``mastodon_version``
    pins the API version for servers whose version string is not Mastodon's
    (GoToSocial, Akkoma, Pixelfed…), so no version probe is made.
    ``retry`` bounds the retries of one request (3 tries by default
    here); ``stream_attempts`` bounds only the reconnections of a stream.
    """

    base_url: str
    access_token: SecretStr | None = None
    #: The token's account id on this server (sign-in saves it). It names the account in
    #: idempotency records and crosspost keys, so a job retried after signing in again finds the
    #: posts it made; a token of another account is then refused (``ConfigurationError``).
    account_id: str | None = None
    allow_http: bool = False
    mastodon_version: str | None = None
    #: Seconds to connect, and to wait for an answer.
    connect_timeout: float = Field(default=5.0, gt=0)
    timeout: float = Field(default=30.0, gt=0)
    #: Request retries (the shared setting): 3 tries, at most 60 s in all, waits of at most 30 s.
    retry: RetrySettings = Field(default_factory=lambda: RetrySettings(attempts=3))
    #: Seconds to wait for an uploaded attachment to be processed.
    media_timeout: float = Field(default=120.0, gt=0)
    #: Stream connections in a row that fail before ever working, before ``stream()`` gives up.
    #: Not a request retry (that is ``retry``): a stream reconnects for as long as it runs.
    stream_attempts: int = Field(default=8, ge=1)
    #: Seconds without any byte (Mastodon sends a heartbeat every few seconds) before reconnecting.
    stream_timeout: float = Field(default=90.0, gt=0)
    user_agent: str = "decentsocial"

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        value = value.strip()
        if "://" not in value:
            value = "https://" + value
        try:
            # The one URL parser (backslashes, tabs, IDNA…): the host checked is the host connected to.
            url = parse_url(value, network="mastodon")
        except InvalidInput:
            raise ValueError("must be an http(s) URL of the server, e.g. https://mastodon.social") from None
        if url.path not in ("", "/") or url.query or "#" in value:
            raise ValueError("must be the server's root URL, without a path")
        return str(url).rstrip("/")

    @field_validator("access_token")
    @classmethod
    def _token(cls, value: SecretStr | None) -> SecretStr | None:
        # A token read from a file keeps its newline; any whitespace left would make the
        # HTTP library refuse the header with the whole token in its error message.
        if value is None:
            return None
        token = value.get_secret_value().strip()
        # Visible ASCII only (Mastodon's tokens are URL-safe): anything else cannot go in the header,
        # and would fail every request as a retried "cannot reach the server".
        if not token or not all("!" <= c <= "~" for c in token):
            raise ValueError(
                "is not a valid access token (empty, or has spaces, control or non-ASCII characters)"
            )
        return SecretStr(token)

    @field_validator("user_agent")
    @classmethod
    def _user_agent(cls, value: str) -> str:
        # Sent as a header on every request: printable ASCII, no line break, no space at either end.
        value = value.strip()
        if not all(" " <= c <= "~" for c in value):
            raise ValueError("must be printable ASCII text on one line (it is sent as an HTTP header)")
        return value

    @field_validator("mastodon_version")
    @classmethod
    def _version(cls, value: str | None) -> str | None:
        if value is not None and not _VERSION.match(value.strip()):
            raise ValueError("must look like MAJOR.MINOR.PATCH, e.g. 4.2.0")
        return None if value is None else value.strip()

    @model_validator(mode="after")
    def _https(self) -> MastodonSettings:
        # Plain http only for a server on this machine, or with allow_http=True (the token goes in clear).
        try:
            check_endpoint(self.base_url, network="mastodon", setting="base_url", allow_http=self.allow_http)
        except ConfigurationError as exc:
            raise ValueError(exc.message) from None
        return self
