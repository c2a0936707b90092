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
Backends chain the underlying failure with ``raise ... from exc``, so it is in
``__cause__`` and never leaks bare; a failed HTTP request's is replaced by a
scrubbed copy (:func:`decentsocial.httpclient.secret_safe`), since the
libraries' exceptions keep the request and its credentials.

``retryable`` marks errors that the retry policy (:mod:`decentsocial.retry`)
may retry: a backend sets it only when repeating the request cannot cause a
duplicate (the request never reached the server, or it is idempotent).

Messages never contain secrets: backends build them from server messages and
identifiers only, and settings validation reports field names, not values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = [
    "STATUS_ERRORS",
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
    "from_status",
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

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuild through __init__'s keywords, so every subclass pickles (process pools, Celery).
        return (_rebuild, (type(self), self.__dict__.copy(), self.args))


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
    """Connection refused, timeout, or server errors that outlasted the retries.

    ``sent`` is ``False`` only when the request certainly never left this
    machine (the connection did not open): nothing was done. Otherwise a write
    may have been made, even when ``retryable`` says repeating it is safe (a
    write the server or the chain recognises when it comes again).
    """

    def __init__(
        self,
        message: str,
        *,
        network: str | None = None,
        server_message: str | None = None,
        retryable: bool | None = None,
        sent: bool = True,
    ) -> None:
        super().__init__(message, network=network, server_message=server_message, retryable=retryable)
        self.sent = sent


def _rebuild(cls: type[DecentSocialError], state: dict[str, Any], args: tuple[Any, ...]) -> DecentSocialError:
    error = Exception.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


#: HTTP status -> the error it means, for every HTTP API backend (like prawcore's table).
#: Statuses not listed fall back by class: other 4xx are ``ContentRejected``, 5xx ``NetworkUnavailable``.
STATUS_ERRORS: dict[int, type[DecentSocialError]] = {
    400: ContentRejected,
    401: AuthenticationError,
    403: PermissionDenied,
    404: NotFound,
    408: NetworkUnavailable,
    409: ContentRejected,
    410: NotFound,
    413: ContentRejected,
    415: ContentRejected,
    422: ContentRejected,
    429: RateLimited,
}

_DEFAULT_WORDS: dict[type[DecentSocialError], str] = {
    AuthenticationError: "the server refused the credentials",
    PermissionDenied: "not allowed",
    NotFound: "not found",
    ContentRejected: "refused by the server",
    RateLimited: "rate limited",
    NetworkUnavailable: "server error",
}


def from_status(
    status: int,
    *,
    network: str,
    message: str | None = None,
    server_message: str | None = None,
    headers: Mapping[str, str] | None = None,
    safe_to_repeat: bool = False,
    retry_after: Callable[[Mapping[str, str]], float | None] | None = None,
) -> DecentSocialError:
    """The error an HTTP ``status`` means, from :data:`STATUS_ERRORS`.

    A 429 is ``RateLimited`` (retryable: the server refused it outright) with
    the wait its headers ask for; a 5xx or 408 is ``NetworkUnavailable``,
    retryable only when ``safe_to_repeat`` (the server may have done the
    work). ``message`` defaults to a plain description with the status.
    """
    cls = STATUS_ERRORS.get(status)
    if cls is None:
        cls = NetworkUnavailable if status >= 500 else ContentRejected
    text = message or f"{_DEFAULT_WORDS.get(cls, 'failed')} (HTTP {status})"
    if cls is RateLimited:
        from .retry import retry_after_from_headers

        wait = (retry_after or retry_after_from_headers)(headers or {})
        return RateLimited(text, retry_after=wait, network=network, server_message=server_message)
    if cls is NetworkUnavailable:
        return NetworkUnavailable(
            text, network=network, server_message=server_message, retryable=safe_to_repeat
        )
    return cls(text, network=network, server_message=server_message)
