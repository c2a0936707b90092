"""The Graph API over the shared HTTP transport: the only file of the package that touches the wire.

Tokens travel in the ``Authorization`` header. The token endpoints take them
as query parameters, so the request log (``HttpApi.send``) names paths only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import httpx
from pydantic import SecretStr

from ...errors import AuthenticationError, DecentSocialError, NetworkUnavailable, RateLimited
from ...httpclient import HttpApi, scrub, sent_secrets
from ...limits import Limits
from ...retry import RetryPolicy
from .convert import confirmed
from .failures import NAME, REFRESH_HINT, GraphFailure

__all__ = ["GraphApi"]


class GraphApi(HttpApi):
    """The Threads Graph API: versioned paths, a bearer token, Graph error codes."""

    def __init__(
        self,
        base_url: str,
        *,
        token: SecretStr | None,
        api_version: str = "v1.0",
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        limits: Limits | None = None,
    ) -> None:
        super().__init__(NAME, "Threads", base_url, timeout=timeout, retry=retry, limits=limits)
        self.token = token
        self._header_token: SecretStr | None = None
        self._header: Mapping[str, str] = {}
        self.api_version = api_version

    def auth_headers(self) -> Mapping[str, str]:
        """The token as a bearer header (the refresh helpers swap ``self.token``), built once per token."""
        if self.token is not self._header_token:
            self._header_token = self.token
            self._header = {"Authorization": f"Bearer {self.token.get_secret_value()}"} if self.token else {}
        return self._header

    def error(
        self, response: httpx.Response, body: Any, *, method: str, safe_to_repeat: bool
    ) -> DecentSocialError:
        """Graph error codes first, then the shared status table (see ``failures``)."""
        return GraphFailure.read(response.status_code, body, response.headers).error(
            safe_to_repeat=safe_to_repeat
        )

    def versioned(self, path: str) -> str:
        """``me`` -> ``/v1.0/me``."""
        return f"/{self.api_version}/{path.lstrip('/')}"

    def graph(
        self, method: str, path: str, *, safe_to_repeat: bool | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """A Graph API request under the retry policy (GETs are repeated, writes only when said safe)."""
        return self.call(method, self.versioned(path), safe_to_repeat=safe_to_repeat, **kwargs)

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        """GET a Graph object or edge with ``params`` (repeated under the retry policy)."""
        return self.call("GET", self.versioned(path), params=params)

    def remove(self, object_id: str) -> None:
        """DELETE a Graph object; "not found" on a repeat is success (see ``HttpApi.delete``), and
        an answer must not say otherwise (``{"success": false}``, another ``deleted_id``)."""
        self.delete(self.versioned(object_id), check=lambda body: confirmed(body, "delete", object_id))

    def attempt(self, path: str, data: Mapping[str, Any]) -> dict[str, Any] | GraphFailure:
        """One POST that is never repeated here, whose refusal the caller examines (codes, subcodes).

        Transport failures still raise ``NetworkUnavailable`` (not retryable:
        the request may have reached the server). The server's message has the
        secrets the request carried masked, as ``failure`` masks them.
        """
        response = self.send("POST", self.versioned(path), safe_to_repeat=False, data=data)
        if response.status_code >= 400:
            failure = GraphFailure.read(response.status_code, self.error_body(response), response.headers)
            return dataclasses.replace(
                failure, message=scrub(failure.message, sent_secrets(response.request))
            )
        return self.parse(response)

    def token_endpoint(self, path: str, params: Mapping[str, str]) -> Any:
        """GET a token endpoint (unversioned, unauthenticated); a refusal is an ``AuthenticationError``
        that names no secret, and the answer's JSON is returned (the query holds the app secret and
        the token: ``send`` and ``decode`` raise their failures with a scrubbed chain)."""
        response = self.send("GET", path, safe_to_repeat=False, authenticated=False, params=params)
        if response.status_code >= 400:
            error = self.failure(response, method="GET", safe_to_repeat=True)
            if isinstance(error, (RateLimited, NetworkUnavailable)):
                raise error from None
            raise AuthenticationError(
                f"Threads refused the token request; {REFRESH_HINT}",
                network=NAME,
                server_message=error.server_message,
            )
        return self.decode(response, "the Threads token endpoint")
