"""The wire: the only module that touches Mastodon.py and requests.

One :class:`MastodonTransport` per connection holds a Mastodon.py client and
the requests session under it, both built on first use (``connect`` does no
I/O). :meth:`MastodonTransport.request` runs one library call with every
failure mapped once (:func:`.failures.mapped`); the backend decides what is
retried. :meth:`MastodonTransport.open_stream` opens one Server-Sent-Events
response for the streaming API. Mastodon.py's own rate-limit waiting is off
(``ratelimit_method="throw"``): the retry policy waits instead.

Mastodon.py speaks requests, not httpx, so the session carries
:class:`GuardedAdapter`, the requests counterpart of the core's
``guarded_transport``: every request keeps to ``limits.deadline`` (a
watchdog, one alarm in the process's shared alarm thread rather than a
thread per request, shuts the socket when it passes, so a server dripping
its headers or body one byte at a time cannot hold a call; the ``(connect, read)``
timeouts are the time left), the answer is decompressed here with its size
capped at ``limits.max_body_bytes`` (a gzip bomb is refused, not unpacked)
and its JSON nesting checked against ``limits.max_json_depth`` before
Mastodon.py parses it. A stream is left to its reader once its headers came.
A stream's ``stop()`` while it connects (the :class:`~decentsocial.interrupt.Interrupt`
in force on the reading thread) ends a request the way its deadline does:
each socket is opened by :func:`decentsocial.interrupt.open_socket`, watched
from before it connects, so a TCP or TLS handshake a server never completes
is not waited on.

Mastodon.py's own version probe recurses without end when the instance
cannot be read (a server that is down): :class:`_Client` replaces it with
one read of the instance whose failure is an ordinary, typed one.
"""

from __future__ import annotations

import re
import socket
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, closing, contextmanager
from functools import partial
from typing import Any, TypeVar, cast

import requests
from mastodon import Mastodon
from mastodon import errors as mp
from mastodon.types_base import PaginatableList
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NameResolutionError, NewConnectionError
from urllib3.util.connection import allowed_gai_family

from ... import alarm
from ... import interrupt as interrupts
from ...alarm import Alarm
from ...errors import ConfigurationError, DecentSocialError, InvalidInput, NetworkUnavailable
from ...httpclient import secret_safe, unchained
from ...limits import Deadline, Limits, check_json_depth, read_encoded
from ...urls import parse_url
from .convert import NETWORK
from .failures import Failure, mapped
from .settings import MastodonSettings
from .stream import StreamAnswer

__all__ = ["Client", "GuardedAdapter", "MastodonTransport"]

T = TypeVar("T")

#: What a non-stream request says it can decode (and so is decoded, capped, here).
ACCEPT_ENCODING = "gzip, deflate"
_CHUNK = 64 * 1024
_VERSION = re.compile(r"\s*(\d{1,6})\.(\d{1,6})\.(\d{1,6})")


# ---------------------------------------------------------------- the deadline watchdog

_watching = threading.local()


