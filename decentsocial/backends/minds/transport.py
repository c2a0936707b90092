"""Minds' engine API over the shared HTTP transport: the only file of the package that touches the wire.

Logs in with the mobile app's OAuth password grant on first use, and when a
request is answered 401 refreshes the 72-hour access token with the refresh
token (or logs in again), then sends the request once more.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from pydantic import SecretStr

from ...errors import AuthenticationError, DecentSocialError
from ...httpclient import HttpApi, masked, read_token, sent_secrets
from ...retry import RetryPolicy
from .failures import NAME, login_error, minds_error, refusal_with_200
from .settings import MindsSettings

__all__ = ["MindsApi", "Session"]

TOKEN_PATH = "/api/v3/oauth/token"  # noqa: S105 - a URL path, not a secret
#: Shorter known secrets are not masked: replacing one or two letters would garble the message.
_MIN_MASKED = 6


@dataclass
class Session:
    """The tokens of one login (``SecretStr``: never in a repr or a log)."""

    access: SecretStr
    refresh: SecretStr | None
    expires_at: datetime | None


class MindsApi(HttpApi):
    """The Minds engine's endpoints, with the session the app's OAuth grant gives."""

    def __init__(self, settings: MindsSettings, *, retry: RetryPolicy | None = None) -> None:
        super().__init__(
            NAME, "Minds", settings.base_url, timeout=settings.timeout, retry=retry, limits=settings.limits
        )
        self.settings = settings
        self.session: Session | None = None

    # ------------------------------------------------------------ session

    def login(self) -> None:
        """Log in with the password grant."""
        s = self.settings
        self.session = self._grant(
            {
                "grant_type": "password",
                "client_id": s.client_id,
                "username": s.username,
                "password": s.password.get_secret_value(),
            }
        )

    def refresh(self) -> None:
        """Exchange the refresh token for a new access token (logging in again if that fails)."""
        if self.session is None or self.session.refresh is None:
            self.login()
            return
        try:
            self.session = self._grant(
                {
                    "grant_type": "refresh_token",
                    "client_id": self.settings.client_id,
                    "refresh_token": self.session.refresh.get_secret_value(),
                }
            )
        except AuthenticationError:
            self.login()

    def _grant(self, form: Mapping[str, str]) -> Session:
        # Logging in changes nothing on the server, so it is always safe to repeat.
        response = self.send("POST", TOKEN_PATH, safe_to_repeat=True, authenticated=False, json=dict(form))
        if response.status_code >= 400:
            body = self.error_body(response)
            error = login_error(response.status_code, body, response.headers, username=self.settings.username)
            raise masked(error, sent_secrets(response.request))  # a server may quote the password
        token = read_token(self.decode(response, "the Minds token endpoint"))
        if token is None:
            raise AuthenticationError(
                f"the Minds token endpoint answered without an access token for {self.settings.username!r}",
                network=NAME,
            )
        return Session(access=token.access_token, refresh=token.refresh_token, expires_at=token.expires_at)

    # ------------------------------------------------------------ HttpApi hooks

    def auth_headers(self) -> Mapping[str, str]:
        """The session's bearer token, logging in first when there is none."""
        if self.session is None:
            self.login()
        assert self.session is not None
        return {"Authorization": f"Bearer {self.session.access.get_secret_value()}"}

    def reauthenticate(self) -> bool:
        """An expired access token: refresh it (refused before doing anything, so resending is safe)."""
        self.refresh()
        return True

    def secrets(self, request: httpx.Request) -> list[str]:
        """What a server must not get to put in an error: what ``request`` carried, the password and
        the session's tokens (a server knows them all, and may quote any)."""
        known = [self.settings.password.get_secret_value()]
        if self.session is not None:
            known.append(self.session.access.get_secret_value())
            if self.session.refresh is not None:
                known.append(self.session.refresh.get_secret_value())
        return sent_secrets(request) + [s for s in known if len(s) >= _MIN_MASKED]

    def failure(self, response: httpx.Response, *, method: str, safe_to_repeat: bool) -> DecentSocialError:
        """The shared failure, with the password and tokens masked too (see :meth:`secrets`)."""
        error = super().failure(response, method=method, safe_to_repeat=safe_to_repeat)
        return masked(error, self.secrets(response.request))

    def error(
        self, response: httpx.Response, body: Any, *, method: str, safe_to_repeat: bool
    ) -> DecentSocialError:
        """Minds' error bodies on the shared status table (see ``failures``)."""
        return minds_error(
            response.status_code, body, response.headers, method=method, safe_to_repeat=safe_to_repeat
        )

    def parse(self, response: httpx.Response) -> dict[str, Any]:
        """The JSON object, refusing ``{"status": "error"}`` (Minds sends some refusals with a 200)."""
        body = super().parse(response)
        if body.get("status") == "error":
            error = refusal_with_200(response.request.method, body)
            raise masked(error, self.secrets(response.request))
        return body
