"""The one HTTP transport for backends that speak plain HTTP APIs over httpx (Threads, Minds).

What every such backend needs, written once:

* one lazily opened guarded transport per connection (``connect()`` does no I/O),
  sent to straight, with no ``httpx.Client`` around it (no cookie jar);
* transport failures mapped in one place (:meth:`HttpApi.failures`): a
  connection that never opened is ``NetworkUnavailable(retryable=True)``,
  since nothing reached the server; any other transport failure is
  retryable only when the caller says repeating the request is safe;
* an HTTP error status mapped through :func:`decentsocial.errors.from_status`,
  with :meth:`HttpApi.error` as the hook for an API's own error bodies;
* every request within the connection's :class:`~decentsocial.limits.Limits`
  (the ``limits`` setting): requests go through
  :func:`~decentsocial.limits.guarded_transport`, so a server that drips
  bytes cannot hold a call past the deadline and a small gzip bomb is
  refused, not unpacked;
* JSON answers decoded once, size- and depth-checked (:meth:`HttpApi.parse`;
  a body that is not a JSON object is the server's failure);
* requests under the connection's :class:`~decentsocial.retry.RetryPolicy`
  (:meth:`HttpApi.call`), one expired-credentials refresh (:meth:`HttpApi.reauthenticate`)
  and an idempotent DELETE (:meth:`HttpApi.delete`);
* an OAuth token endpoint's answer read once (:func:`read_token`).

A backend subclasses :class:`HttpApi` in its ``transport.py`` and overrides
the hooks: ``auth_headers``, ``error``, ``parse``, ``reauthenticate``.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, TypeGuard, TypeVar
from urllib.parse import parse_qsl, quote, quote_plus

import httpx
from pydantic import SecretStr

from .coerce import as_dict, as_int, as_str
from .errors import DecentSocialError, InvalidInput, NetworkUnavailable, from_status
from .limits import ACCEPT_ENCODING, Limits, guarded_transport, loads
from .retry import RetryPolicy, repeated_delete
from .text import lone_surrogate_at
from .urls import redirect_refused

__all__ = [
    "HttpApi",
    "OAuthToken",
    "checked_digits",
    "checked_text",
    "is_digits",
    "masked",
    "read_token",
    "scrub",
    "secret_safe",
    "sent_secrets",
    "server_words",
    "unchained",
    "unsendable",
]

#: Sent with every request; the guarded transport decodes (and caps) exactly ``ACCEPT_ENCODING``.
_HEADERS = {"Accept": "application/json", "Accept-Encoding": ACCEPT_ENCODING, "User-Agent": "decentsocial"}

#: The keys APIs commonly put their human-readable error in, most specific first.
_MESSAGE_KEYS = ("message", "error_description", "error_message", "error", "detail")


def is_digits(value: object) -> TypeGuard[str]:
    """Whether ``value`` is an id made of 1-40 ASCII digits (Threads media ids, Minds guids).

    Every post of a listing is checked: string methods, not a pattern (the one ASCII digits are 0-9).
    """
    return isinstance(value, str) and 0 < len(value) <= 40 and value.isascii() and value.isdigit()


def checked_digits(value: str, *, network: str, what: str) -> str:
    """A caller's digits-only id, checked before any request: ``InvalidInput`` otherwise.

    Ids go into URL paths; one that is not an id (``../me/threads``) could name another endpoint.
    """
    if not is_digits(value):
        raise InvalidInput(f"{str(value)[:60]!r} is not a {what} (digits)", network=network)
    return value


def checked_text(value: str, *, network: str, what: str) -> str:
    """A caller's text for a URL or query, checked before any request: ``InvalidInput`` when it is not
    a string or holds a lone surrogate (from ``os.fsdecode`` or a cut string), which no URL can carry."""
    if not isinstance(value, str):
        raise InvalidInput(f"{what} must be text, not {type(value).__name__}", network=network)
    at = lone_surrogate_at(value)
    if at is not None:
        raise InvalidInput(
            f"{what} is not valid Unicode: a lone surrogate at character {at}", network=network
        )
    return value


def server_words(body: Any) -> str | None:
    """The server's own words in a JSON error body (``{"message": …}``, OAuth's ``error_description``…)."""
    if not isinstance(body, Mapping):
        return None
    for key in _MESSAGE_KEYS:
        value = body.get(key)
        if isinstance(value, str) and value:
            return value
    return None


@dataclass(frozen=True)
class OAuthToken:
    """What an OAuth token endpoint answered; the tokens stay ``SecretStr`` (never in a repr)."""

    access_token: SecretStr
    refresh_token: SecretStr | None
    token_type: str
    expires_in: int | None
    expires_at: datetime | None


def read_token(body: Any) -> OAuthToken | None:
    """An OAuth token answer (``access_token``, ``expires_in``, ``refresh_token``…); ``None`` without
    an access token, which each backend turns into its own ``AuthenticationError``.

    ``expires_at`` is now plus ``expires_in``, in UTC. An access token with characters an HTTP
    header cannot carry (spaces, controls, non-ASCII) is no token either.
    """
    data = as_dict(body)
    access = as_str(data.get("access_token"))
    if not access or not _header_safe(access):
        return None  # a token that cannot go into an Authorization header is no token
    refresh = as_str(data.get("refresh_token"))
    expires_in = as_int(data.get("expires_in"))
    expires_at = None
    if expires_in is not None:
        try:
            expires_at = datetime.now(timezone.utc) + timedelta(seconds=expires_in)
        except OverflowError:  # junk: a lifetime beyond the calendar is as good as unknown
            expires_in = None
    return OAuthToken(
        access_token=SecretStr(access),
        refresh_token=SecretStr(refresh) if refresh and _header_safe(refresh) else None,
        token_type=as_str(data.get("token_type")) or "bearer",
        expires_in=expires_in,
        expires_at=expires_at,
    )


def _header_safe(token: str) -> bool:
    return all(33 <= ord(c) < 127 for c in token)


#: Words that make a parameter's name a secret's (``access_token``, ``client_secret``, ``api_key``,
#: ``code``), as whole parts of it: ``author`` and ``keyword`` are no secrets.
_SECRET_WORDS = re.compile(
    r"(?:^|[_.-])(?:pass(?:word|wd)?|secret|token|key|apikey|auth|authorization|code|sig|signature)(?:$|[_.-])"
    r"|(?:token|secret|password)$",
    re.IGNORECASE,
)
#: A secret shorter than this is not looked for in a server's words nor masked in an error's:
#: replacing a letter or two would garble them.
_MIN_SECRET = 6


def sent_secrets(request: httpx.Request) -> list[str]:
    """The secrets ``request`` carried: its ``Authorization`` credentials and the values of its
    query and form parameters named like secrets."""
    found = [value.split(" ", 1)[-1] for value in request.headers.get_list("authorization")]
    found += [value for name, value in request.url.params.multi_items() if _SECRET_WORDS.search(name)]
    kind = request.headers.get("content-type", "")
    if kind.startswith("application/x-www-form-urlencoded"):
        form = parse_qsl(request.content.decode("utf-8", "replace"), keep_blank_values=True)
        found += [value for name, value in form if _SECRET_WORDS.search(name)]
    elif kind.startswith("application/json"):  # a JSON login (Minds): its top-level fields
        with contextlib.suppress(ValueError):
            body = json.loads(request.content)
            if isinstance(body, dict):
                found += [v for k, v in body.items() if isinstance(v, str) and _SECRET_WORDS.search(k)]
    return [secret for secret in found if len(secret) >= _MIN_SECRET]


def masked(error: DecentSocialError, secrets: Iterable[str]) -> DecentSocialError:
    """``error`` with every one of ``secrets`` replaced by ``***`` in its message and the server's
    words: a server may quote the token it refused ("invalid token abc…"), and errors get logged.

    Each secret is masked as sent and as a server echoing the request quotes it (percent-encoded,
    as in the address it was sent to): ``a%7Cb`` is the token ``a|b`` to anyone who reads it.
    """
    spellings = _spellings([s for s in secrets if len(s) >= _MIN_SECRET])
    error.message = _replaced(error.message, spellings)
    if error.server_message:
        error.server_message = _replaced(error.server_message, spellings)
    error.args = (error.message, *error.args[1:])
    return error


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every one of ``secrets`` replaced by ``***``, in each spelling :func:`masked` masks."""
    return _replaced(text, _spellings([s for s in secrets if len(s) >= _MIN_SECRET]))