class _Watchdog:
    """Shuts the sockets of this thread's request when its deadline passes (unblocking any read), or
    when the :class:`~decentsocial.interrupt.Interrupt` in force on this thread is set (a stream's
    ``stop()`` while it opens): a connect, TLS handshake or wait for the headers ends there."""

    def __init__(self, deadline: Deadline) -> None:
        self.deadline = deadline
        self.fired = False
        self.stopped = False
        self._sockets: list[Any] = []
        self._connections: list[HTTPConnection] = []
        self._duplicates: list[socket.socket] = []  # this request's own: closed at its end
        self._lock = threading.Lock()
        self._alarm: Alarm | None = None
        self._hooks = ExitStack()

    def __enter__(self) -> _Watchdog:
        _watching.current = self
        self._alarm = alarm.schedule(self.deadline.remaining(), self._fire)  # no thread per request
        interrupt = interrupts.current()
        if interrupt is not None:
            self._hooks.enter_context(interrupt.hooked(self._stop))
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self._alarm is not None:
            self._alarm.cancel()
        self._hooks.close()
        with self._lock:  # not while an alarm shuts them (a closed descriptor may be another's by then)
            duplicates, self._duplicates = self._duplicates, []
            for duplicate in duplicates:
                duplicate.close()
        if getattr(_watching, "current", None) is self:
            _watching.current = None

    def halted(self) -> bool:
        """Whether the request is over: its deadline passed, or it was stopped."""
        return self.fired or self.stopped

    def watch(self, connection: HTTPConnection) -> None:
        with self._lock:
            self._connections.append(connection)
            halted = self.halted()
        if halted:
            _shut(getattr(connection, "sock", None))

    def watch_socket(self, sock: Any) -> None:
        with self._lock:
            self._sockets.append(sock)
            halted = self.halted()
        if halted:
            _shut(sock)

    def watch_opening(self, sock: socket.socket) -> None:
        """A socket being opened, watched through a duplicate of it: the TLS handshake takes its
        descriptor over (the socket object is left with none), the duplicate still reaches it."""
        with self._lock:
            self._duplicates.append(sock.dup())
            halted = self.halted()
        if halted:
            _shut(sock)

    def _fire(self) -> None:
        self._halt(stopped=False)

    def _stop(self) -> None:
        self._halt(stopped=True)

    def _halt(self, *, stopped: bool) -> None:
        with self._lock:
            if stopped:
                self.stopped = True
            else:
                self.fired = True
            for sock in [
                *self._sockets,
                *self._duplicates,
                *(getattr(c, "sock", None) for c in self._connections),
            ]:
                _shut(sock)  # under the lock: shutdown does not block


#: Shut a socket for both directions; a blocked connect or read in another thread returns at once.
_shut = interrupts.shut


def _watch(connection: HTTPConnection) -> None:
    watchdog: _Watchdog | None = getattr(_watching, "current", None)
    if watchdog is not None:
        watchdog.watch(connection)


class _Watched(HTTPConnection):
    """A connection that puts itself under the current call's watchdog before any I/O.

    Its socket is opened by :func:`decentsocial.interrupt.open_socket`, under
    the watchdog from before it connects: a connect to a server that never
    completes the handshake ends when the request is stopped.
    """

    def _new_conn(self) -> socket.socket:
        watchdog: _Watchdog | None = getattr(_watching, "current", None)
        if watchdog is None:
            return super()._new_conn()
        timeout = self.timeout if isinstance(self.timeout, (int, float)) else socket.getdefaulttimeout()
        try:
            sock = interrupts.open_socket(
                (self._dns_host, self.port),
                timeout,
                stopped=watchdog.halted,
                watch=watchdog.watch_opening,
                family=allowed_gai_family(),
                source_address=self.source_address,
                socket_options=self.socket_options,
            )
        except socket.gaierror as exc:  # mapped as urllib3's own _new_conn maps them
            raise NameResolutionError(self.host, self, exc) from exc
        except TimeoutError as exc:
            raise ConnectTimeoutError(
                self, f"Connection to {self.host} timed out. (connect timeout={self.timeout})"
            ) from exc
        except OSError as exc:
            raise NewConnectionError(self, f"Failed to establish a new connection: {exc}") from exc
        sys.audit("http.client.connect", self, self.host, self.port)
        return sock

    def connect(self) -> None:
        _watch(self)
        super().connect()

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watch(self)
        super().request(*args, **kwargs)


class _WatchedHTTPConnection(_Watched):
    pass


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


# ---------------------------------------------------------------- the adapter


