"""The wire: the only module that touches Mastodon.py and requests.

One :class:`MastodonTransport` per connection holds a Mastodon.py client and
the requests session under it, both built on first use (``connect`` does no
I/O). :meth:`MastodonTransport.request` runs one library call with every
failure mapped once (:func:`.failures.mapped`); the backend decides what is
retried. :meth:`MastodonTransport.open_stream` opens one Server-Sent-Events
response for the streaming API. Mastodon.py's own rate-limit waiting is off
(``ratelimit_method="throw"``): the retry policy waits instead.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing, contextmanager
from typing import Any, TypeVar, cast

import requests
from mastodon import Mastodon
from mastodon import errors as mp

from ...errors import NetworkUnavailable
from .convert import NETWORK
from .failures import Failure, mapped
from .settings import MastodonSettings
from .stream import StreamAnswer

__all__ = ["Client", "MastodonTransport"]

T = TypeVar("T")

#: Mastodon.py's client, the type every request function receives.
Client = Mastodon


class MastodonTransport:
    """Mastodon.py and its HTTP session for one connection: built lazily, failures mapped, closed once."""

    def __init__(self, settings: MastodonSettings) -> None:
        self.settings = settings
        self._client: Mastodon | None = None
        self._session: requests.Session | None = None
        self._lock = threading.Lock()
        # Mastodon.py's exceptions drop the answer's headers and error text: the session's
        # response hook keeps the last ones, per thread, for the failure being described.
        self._seen = threading.local()

    @property
    def client(self) -> Mastodon:
        """The Mastodon.py client, built on first use."""
        with self._lock:
            if self._client is None:
                session = requests.Session()
                session.hooks["response"].append(self._remember)
                pinned = self.settings.mastodon_version
                token = self.settings.access_token
                self._client = Mastodon(
                    api_base_url=self.settings.base_url,
                    access_token=token.get_secret_value() if token is not None else None,
                    # requests takes (connect, read); Mastodon.py passes it through (its hint says float).
                    request_timeout=cast(float, (self.settings.connect_timeout, self.settings.timeout)),
                    ratelimit_method="throw",
                    # A pinned version is trusted (no probe); "created" makes Mastodon.py use it.
                    mastodon_version=pinned,
                    version_check_mode="created" if pinned else "none",
                    session=session,
                    user_agent=self.settings.user_agent,
                )
                self._session = session
            return self._client

    @property
    def session(self) -> requests.Session:
        """The HTTP session Mastodon.py uses (the stream reads through it too); tests hook it."""
        session: requests.Session = self.client.session
        return session

    def request(self, call: Callable[[Mastodon], T], what: str, *, idempotent: bool = True) -> T:
        """One try of ``call(client)``; a failure is raised as its decentsocial error (never retried here).

        ``what`` names the operation in messages; ``idempotent`` says whether
        a retry of this request would be safe (it decides ``retryable``).
        """
        client = self.client
        self._seen.headers = None
        self._seen.error = None
        with mapped(what, idempotent=idempotent, describe=self._describe):
            return call(client)

    @contextmanager
    def open_stream(self, url: str, params: Mapping[str, str]) -> Iterator[StreamAnswer]:
        """One open streaming response (closed on exit); ``NetworkUnavailable`` if nothing answers."""
        headers = {"User-Agent": self.settings.user_agent, "Accept": "text/event-stream"}
        if self.settings.access_token is not None:
            headers["Authorization"] = "Bearer " + self.settings.access_token.get_secret_value()
        try:
            response = self.session.get(
                url,
                params=dict(params),
                headers=headers,
                stream=True,
                timeout=(self.settings.connect_timeout, self.settings.stream_timeout),
            )
        except requests.RequestException as exc:
            raise NetworkUnavailable("the stream cannot reach the server", network=NETWORK) from exc
        with closing(response):
            yield StreamAnswer(response.status_code, response.headers, _chunks(response))

    def close(self) -> None:
        """Close the session's sockets; a later request builds a new client."""
        with self._lock:
            session, self._session, self._client = self._session, None, None
        if session is not None:
            session.close()

    def _remember(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self._seen.headers = dict(response.headers)
        self._seen.error = _error_text(response) if response.status_code >= 400 else None

    def _describe(self, exc: Exception) -> Failure | None:
        """Mastodon.py's and requests' exceptions as a :class:`Failure` (``None``: not a request failure)."""
        headers: Mapping[str, str] | None = getattr(self._seen, "headers", None)
        server: str | None = getattr(self._seen, "error", None)
        if isinstance(exc, mp.MastodonRatelimitError):
            return Failure("status", status=429, server_message=server, headers=headers)
        if isinstance(exc, mp.MastodonNetworkError):
            return Failure("unreachable", _first_line(exc))
        if isinstance(exc, mp.MastodonIOError):
            return Failure("media", _first_line(exc))
        if isinstance(exc, mp.MastodonIllegalArgumentError):
            return Failure("argument", _first_line(exc))
        if isinstance(exc, mp.MastodonVersionError):
            return Failure("version", _first_line(exc))
        if isinstance(exc, mp.MastodonAPIError):
            args = exc.args
            status = args[1] if len(args) > 1 and isinstance(args[1], int) else None
            said = args[3] if len(args) > 3 and isinstance(args[3], str) and args[3] else None
            if status is None:
                return Failure("unreadable")
            return Failure("status", status=status, server_message=said or server, headers=headers)
        if isinstance(exc, requests.RequestException):
            return Failure("unreachable")
        return None


def _chunks(response: requests.Response) -> Iterator[bytes]:
    """The body as it arrives; a drop or a silence past the read timeout is ``NetworkUnavailable``."""
    try:
        yield from response.iter_content(chunk_size=None)
    except requests.RequestException as exc:
        raise NetworkUnavailable("the stream was dropped", network=NETWORK) from exc


def _error_text(response: requests.Response) -> str | None:
    """Mastodon's ``{"error": …, "error_description": …}`` body as one short line."""
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict) or not isinstance(body.get("error"), str):
        return None
    text: str = body["error"]
    if isinstance(body.get("error_description"), str):
        text = f"{text}: {body['error_description']}"
    return text[:500]


def _first_line(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]