def _replaced(text: str, spellings: list[str]) -> str:
    for spelling in spellings:
        text = text.replace(spelling, "***")
    return text


class HttpApi:
    """A connection's HTTP API client: one lazy guarded transport, failures mapped once, retries applied.

    ``network`` names the backend in errors, ``label`` the service in
    messages ("Threads"). ``retry`` is the connection's policy (the shared
    ``retry`` setting, ``BaseNetwork.retry``). ``limits`` bound every request
    (the shared ``limits`` setting). ``transport`` replaces httpx's network
    transport (``httpx.MockTransport`` in tests, a proxy transport); the
    limits are kept on top of it.
    """

    def __init__(
        self,
        network: str,
        label: str,
        base_url: str,
        *,
        timeout: float,
        retry: RetryPolicy | None = None,
        limits: Limits | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.network = network
        self.label = label
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retry = retry if retry is not None else RetryPolicy()
        self.limits = limits if limits is not None else Limits()
        self.log = logging.getLogger(f"decentsocial.{network}")
        self._inner = transport
        self._transport: httpx.BaseTransport | None = None
        self._timeouts = httpx.Timeout(timeout).as_dict()

    # ------------------------------------------------------------ the transport

    @property
    def transport(self) -> httpx.BaseTransport:
        """The guarded transport, opened on first use so that building a connection does no I/O.

        Requests go to it straight, with no ``httpx.Client`` around: these APIs
        need none of a client's cookies, redirects, auth flows or hooks, and a
        server cannot plant a cookie that later requests would carry.
        """
        if self._transport is None:
            self._transport = guarded_transport(self.limits, network=self.network, inner=self._inner)
        return self._transport

    def close(self) -> None:
        """Close the sockets; they reopen if the connection is used again."""
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    # ------------------------------------------------------------ hooks (backends override)

    def auth_headers(self) -> Mapping[str, str]:
        """Headers that authenticate a request (a bearer token); none by default."""
        return {}

    def error(
        self, response: httpx.Response, body: Any, *, method: str, safe_to_repeat: bool
    ) -> DecentSocialError:
        """The error an HTTP error answer means; ``body`` is its decoded JSON (``None`` if not JSON).

        The default is the shared status table (:func:`~decentsocial.errors.from_status`)
        with the server's words; backends override it for their API's error codes.
        """
        return from_status(
            response.status_code,
            network=self.network,
            server_message=server_words(body),
            headers=response.headers,
            safe_to_repeat=safe_to_repeat,
        )

    def parse(self, response: httpx.Response) -> dict[str, Any]:
        """A successful answer's JSON object; backends override it for errors sent with a 200."""
        body = self.decode(response)
        if not isinstance(body, dict):
            raise NetworkUnavailable(f"{self.label} answered with unexpected JSON", network=self.network)
        return body

    def reauthenticate(self) -> bool:
        """Called once when a request is answered 401: renew the credentials and say whether to resend.

        The default has nothing to renew (``False``: the 401 is the answer).
        """
        return False

    # ------------------------------------------------------------ requests

    @contextmanager
    def failures(self, *, safe_to_repeat: bool) -> Iterator[None]:
        """Map httpx transport failures inside the block to ``NetworkUnavailable``, once for all requests."""
        try:
            yield
        except httpx.TransportError as exc:
            raise self.transport_failure(exc, safe_to_repeat=safe_to_repeat) from exc

    def transport_failure(self, exc: httpx.TransportError, *, safe_to_repeat: bool) -> NetworkUnavailable:
        """The ``NetworkUnavailable`` an httpx transport failure means (see :meth:`failures`)."""
        if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):  # nothing left this machine
            return NetworkUnavailable(
                f"cannot reach {self.label} at {self.base_url}",
                network=self.network,
                retryable=True,
                sent=False,
            )
        # The request may have reached the server: repeat only what is safe to repeat.
        return NetworkUnavailable(
            f"{self.label} request failed ({type(exc).__name__})",
            network=self.network,
            retryable=safe_to_repeat,
        )

    def send(
        self,
        method: str,
        path: str,
        *,
        safe_to_repeat: bool,
        authenticated: bool = True,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send one request and return the answer whatever its status (transport failures raise).

        ``authenticated`` adds :meth:`auth_headers`; token endpoints pass ``False``.
        """
        sent = {**_HEADERS, **self.auth_headers()} if authenticated else dict(_HEADERS)
        if headers:
            sent.update(headers)
        # Errors are raised outside their ``except``: its exception would be their ``__context__``,
        # and it holds the request (a token, a secret query parameter) or the parameter itself.
        error: DecentSocialError | None = None
        try:
            request = httpx.Request(
                method,
                f"{self.base_url}/{path.lstrip('/')}",
                headers=sent,
                extensions={"timeout": self._timeouts},
                **kwargs,
            )
        except UnicodeEncodeError:  # a lone surrogate in a parameter: nothing was sent
            error = InvalidInput(
                "a request parameter is not valid Unicode (it holds a lone surrogate)", network=self.network
            )
        except httpx.InvalidURL:
            error = unsendable(self.network)
        if error is not None:
            raise error
        try:  # what ``failures`` does, without a context manager on every request
            response = self.transport.handle_request(request)
        except httpx.TransportError as exc:
            error = self.transport_failure(exc, safe_to_repeat=safe_to_repeat)
            error.__cause__ = exc
            error = unchained(error)  # its cause scrubbed: the httpx error keeps the request
        if error is not None:
            del request, sent, headers, kwargs  # this frame is in the traceback: no secret in its locals
            raise error
        response.request = request
        response.close()  # read whole already, by the guarded transport
        # The path only: a token endpoint's query holds secrets.
        self.log.debug("%s %s: %d", method, request.url.path, response.status_code)
        return response

    def decode(self, response: httpx.Response, what: str | None = None) -> Any:
        """The response's JSON within the size and depth limits; a body that is not JSON is the
        server's failure (``NetworkUnavailable``, never a parser's own exception).

        A redirect (3xx) is no answer: its body (often ``{}``) would read as the resource or as a
        write done. It is refused (``ConfigurationError``), never followed: these APIs never redirect.
        """
        if 300 <= response.status_code < 400:
            raise redirect_refused(
                response.status_code,
                response.headers.get("location", ""),
                network=self.network,
                base=str(response.request.url),
                what=f"the {self.label} server",
            )
        try:
            return loads(response.content, limits=self.limits, network=self.network)
        except NetworkUnavailable as exc:
            if exc.__cause__ is None:  # too large or too deep: the limit's own words
                raise
            not_json = NetworkUnavailable(
                f"{what or self.label} answered with something not JSON", network=self.network
            )
            not_json.__cause__ = exc.__cause__
            error = unchained(not_json)  # the parser's error keeps the whole answer (a fresh token, say)
        raise error  # outside the ``except``: its exception would be the context

    def error_body(self, response: httpx.Response) -> Any:
        """An error answer's JSON, or ``None`` when it has none (a proxy's HTML page, or JSON
        beyond the limits)."""
        try:
            return loads(response.content, limits=self.limits, network=self.network)
        except NetworkUnavailable:
            return None

    def failure(self, response: httpx.Response, *, method: str, safe_to_repeat: bool) -> DecentSocialError:
        """The error for an answer with an error status (its decoded body goes to :meth:`error`), with
        the secrets the request carried masked wherever the server quoted them."""
        error = self.error(response, self.error_body(response), method=method, safe_to_repeat=safe_to_repeat)
        return masked(error, sent_secrets(response.request))

    def once(self, method: str, path: str, *, safe_to_repeat: bool, **kwargs: Any) -> dict[str, Any]:
        """One request, no retries: the answer's JSON object, or the error its status means.

        A 401 gets one :meth:`reauthenticate` and, if that renewed anything, one resend
        (a request refused as unauthenticated did nothing, so resending is safe).
        """
        response = self.send(method, path, safe_to_repeat=safe_to_repeat, **kwargs)
        if response.status_code == 401 and self.reauthenticate():
            response = self.send(method, path, safe_to_repeat=safe_to_repeat, **kwargs)
        if response.status_code >= 400:
            raise self.failure(response, method=method, safe_to_repeat=safe_to_repeat)
        return self.parse(response)

    def call(
        self, method: str, path: str, *, safe_to_repeat: bool | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """:meth:`once` under the retry policy. ``safe_to_repeat`` defaults to ``method == "GET"``:
        a write is repeated only when the caller says repeating it cannot make anything twice."""
        repeatable = method == "GET" if safe_to_repeat is None else safe_to_repeat
        return self.retry.call(
            functools.partial(self.once, method, path, safe_to_repeat=repeatable, **kwargs)
        )

    def delete(
        self, path: str, *, check: Callable[[dict[str, Any]], None] | None = None, **kwargs: Any
    ) -> None:
        """DELETE under the retry policy, where "not found" on a repeat may mean success.

        A DELETE is idempotent, so it is repeated after a 5xx or timeout; when
        such a repeat is answered 404, the earlier attempt (whose answer was
        lost) deleted the thing. A 404 is ``NotFound`` when no earlier attempt
        can have reached the server and acted: on the first attempt, or after
        refusals only (a 429, a connection that never opened), since those
        deleted nothing and the thing may never have existed.

        ``check`` reads a successful answer and raises when it says nothing was deleted (a
        Graph ``{"success": false}``): a 2xx alone is no proof of a delete.
        """

        def once() -> None:
            body = self.once("DELETE", path, safe_to_repeat=True, **kwargs)
            if check is not None:
                check(body)

        if repeated_delete(self.retry, once, _may_have_acted):
            self.log.debug("DELETE %s: not found on a repeat, so an earlier attempt deleted it", path)


def _may_have_acted(exc: DecentSocialError) -> bool:
    """Whether a failed request may have reached the server and acted: a 5xx, a timeout or a dropped
    answer (``NetworkUnavailable``), not a connection that never opened nor a refusal (a 429, a 4xx)."""
    return isinstance(exc, NetworkUnavailable) and exc.sent


# ---------------------------------------------------------------- errors whose chain holds no secret
# A request carries secrets (an app secret, a code, a password, a token) in its query, form, JSON
# body or ``Authorization`` header, and a token answer holds fresh tokens. httpx's exceptions keep
# the request (``exc.request``) and ``json.JSONDecodeError`` keeps the whole answer (``exc.doc``);
# chained under our error (``__cause__``/``__context__``) both reach error trackers and debuggers,
# which walk chains and dump attributes. Errors are raised as :func:`unchained` copies: the only
# cause is a scrubbed copy of the failure (its type, its words with the secrets masked, the request's
# method and address without query, no body, headers or answer).

T = TypeVar("T")
#: The longest underlying message kept: an httpx message can quote what the server sent.
_MAX_WORDS = 200
#: Where the exceptions come from that are kept as their type alone: Python's own, and the socket
#: layer's (``socket.gaierror``, ``ssl.SSLError``), so a caller can still tell that a connection
#: never opened (a refused port, a name that did not resolve) from one that was lost.
_PLAIN_MODULES = frozenset({"builtins", "socket", "ssl"})


def unsendable(network: str | None, action: str | None = None) -> InvalidInput:
    """What ``httpx.InvalidURL`` (raised before anything is sent) means: a parameter, such as a search
    text of 70,000 characters, makes the address longer than httpx sends (65,536) or invalid.

    httpx's own words are left out: some quote the address, which can hold a secret.
    """
    return InvalidInput(
        f"{action + ': ' if action else ''}the request cannot be sent: a parameter makes its address"
        " too long or invalid (nothing was sent)",
        network=network,
    )


def secret_safe(call: Callable[[], T], *, secrets: Iterable[str] = ()) -> T:
    """``call()``; its ``DecentSocialError`` raised again as :func:`unchained` copies it.

    ``secrets`` are masked too (what a library sent that the error's chain does not show, such as
    a password in a login the server quotes back). The copy is raised outside the ``except``
    block, so no ``__context__`` points back at the original, and its traceback starts here, not
    in the frames that held the request.
    """
    try:
        return call()
    except DecentSocialError as exc:
        error = unchained(exc, secrets)
    del call, secrets  # they hold the request's secrets; this frame stays in the traceback
    raise error


def unchained(error: DecentSocialError, secrets: Iterable[str] = ()) -> DecentSocialError:
    """A copy of ``error`` (type, message, network, server words, ``retryable``) with ``secrets`` and
    those its request carried masked, whose cause is a scrubbed copy of the first failure under it
    that can be copied without secrets, or none."""
    links = _chain(error)[1:]
    request = next((found for found in map(_request_of, links) if found is not None), None)
    sent = sent_secrets(request) if request is not None else []
    raw = [*sent, *(s for s in secrets if len(s) >= _MIN_SECRET)]
    clean = masked(copy.copy(error), raw)
    spelled = _spellings(raw)
    clean.__cause__ = next((c for c in (_scrubbed(link, request, spelled) for link in links) if c), None)
    clean.__context__ = None
    clean.__suppress_context__ = True
    return clean


def _chain(error: BaseException) -> list[BaseException]:
    """``error`` and what it was raised from or during, each once."""
    found: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and all(current is not seen for seen in found):
        found.append(current)
        current = current.__cause__ or current.__context__
    return found


def _request_of(link: BaseException) -> httpx.Request | None:
    """The request an httpx exception was raised for (``exc.request`` raises when it has none)."""
    if not isinstance(link, httpx.RequestError):
        return None
    try:
        return link.request
    except RuntimeError:
        return None


def _spellings(secrets: list[str]) -> list[str]:
    """Each secret as sent, percent-encoded (a server that echoes a query echoes it encoded) and
    escaped as Python quotes it (h11 refuses a header holding a line break with its value as bytes:
    ``b'Bearer TOKEN\\n'``), longest first so that no shorter one leaves part of a longer one."""
    forms = {
        form
        for s in secrets
        for form in (
            s,
            quote(s, safe=""),
            quote_plus(s, safe=""),
            repr(s)[1:-1],
            repr(s.encode("utf-8", "backslashreplace"))[2:-1],
        )
    }
    return sorted(forms, key=len, reverse=True)


def _words(link: BaseException, secrets: list[str]) -> str:
    return _replaced(str(link), secrets)[:_MAX_WORDS]


def _scrubbed(link: BaseException, request: httpx.Request | None, secrets: list[str]) -> BaseException | None:
    """A copy of ``link`` that holds no secret and no answer, or ``None`` when its kind is unknown
    (a library's own exception, which may keep a response). An httpx error keeps its words (what
    went wrong on the wire) with the secrets sent masked, a JSON error its position."""
    if isinstance(link, httpx.RequestError):
        bare = None
        if request is not None:
            url = request.url.copy_with(query=None, fragment=None, username=None, password=None)
            bare = httpx.Request(request.method, url)
        try:
            return type(link)(_words(link, secrets), request=bare)
        except TypeError:  # a subclass with its own signature
            return httpx.RequestError(_words(link, secrets), request=bare)
    if isinstance(link, json.JSONDecodeError):
        decoding = json.JSONDecodeError(link.msg, "", 0)  # where the answer went wrong, not the answer
        decoding.pos, decoding.lineno, decoding.colno = link.pos, link.lineno, link.colno
        decoding.args = link.args
        return decoding
    if isinstance(link, UnicodeDecodeError):
        # The bytes that failed, at their place: what came before them is blanked (it may be a token).
        blanked = bytes(link.start) + link.object[link.start : link.end]
        return UnicodeDecodeError(link.encoding, blanked, link.start, link.end, link.reason)
    if type(link).__module__ in _PLAIN_MODULES:  # its type only: its words may quote the answer
        try:
            return type(link)()
        except TypeError:
            return None
    return None