class GuardedAdapter(HTTPAdapter):
    """A requests adapter that keeps every request within ``limits`` (see the module docstring).

    ``send(..., stream=True)`` (the streaming API) is guarded until its
    headers arrive and then left to the caller, who reads it with the line
    cap of :func:`decentsocial.limits.iter_lines_capped`.
    """

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}

    def send(  # type: ignore[override]
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        **kwargs: Any,
    ) -> requests.Response:
        deadline = Deadline(self.limits.deadline, network=NETWORK, what="the Mastodon server")
        request.headers["Accept-Encoding"] = "identity" if stream else ACCEPT_ENCODING
        with _Watchdog(deadline) as watchdog:
            try:
                # A stream keeps its own read timeout (its silence limit) once the headers came.
                limited = _timeouts(timeout, deadline, keep_read=stream)
                response = super().send(request, stream=True, timeout=limited, **kwargs)
                try:
                    if 300 <= response.status_code < 400:  # with a Location or not: no answer
                        raise _redirected(response)
                    if not stream:
                        self._read(response, deadline, watchdog)
                    if watchdog.halted():
                        # The shut socket may read as a short but complete answer: it is not one.
                        raise _stopped() if watchdog.stopped else deadline.error()
                except BaseException:
                    response.close()
                    raise
                return response
            except DecentSocialError:
                raise
            except Exception as exc:
                if watchdog.stopped:
                    raise _stopped() from exc
                if watchdog.fired or deadline.passed():
                    raise deadline.error() from exc
                raise

    def _read(self, response: requests.Response, deadline: Deadline, watchdog: _Watchdog) -> None:
        """Read the whole answer into ``response`` (decompressed, capped, depth-checked)."""
        raw = response.raw
        watchdog.watch_socket(_socket_of(raw))
        chunks = raw.stream(_CHUNK, decode_content=False)
        encoding = response.headers.get("content-encoding", "")
        body = read_encoded(chunks, encoding, limit=self.limits.max_body_bytes, deadline=deadline)
        # Every answer, whatever it starts with: a byte-order mark before the JSON (which requests
        # then reads as UTF-8-SIG) must not let a deep answer past the check.
        check_json_depth(body, max_depth=self.limits.max_json_depth, network=NETWORK)
        raw.release_conn()
        response._content = body
        response._content_consumed = True
        response.guarded = True  # type: ignore[attr-defined]  # read here: hooks may read it again
        for header in ("content-encoding", "transfer-encoding"):
            response.headers.pop(header, None)
        response.headers["Content-Length"] = str(len(body))


def _stopped() -> NetworkUnavailable:
    """A request its stream's ``stop()`` ended (see ``_Watchdog``): the stream ends, nothing to retry."""
    return NetworkUnavailable(
        "the request was stopped: its stream was told to end", network=NETWORK, retryable=False
    )


def _redirected(response: requests.Response) -> ConfigurationError:
    """A redirect is refused, not followed: each hop would get a deadline of its own, and a
    redirect to another host would carry a post's text (and its idempotency key) there.
    The API of a Mastodon server never redirects; a server that moved needs a new ``base_url``."""
    location = response.headers.get("location", "")
    where = " within the server" if location else ""
    if "://" in location:
        try:
            where = f" to {parse_url(location).host}"
        except InvalidInput:
            where = ""
    return ConfigurationError(
        f"the Mastodon server answered HTTP {response.status_code}{where}: redirects are not followed"
        " (if the server moved, set base_url to its new address)",
        network=NETWORK,
    )


def _timeouts(given: Any, deadline: Deadline, *, keep_read: bool = False) -> tuple[float, float]:
    """``(connect, read)``: the caller's, never past the time left before the deadline."""
    connect, read = given if isinstance(given, tuple) else (given, given)
    remaining = deadline.remaining()
    if keep_read and isinstance(read, (int, float)):
        return (min(remaining, connect) if isinstance(connect, (int, float)) else remaining, read)
    return (
        min(remaining, connect) if isinstance(connect, (int, float)) else remaining,
        min(remaining, read) if isinstance(read, (int, float)) else remaining,
    )


