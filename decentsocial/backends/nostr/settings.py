"""``NostrSettings``: what a Nostr connection is built from (validated by ``connect()``, no I/O)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ConfigDict, Field, SecretStr, field_validator, model_validator

from ...errors import InvalidInput
from ...settings import NetworkSettings, RetrySettings
from ...urls import parse_url

__all__ = ["NostrSettings"]


def _check_relay_url(url: str) -> str:
    """The relay URL in canonical form (the one parser of ``decentsocial.urls``: what is checked
    is what is connected to)."""
    text = url.strip() if isinstance(url, str) else url
    try:
        parsed = parse_url(text, schemes=("wss", "ws"))
    except InvalidInput as exc:  # its message quotes the URL without a password in it
        raise ValueError(
            f"malformed relay URL: {exc.message}; expected ws://host[:port] or wss://host[:port]"
        ) from None
    if parsed.port == 0 or parsed.query or "#" in text:
        where = f"{parsed.scheme}://{parsed.netloc}"  # not the query, where a token may be
        raise ValueError(f"malformed relay URL {where}…: a relay URL has no query or fragment")
    canonical = str(parsed)
    return canonical[:-1] if parsed.path == "/" else canonical


class NostrSettings(NetworkSettings):
    """``private_key``: nsec or hex (omit it to read only). ``relays``: ws:// or wss:// URLs.

    ``retry`` (shared by every backend) governs publishes: a publish that too
    few relays could take is sent again, and a resend is the very same signed
    event, so it cannot post twice. Its default here is 2 attempts within 20
    seconds. Reads ask every relay at once and are not retried.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    private_key: SecretStr | None = None
    relays: tuple[str, ...] = Field(min_length=1)
    #: How many relays must accept an event for a publish to succeed.
    min_accepted: int = Field(default=1, ge=1)
    #: Seconds to wait for a relay to connect or answer.
    timeout: float = Field(default=5.0, gt=0, le=120)
    page_size: int = Field(default=200, ge=1, le=5000)
    #: Notes examined at most by a text search on a relay without NIP-50.
    search_scan_limit: int = Field(default=2000, ge=1)
    #: Publishes are tried twice (the same signed event), within four relay timeouts.
    retry: RetrySettings = Field(default_factory=lambda: RetrySettings(attempts=2, total_seconds=20.0))
    #: Not a request retry: failures in a row (with exponential backoff, 0.5 s doubling up to 30 s)
    #: after which a live stream gives a relay up and stops subscribing to it again; the stream
    #: raises ``NetworkUnavailable`` when every relay is given up.
    stream_attempts: int = Field(default=8, ge=1, le=100)
    #: Notes a live stream fetches at most when it subscribes again after a drop (the newest of
    #: what was published meanwhile, handed over oldest first; a warning is logged when more were).
    stream_catch_up_limit: int = Field(default=5000, ge=1)
    #: How far back (seconds) another process's note with the same idempotency key is looked for.
    idempotency_lookback: int = Field(default=86_400, ge=0)
    #: Seconds a note may be dated ahead of the clock to keep a burst of notes in order (0: never).
    max_clock_lead: int = Field(default=60, ge=0, le=600)
    #: ``name@domain`` -> hex key; without one, NIP-05 names are neither resolved nor verified.
    nip05_resolver: Callable[[str], str | None] | None = Field(default=None, repr=False)
    #: kind-0 profile content -> an ``LnurlPay`` (or ``None``); default: the profile's lud16/lud06
    #: over HTTPS (``resolvers.https_lnurl_resolver``), from public addresses only.
    lnurl_resolver: Callable[[dict[str, object]], Any] | None = Field(default=None, repr=False)
    #: For test servers only: let the built-in LNURL (and NIP-05) look-ups, whose URLs strangers'
    #: profiles name, fetch plain http and loopback/private addresses on any port. Off, they fetch
    #: https on the default port from public addresses only (``decentsocial.urls.fetch_public_json``).
    allow_private_fetch: bool = False

    @model_validator(mode="before")
    @classmethod
    def _key_as_secret(cls, data: Any) -> Any:
        """The key wrapped before it is checked: a key that does not parse (a typo) is most of a real
        secret, and a validation error (its text, ``errors()``, ``json()``) repeats its input."""
        if isinstance(data, dict) and isinstance(data.get("private_key"), str):
            return {**data, "private_key": SecretStr(data["private_key"])}
        return data

    @field_validator("private_key")
    @classmethod
    def _valid_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            # keys.py is a leaf (it imports nothing of the package); imported here, when a key is
            # given, so that this module stays the lowest of the package.
            from .keys import InvalidKey, PrivateKey

            try:
                PrivateKey.parse(value.get_secret_value())
            except InvalidKey as exc:
                raise ValueError(str(exc)) from None
        return value

    @field_validator("relays", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value

    @field_validator("relays")
    @classmethod
    def _valid_relays(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(_check_relay_url(u) for u in value))
