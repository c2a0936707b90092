"""Graph API failures -> the error tree, in one function (:meth:`GraphFailure.error`).

The Graph API answers an error with ``{"error": {"code", "error_subcode",
"message"}}``; its codes say more than the HTTP status (190: the token is
invalid or expired, 4/17/32/613: a rate limit, 10 and 200-299: a missing
permission). What the codes do not settle, the shared status table
(:func:`decentsocial.errors.from_status`) does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ... import errors
from ...coerce import as_dict, as_int, as_str
from ...retry import retry_after_from_headers

NAME = "threads"

#: Graph error codes that mean "slow down".
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613})
#: Documented transient publish subcodes: media not ready, carousel child not ready.
NOT_READY_SUBCODES = frozenset({4279009, 4279004})
REFRESH_HINT = (
    "refresh a long-lived token with ThreadsNetwork.refresh_token() (possible once it is 24 hours old "
    "and before its 60 days run out), or exchange a new short-lived token from the OAuth flow with "
    "ThreadsNetwork.exchange_token()"
)
_NO_SCOPE = "the Threads token lacks the permission (scope) for this"
_WORDS = {
    401: f"Threads refused the credentials; {REFRESH_HINT}",
    403: _NO_SCOPE,
    404: "not found on Threads",
    429: "Threads rate limit reached",
}


@dataclass(frozen=True)
class GraphFailure:
    """One Graph API error answer, with the codes callers may need (a publish looks at subcodes)."""

    status: int
    code: int | None
    subcode: int | None
    message: str
    headers: Mapping[str, str]

    @classmethod
    def read(cls, status: int, body: Any, headers: Mapping[str, str]) -> GraphFailure:
        """The failure an error answer describes (``body``: its JSON, or ``None``)."""
        err = as_dict(as_dict(body).get("error"))
        return cls(
            status=status,
            code=as_int(err.get("code")),
            subcode=as_int(err.get("error_subcode")),
            message=as_str(err.get("message")) or f"HTTP {status}",
            headers=headers,
        )

    @property
    def not_ready(self) -> bool:
        """The container (or a carousel child) is still being processed: publishing again later may work."""
        return self.subcode in NOT_READY_SUBCODES

    def error(self, *, safe_to_repeat: bool) -> errors.DecentSocialError:
        """The error this failure means; a 5xx or code 2 is retryable only when ``safe_to_repeat``."""
        said = self.message
        if self.code in RATE_LIMIT_CODES and self.status != 429:
            # A quota answer (code 4 on publish) will not clear soon: not retried.
            return errors.RateLimited(
                "Threads rate limit reached",
                retry_after=retry_after_from_headers(self.headers),
                network=NAME,
                server_message=said,
                retryable=False,
            )
        if self.code == 190:
            return errors.AuthenticationError(
                f"the Threads access token is invalid or expired; {REFRESH_HINT}",
                network=NAME,
                server_message=said,
            )
        if self.code == 100 and self.subcode == 33:
            return errors.NotFound(
                "no such Threads object (or it was deleted)", network=NAME, server_message=said
            )
        if self.code == 10 or (self.code is not None and 200 <= self.code <= 299):
            return errors.PermissionDenied(_NO_SCOPE, network=NAME, server_message=said)
        if self.code == 2:  # service temporarily unavailable
            return errors.NetworkUnavailable(
                "Threads is temporarily unavailable",
                network=NAME,
                server_message=said,
                retryable=safe_to_repeat,
            )
        return errors.from_status(
            self.status,
            network=NAME,
            message=_words(self.status),
            server_message=said,
            headers=self.headers,
            safe_to_repeat=safe_to_repeat,
        )


def _words(status: int) -> str | None:
    if status in _WORDS:
        return _WORDS[status]
    if status >= 500:
        return f"Threads server error (HTTP {status})"
    if errors.STATUS_ERRORS.get(status, errors.ContentRejected) is errors.ContentRejected:
        return "Threads refused the request"
    return None