def _socket_of(raw: Any) -> Any:
    """The socket under a urllib3 response (once the connection has handed it over), if it can be found."""
    fp = getattr(raw, "_fp", None)
    return getattr(getattr(getattr(fp, "fp", None), "raw", None), "_sock", None)


# ---------------------------------------------------------------- Mastodon.py's version probe


class _Client(Mastodon):
    """Mastodon.py with its version probe made safe.

    Mastodon.py reads the server's version the first time a call depends
    on it; when that read fails it retries itself without end (a
    ``RecursionError`` after a few seconds on a server that is down). Here
    the probe is one read of the instance (v2, else v1): its failure is the
    call's own failure (typed by the transport), and the version, once read
    or pinned by ``mastodon_version``, is kept for the connection.
    """

    _ds_version: tuple[int, int, int] | None = None

    def retrieve_mastodon_version(self, fail_hard: bool = False) -> str:
        info: Any = self.instance_v1()  # where Mastodon.py reads the version too
        text = info.get("version") if isinstance(info, Mapping) else None
        version = _server_version(text) if isinstance(text, str) else (1, 0, 0)
        self.mastodon_major, self.mastodon_minor, self.mastodon_patch = version
        self._ds_version = version
        return ".".join(map(str, version))

    def edit_status(self, status_id: str, text: str, *, language: str | None, **params: Any) -> Any:
        """``PUT /api/v1/statuses/:id`` with every field Mastodon edits (``status_update`` drops
        ``language``): Mastodon.py's own status writer, so the request is built as a post's is."""
        writer = self._Mastodon__status_internal  # type: ignore[attr-defined]
        return writer(status=text, edit=status_id, language=language, **params)

    def verify_minimum_version(self, version_str: str, cached: bool = False) -> bool:
        if self._ds_version is None:
            self.retrieve_mastodon_version()
        found = _VERSION.match(version_str)
        needed = (int(found[1]), int(found[2]), int(found[3])) if found else (0, 0, 0)
        return (self._ds_version or (0, 0, 0)) >= needed


class _PlainClient(_Client):
    """The same client (it shares the ``_Client``'s state) whose answers stay the JSON the server sent.

    Mastodon.py casts every answer into its entity classes (dates parsed,
    every nested object wrapped): for a page of 40 statuses that is most of
    the read's time, spent on objects the converters read once and the
    ``raw`` copy turns back into JSON. Lists read through this client skip
    the cast: the request, its errors, its ``Link`` paging and every guard of
    the adapter are Mastodon.py's and the session's as before.
    """

    def _Mastodon__try_cast_to_type(self, value: Any, override_type: Any = None) -> tuple[Any, None]:
        # A list goes in Mastodon.py's list type (a page carries its ``_pagination_next``), items as parsed.
        return (PaginatableList(value) if type(value) is list else value), None  # type: ignore[no-untyped-call]


#: Mastodon.py's client, the type every request function receives.
Client = _Client


def _server_version(text: str) -> tuple[int, int, int]:
    """The Mastodon API version a version string names, read as Mastodon.py reads it.

    ``"2.7.2 (compatible; Pleroma 2.5.0)"`` is 2.7.2; ``"3.5.3+glitch"`` 3.5.3; a Hometown-style
    ``"1.0.0+4.1.2"`` the part after ``+``; GoToSocial's ``"0.17.1 git-…"`` 0.17.1; a string
    that names no version 1.0.0 (Mastodon.py's own guess).
    """
    before, _, after = text.split(" ")[0].partition("+")
    for part in (after, before):
        found = _VERSION.match(part)
        if found and (part is before or int(found[1]) >= 1):
            return int(found[1]), int(found[2]), int(found[3])
    return 1, 0, 0


# ---------------------------------------------------------------- the transport


