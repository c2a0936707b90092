"""The httpx plumbing that backends speaking plain HTTP APIs share (Threads, Minds).

One lazily opened ``httpx.Client`` per connection (``connect()`` does no
I/O), and transport failures mapped the same way everywhere: a connection
that never opened is ``NetworkUnavailable(retryable=True)``, since nothing
reached the server; any other transport failure is retryable only when the
caller says repeating the request is safe.
"""

from __future__ import annotations

from typing import Any

import httpx

from .errors import NetworkUnavailable

__all__ = ["HttpClient"]


class HttpClient:
    """A backend's HTTP connection to one service (``label`` names it in messages: "Threads")."""

    def __init__(self, network: str, label: str, base_url: str, *, timeout: float) -> None:
        self.network = network
        self.label = label
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._client: httpx.Client | None = None

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(base_url=self.base_url, timeout=self.timeout)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def request(self, method: str, path: str, *, safe_to_repeat: bool, **kwargs: Any) -> httpx.Response:
        """Send one request; transport failures become ``NetworkUnavailable``, HTTP errors are returned."""
        try:
            return self.client.request(method, path, **kwargs)
        except httpx.ConnectError as exc:
            raise NetworkUnavailable(
                f"cannot reach {self.label} at {self.base_url}", network=self.network, retryable=True
            ) from exc
        except httpx.TransportError as exc:
            # The request may have reached the server: repeat only what is safe to repeat.
            raise NetworkUnavailable(
                f"{self.label} request failed ({type(exc).__name__})",
                network=self.network,
                retryable=safe_to_repeat,
            ) from exc

    def json(self, response: httpx.Response, what: str | None = None) -> Any:
        """The response's JSON; a body that is not JSON is the server's failure."""
        try:
            return response.json()
        except ValueError as exc:
            raise NetworkUnavailable(
                f"{what or self.label} answered with something not JSON", network=self.network
            ) from exc
