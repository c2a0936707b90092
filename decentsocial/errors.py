"""The exception tree: every error decentsocial raises is a ``DecentSocialError``.

::

    DecentSocialError
    ├── ConfigurationError      unknown network, bad or missing settings, missing extra
    ├── InvalidInput            a caller's argument is malformed (limit=0, "1.0 X Y", bad id)
    ├── AuthenticationError     bad or expired credentials, or a key the operation needs is missing
    ├── PermissionDenied        authenticated, but not allowed to do this
    ├── NotFound                the post, account or community does not exist (or was deleted)
    ├── ContentRejected         too long, empty, bad media, over a balance, refused by the server
    ├── UnsupportedFeature      this network (or this server) cannot do that member
    ├── RateLimited             the server said "slow down"; ``retry_after`` seconds, when known
    └── NetworkUnavailable      connection refused, timeout, 5xx after the bounded retries

Each error carries ``network`` (the backend name, or ``None`` before one is
chosen) and ``server_message`` (the server's own words, when it said any).
Backends chain the underlying library exception with ``raise ... from exc``,
so the original is in ``__cause__`` and never leaks bare.

``retryable`` marks errors that the retry policy (:mod:`decentsocial.retry`)
may retry: a backend sets it only when repeating the request cannot cause a
duplicate (the request never reached the server, or it is idempotent).

Messages never contain secrets: backends build them from server messages and
identifiers only, and settings validation reports field names, not values.
"""

from __future__ import annotations

__all__ = [
    "AuthenticationError",
    "ConfigurationError",
    "ContentRejected",
    "DecentSocialError",
    "InvalidInput",
    "NetworkUnavailable",
    "NotFound",
    "PermissionDenied",
    "RateLimited",
    "UnsupportedFeature",
]


class DecentSocialError(Exception):
    """Base of every decentsocial error."""

    #: Whether the default for this class may be retried by the retry policy.
    default_retryable = False

    def __init__(
        self,
        message: str,
        *,
        network: str | None = None,
        server_message: str | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.network = network
        self.server_message = server_message
        self.retryable = self.default_retryable if retryable is None else retryable

    def __str__(self) -> str:
        prefix = f"[{self.network}] " if self.network else ""
        text = f"{prefix}{self.message}"
        if self.server_message and self.server_message not in self.message:
            text += f" (server said: {self.server_message})"
        return text

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class ConfigurationError(DecentSocialError):
    """Unknown network, invalid or missing settings, or a backend's extra not installed."""


class InvalidInput(DecentSocialError):
    """A caller's argument is malformed; raised before any I/O."""


class AuthenticationError(DecentSocialError):
    """Credentials are wrong, expired, or the key an operation needs was not given."""


class PermissionDenied(DecentSocialError):
    """The account is authenticated but not allowed to do this."""


class NotFound(DecentSocialError):
    """The post, account or community does not exist (or no longer does)."""


class ContentRejected(DecentSocialError):
    """The content cannot be published: empty, too long, bad media, or refused by the server."""


class UnsupportedFeature(DecentSocialError):
    """The network (or this server) cannot do what was asked."""

    def __init__(
        self,
        network: str,
        capability: object,
        detail: str | None = None,
    ) -> None:
        cap = getattr(capability, "value", capability)
        message = f"{network} does not support {cap}"
        if detail:
            message += f": {detail}"
        super().__init__(message, network=network)
        self.capability = capability


class RateLimited(DecentSocialError):
    """The server asked us to slow down; ``retry_after`` is in seconds when known."""

    default_retryable = True

    def __init__(
        self,
        message: str = "rate limited",
        *,
        retry_after: float | None = None,
        network: str | None = None,
        server_message: str | None = None,
        retryable: bool | None = None,
    ) -> None:
        if retry_after is not None and "retry after" not in message:
            message = f"{message}; retry after {retry_after:.1f}s"
        super().__init__(message, network=network, server_message=server_message, retryable=retryable)
        self.retry_after = retry_after


class NetworkUnavailable(DecentSocialError):
    """Connection refused, timeout, or server errors that outlasted the retries."""