class MastodonTransport:
    """Mastodon.py and its HTTP session for one connection: built lazily, failures mapped, closed once."""

    def __init__(self, settings: MastodonSettings) -> None:
        self.settings = settings
        self._client: _Client | None = None
        self._plain: _Client | None = None
        self._session: requests.Session | None = None
        self._lock = threading.Lock()
        # Mastodon.py's exceptions drop the answer's headers and error text: the session's
        # response hook keeps the last ones, per thread, for the failure being described.
        self._seen = threading.local()

    @property
    def client(self) -> _Client:
        """The Mastodon.py client, built on first use."""
        return self._clients()[0]

    @property
    def plain_client(self) -> _Client:
        """The same client, its answers left as parsed JSON (plain dicts and lists): see ``_PlainClient``."""
        return self._clients()[1]

    def _clients(self) -> tuple[_Client, _Client]:
        with self._lock:
            if self._client is None or self._plain is None:
                session = requests.Session()
                adapter = GuardedAdapter(self.settings.limits)
                session.mount("https://", adapter)
                session.mount("http://", adapter)
                session.hooks["response"].append(self._remember)
                pinned = self.settings.mastodon_version
                token = self.settings.access_token
                client = _Client(
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
                if pinned:
                    client._ds_version = (client.mastodon_major, client.mastodon_minor, client.mastodon_patch)
                plain = _PlainClient.__new__(_PlainClient)
                plain.__dict__ = client.__dict__  # one client state (version, session), two ways to read
                self._client = client
                self._plain = plain
                self._session = session
            return self._client, self._plain

    @property
    def session(self) -> requests.Session:
        """The HTTP session Mastodon.py uses (the stream reads through it too); tests hook it."""
        session: requests.Session = self.client.session
        return session

    def request(
        self, call: Callable[[_Client], T], what: str, *, idempotent: bool = True, plain: bool = False
    ) -> T:
        """One try of ``call(client)``; a failure is raised as its decentsocial error (never retried here).

        ``what`` names the operation in messages; ``idempotent`` says whether
        a retry of this request would be safe (it decides ``retryable``);
        ``plain`` leaves the answer as parsed JSON instead of Mastodon.py's entities.
        """
        client = self.plain_client if plain else self.client
        self._seen.headers = None
        self._seen.error = None

        def attempt() -> T:
            with mapped(what, idempotent=idempotent, describe=self._describe):
                return call(client)

        # requests' exceptions keep the request, its Authorization header with them: the error is
        # raised with a scrubbed chain, the token masked in its words (a server may echo it).
        return secret_safe(attempt, secrets=self._secrets())

    def _secrets(self) -> list[str]:
        token = self.settings.access_token
        return [token.get_secret_value()] if token is not None else []

    @contextmanager
    def open_stream(self, url: str, params: Mapping[str, str]) -> Iterator[StreamAnswer]:
        """One open streaming response (closed on exit); ``NetworkUnavailable`` if nothing answers."""
        headers = {"User-Agent": self.settings.user_agent, "Accept": "text/event-stream"}
        if self.settings.access_token is not None:
            headers["Authorization"] = "Bearer " + self.settings.access_token.get_secret_value()

        def get() -> requests.Response:
            try:
                return self.session.get(
                    url,
                    params=dict(params),
                    headers=headers,
                    stream=True,
                    timeout=(self.settings.connect_timeout, self.settings.stream_timeout),
                )
            except requests.RequestException as exc:
                raise NetworkUnavailable("the stream cannot reach the server", network=NETWORK) from exc

        response = secret_safe(get, secrets=self._secrets())  # requests' error keeps the request's token
        with closing(response):
            encoding = response.headers.get("content-encoding", "identity").strip().lower()
            if encoding not in ("", "identity"):
                raise NetworkUnavailable(
                    f"the stream came in an encoding it was not offered ({encoding[:40]})", network=NETWORK
                )
            sock = _socket_of(response.raw)  # shut by a stop() from another thread: ends a blocked read
            shut = None if sock is None else partial(_shut, sock)
            yield StreamAnswer(response.status_code, response.headers, _chunks(response), shut)

    def close(self) -> None:
        """Close the session's sockets; a later request builds a new client."""
        with self._lock:
            session, self._session, self._client, self._plain = self._session, None, None, None
        if session is not None:
            session.close()

    def _remember(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self._seen.headers = dict(response.headers)
        # Only an answer the adapter read (capped): a stream's body is its reader's.
        guarded = getattr(response, "guarded", False)
        readable = response.status_code >= 400 and guarded
        self._seen.error = _error_text(response) if readable else None
        if guarded:
            # Kept above for the 429's wait; Mastodon.py (which needs it only to pace itself) raises its
            # rate-limit error on any answer, a 200 too, whose reset time it cannot parse.
            response.headers.pop("X-RateLimit-Reset", None)

    def _describe(self, exc: Exception) -> Failure | None:
        """Mastodon.py's and requests' exceptions as a :class:`Failure` (``None``: not a request failure).

        The token is masked in the server's words, and the library's exception dropped from the
        chain, by :meth:`request` (``secret_safe``).
        """
        headers: Mapping[str, str] | None = getattr(self._seen, "headers", None)
        server: str | None = getattr(self._seen, "error", None)
        if isinstance(exc, mp.MastodonRatelimitError):
            return Failure("status", status=429, server_message=server, headers=headers)
        if isinstance(exc, mp.MastodonNetworkError):
            return Failure("unopened" if _never_opened(exc) else "unreachable", _first_line(exc))
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
            return Failure("unopened" if _never_opened(exc) else "unreachable")
        if headers is not None and _raised_in_library(exc):
            # Mastodon.py tripped over an answer of a shape it does not expect (a list for an object).
            return Failure("unreadable")
        return None


def _never_opened(exc: BaseException) -> bool:
    """Whether a failed request never left: its connection did not open (refused, no such host, or
    no connection within the connect timeout). Mastodon.py raises its own error in place of
    requests', which carries urllib3's as the reason of a retry error, so the chain is searched."""
    seen: list[BaseException] = []
    link: BaseException | None = exc
    while link is not None and len(seen) < 8 and not any(link is s for s in seen):
        if isinstance(link, (NewConnectionError, ConnectTimeoutError, requests.ConnectTimeout)):
            return True
        if isinstance(link, MaxRetryError) and isinstance(
            link.reason, (NewConnectionError, ConnectTimeoutError)
        ):
            return True
        if (
            isinstance(link, requests.ConnectionError)
            and link.args
            and isinstance(link.args[0], MaxRetryError)
        ):
            link = link.args[0]
            continue
        seen.append(link)
        link = link.__cause__ or link.__context__
    return False


def _raised_in_library(exc: Exception) -> bool:
    """Whether ``exc`` is a slip (a missing attribute or key, a wrong type) inside Mastodon.py itself."""
    if not isinstance(exc, (AttributeError, LookupError, TypeError, ValueError)):
        return False
    trace = exc.__traceback__
    while trace is not None and trace.tb_next is not None:
        trace = trace.tb_next
    module = trace.tb_frame.f_globals.get("__name__", "") if trace is not None else ""
    return isinstance(module, str) and (module == "mastodon" or module.startswith("mastodon."))


def _chunks(response: requests.Response) -> Iterator[bytes]:
    """The body as it arrives; a drop or a silence past the read timeout is ``NetworkUnavailable``."""
    try:
        yield from response.iter_content(chunk_size=None)
    except (requests.RequestException, OSError) as exc:
        # requests' exception keeps the request and its token: raised (outside this block, so not
        # as the context either) with a scrubbed cause instead.
        error = unchained(_caused(NetworkUnavailable("the stream was dropped", network=NETWORK), exc))
    else:
        return
    raise error


def _caused(error: DecentSocialError, cause: BaseException) -> DecentSocialError:
    error.__cause__ = cause
    return error


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
