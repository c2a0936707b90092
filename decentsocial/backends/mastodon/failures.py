"""Mastodon.py's exceptions -> the decentsocial error tree.

Mastodon.py raises ``MastodonAPIError(message, status, reason, error)``;
the status decides the class. A 429 carries no headers in the exception, so
the backend remembers the headers of the last response it saw (per thread)
and reads the wait from them here: ``X-RateLimit-Reset`` as ISO-8601
(Mastodon) or epoch seconds (GoToSocial, others), measured against the
server's own ``Date`` so clock skew does not matter.
"""

from __future__ import annotations

from collections.abc import Mapping
from email.utils import parsedate_to_datetime

from mastodon import errors as mp

from ...errors import (
    AuthenticationError,
    ConfigurationError,
    ContentRejected,
    DecentSocialError,
    InvalidInput,
    NetworkUnavailable,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from ...retry import retry_after_from_headers
from .convert import NETWORK

__all__ = ["map_error", "wait_from_headers"]


def wait_from_headers(headers: Mapping[str, str] | None) -> float | None:
    """Seconds a 429 asks us to wait, from Retry-After or X-RateLimit-Reset."""
    if not headers:
        return None
    now = None
    lowered = {k.lower(): v for k, v in headers.items()}
    if "date" in lowered:
        try:
            now = parsedate_to_datetime(lowered["date"])
        except (TypeError, ValueError, IndexError):
            now = None
    return retry_after_from_headers(lowered, now=now)


def _status(exc: mp.MastodonAPIError) -> tuple[int | None, str | None]:
    args = exc.args
    status = args[1] if len(args) > 1 and isinstance(args[1], int) else None
    message = args[3] if len(args) > 3 and isinstance(args[3], str) and args[3] else None
    return status, message


def map_error(
    exc: Exception,
    *,
    what: str,
    idempotent: bool,
    headers: Mapping[str, str] | None = None,
) -> DecentSocialError:
    """The decentsocial error for ``exc`` raised while doing ``what``.

    ``idempotent`` says whether repeating the request is safe (a read, or a
    write carrying an Idempotency-Key); only then are timeouts and 5xx
    marked retryable. Messages hold the server's words, never the token.
    """
    if isinstance(exc, mp.MastodonRatelimitError):
        return RateLimited(
            f"{what}: rate limited", retry_after=wait_from_headers(headers), network=NETWORK, retryable=True
        )
    if isinstance(exc, mp.MastodonNetworkError):
        return NetworkUnavailable(
            f"{what}: cannot reach the server ({_first_line(exc)})", network=NETWORK, retryable=idempotent
        )
    if isinstance(exc, mp.MastodonFileNotFoundError | mp.MastodonIOError):
        return ContentRejected(f"{what}: cannot read media ({_first_line(exc)})", network=NETWORK)
    if isinstance(exc, mp.MastodonIllegalArgumentError):
        return InvalidInput(f"{what}: {exc}", network=NETWORK)
    if isinstance(exc, mp.MastodonVersionError):
        return ConfigurationError(
            f"{what}: the server's API version does not offer this ({exc}); check mastodon_version",
            network=NETWORK,
        )
    if isinstance(exc, mp.MastodonAPIError):
        status, server = _status(exc)
        if status is None:
            # Not an HTTP error: a body that is not JSON (a proxy page, a truncated answer).
            return NetworkUnavailable(
                f"{what}: the server sent an unreadable answer", network=NETWORK, retryable=idempotent
            )
        if status == 401:
            return AuthenticationError(
                f"{what}: the access token was refused", network=NETWORK, server_message=server
            )
        if status == 403:
            return PermissionDenied(f"{what}: not allowed", network=NETWORK, server_message=server)
        if status in (404, 410):
            return NotFound(f"{what}: not found", network=NETWORK, server_message=server)
        if status == 429:
            return RateLimited(
                f"{what}: rate limited",
                retry_after=wait_from_headers(headers),
                network=NETWORK,
                retryable=True,
            )
        if status >= 500 or status == 408:
            return NetworkUnavailable(
                f"{what}: server error {status}", network=NETWORK, server_message=server, retryable=idempotent
            )
        # 422 (validation), 400, 413 (too large), 415 (media type)…
        return ContentRejected(
            f"{what}: refused by the server ({status})", network=NETWORK, server_message=server
        )
    return DecentSocialError(f"{what}: {type(exc).__name__}", network=NETWORK)


def _first_line(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]
