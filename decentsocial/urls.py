"""One URL parser for checking a host and for connecting to it, and fetching what strangers name.

Two rules keep a bot's token and its network position safe:

* **The host checked is the host connected to.** :func:`parse_url` reads a
  URL the way browsers do (the WHATWG rules that matter here: surrounding
  spaces and control characters dropped, tabs and newlines removed,
  ``\\`` read as ``/`` in http(s) and ws(s) URLs, the host lower-cased and
  IDNA-encoded, credentials in the URL refused), and returns it in
  canonical form. Callers check :attr:`URL.host` and then connect to
  ``str(url)``, never to the text they were given, so no two parsers can
  disagree about where a request goes.
* **What a stranger names is fetched only from the public internet.**
  :func:`fetch_public_json` (Nostr's LNURL and NIP-05 lookups) resolves the
  host first, refuses loopback, private, link-local, reserved and multicast
  addresses and non-default ports, connects to the very address it checked
  (so a second DNS answer cannot move it), uses https only, and reads the
  answer within the connection's :class:`~decentsocial.limits.Limits`.
  ``allow_private=True`` lifts the address and scheme rules, for test
  servers on this machine.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urljoin

import idna

from .errors import ConfigurationError, ContentRejected, InvalidInput, NetworkUnavailable
from .limits import ACCEPT_ENCODING, Deadline, Limits, loads, read_encoded

__all__ = [
    "URL",
    "canonical_base_url",
    "check_endpoint",
    "fetch_public_json",
    "host_key",
    "is_loopback_host",
    "is_public_address",
    "parse_url",
    "redirect_refused",
    "resolve_public",
    "web_link",
]

DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
_SPECIAL = set(DEFAULT_PORTS)
_C0_AND_SPACE = "".join(chr(c) for c in range(0x21))
_FORBIDDEN_HOST = set(" #%/:<>?@[\\]^|\t\r\n\x00")
#: The characters Python's "idna" codec (IDNA 2003) changes but browsers, httpx and DNS (UTS #46
#: nontransitional processing, IDNA 2008) keep: "faß.de" is not "fass.de", and a Persian name holding
#: a zero-width non-joiner is not the name without it. A host holding one is encoded as they encode it.
_DEVIATIONS = frozenset("\u00df\u03c2\u200c\u200d")


@dataclass(frozen=True)
class URL:
    """A parsed, canonical URL: what is checked is what is connected to."""

    scheme: str
    host: str  # lower-case, IDNA (ASCII); an IPv6 address without brackets
    port: int | None  # as written; None for the scheme's default
    path: str = "/"
    query: str = ""

    @property
    def effective_port(self) -> int:
        """The port a connection uses: the one written, or the scheme's default."""
        return self.port if self.port is not None else DEFAULT_PORTS.get(self.scheme, 0)

    @property
    def netloc(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port is None else f"{host}:{self.port}"

    def with_host(self, host: str) -> URL:
        """The same URL aimed at another host (an address the caller resolved and checked)."""
        return URL(self.scheme, host, self.port, self.path, self.query)

    def __str__(self) -> str:
        query = f"?{self.query}" if self.query else ""
        return f"{self.scheme}://{self.netloc}{self.path}{query}"


#: What a URL parser skips anywhere in the text.
_IGNORED = re.compile(r"[\t\n\r]")
#: A scheme, the slashes after it, and the user part of the authority (up to its last "@").
_AUTHORITY_USER = re.compile(r"^([^:/\\?#]*:[/\\]*)[^/\\?#]*@")


def parse_url(text: str, *, network: str | None = None, schemes: tuple[str, ...] = ("https", "http")) -> URL:
    """Parse ``text`` as browsers would, refusing what no honest server URL holds (``InvalidInput``)."""

    def bad(why: str) -> InvalidInput:
        # Never quote a password: whatever stands before an "@" in the authority is left out, the
        # authority found as the parser finds it (tabs and newlines dropped, any run of / and \).
        shown = _AUTHORITY_USER.sub(r"\1…@", _IGNORED.sub("", text))[:200] if isinstance(text, str) else text
        return InvalidInput(f"not a usable URL ({why}): {shown!r}", network=network)

    if not isinstance(text, str):
        raise InvalidInput(f"expected a URL, got {type(text).__name__}", network=network)
    value = text.strip(_C0_AND_SPACE).replace("\t", "").replace("\n", "").replace("\r", "")
    scheme, sep, rest = value.partition(":")
    scheme = scheme.lower()
    if not sep or not scheme.isascii() or not scheme.isalpha():
        raise bad("no scheme")
    if scheme not in schemes:
        raise bad(f"scheme {scheme!r} is not one of {', '.join(schemes)}")
    if scheme in _SPECIAL:
        rest = rest.replace("\\", "/")
    if not rest.startswith("//"):
        raise bad("no host")
    rest = rest.lstrip("/")
    end = min((i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    authority, tail = rest[:end], rest[end:]
    if "@" in authority:
        raise bad("credentials in a URL are refused")
    host, port = _split_port(authority, bad)
    path, _, query = tail.partition("#")[0].partition("?")
    return URL(scheme, _canonical_host(host, bad), port, path or "/", query)


#: The usual web link, taken without a full parse: http(s), a lower-case DNS name ending in a label that
#: starts with a letter (so no number some parsers read as an address), labels of at most 63 characters
#: (as IDNA takes them), maybe a port (0 to 65535), then printable ASCII only. A name of one label and
#: a port are usual too: a server on this machine names every status it serves
#: ``http://localhost:3000/@alice/1``.
_PLAIN_WEB_LINK = re.compile(
    r"https?://(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?"
    r"(?::(?:[0-5]?[0-9]{1,4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?"
    r"(?:[/?#][!-~]*)?",
    re.ASCII,
)
#: What no honest link holds anywhere: a space, a C0 or C1 control character, DEL.
_NOT_IN_LINKS = re.compile(r"[\x00-\x20\x7f-\x9f]")


def web_link(value: Any) -> str | None:
    """``value`` as a server sent it if it is a web page a reader may open, else ``None``.

    For URLs a server hands out to be shown or followed (a post's permalink, a
    profile picture): a bot or a notebook that renders one as a link must not
    run script or open a local file. Only text that starts with ``http://`` or
    ``https://`` and that :func:`parse_url` reads as such, with a host and no
    credentials, is kept; ``javascript:``, ``data:``, ``file:``, a URL without
    a host, one holding a space or a control character, anything not text:
    ``None``. Dropped, not malformed: the post or profile is whole without it.
    """
    if type(value) is str:  # as JSON gives it: checked as it is (a conversion's hot path)
        text: str = value
    elif isinstance(value, str):
        text = str.__str__(value)  # exactly str (a subclass copied), as models built unvalidated need
    else:
        return None
    if _PLAIN_WEB_LINK.fullmatch(text) is not None:  # nearly every link: the full parse would take it
        return text
    if not text[:8].lower().startswith(("https://", "http://")):
        return None
    if _NOT_IN_LINKS.search(text) is not None:
        return None
    try:
        parse_url(text)
    except InvalidInput:
        return None
    return text


def _split_port(authority: str, bad: Callable[[str], InvalidInput]) -> tuple[str, int | None]:
    if authority.startswith("["):
        host, bracket, after = authority[1:].partition("]")
        if not bracket:
            raise bad("unclosed IPv6 address")
        port_text = after[1:] if after.startswith(":") else after
        if after and not after.startswith(":"):
            raise bad("text after the IPv6 address")
    else:
        host, _, port_text = authority.partition(":")
    if not port_text:
        return host, None
    if not port_text.isascii() or not port_text.isdigit() or int(port_text) > 65535:
        raise bad("the port is not a number from 0 to 65535")
    return host, int(port_text)


def _canonical_host(host: str, bad: Callable[[str], InvalidInput]) -> str:
    host = unquote(host)
    if not host:
        raise bad("empty host")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if any(ch in _FORBIDDEN_HOST or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in host):
        raise bad("forbidden character in the host")
    try:
        if _DEVIATIONS.isdisjoint(host):
            ascii_host = host.encode("idna").decode("ascii").lower().rstrip(".")
        else:
            ascii_host = idna.encode(host.rstrip("."), uts46=True, transitional=False).decode("ascii")
    except UnicodeError:  # idna.IDNAError is one
        raise bad("the host is not a valid domain name") from None
    if any(ch in _FORBIDDEN_HOST for ch in ascii_host):
        # As WHATWG checks again after mapping: "a.example／b" maps to "a.example/b", which read back
        # is the host a.example and the path /b (another host than the one checked).
        raise bad("forbidden character in the host (once mapped as IDNA maps it)")
    labels = ascii_host.split(".")
    # WHATWG reads hosts like "0x7f.1" or "2130706433" as IPv4 addresses; no honest host looks so.
    if labels and all(_numberish(label) for label in labels if label) and not _dotted_quad(ascii_host):
        raise bad("a number that some parsers read as an IPv4 address")
    return ascii_host


def host_key(host: str) -> str:
    """``host`` as two names of one domain compare equal: lower case, in IDNA as browsers and DNS spell
    it (``Bücher.example`` is ``xn--bcher-kva.example``; ``faß.de`` is not ``fass.de``). A host that is
    no domain name compares as its lower case."""
    try:
        return _canonical_host(host, InvalidInput)
    except InvalidInput:
        return host.lower()


def _numberish(label: str) -> bool:
    lowered = label.lower()
    return lowered.isdigit() or (
        lowered.startswith("0x") and all(c in "0123456789abcdef" for c in lowered[2:])
    )


def _dotted_quad(host: str) -> bool:
    try:
        return str(ipaddress.IPv4Address(host)) == host
    except ValueError:
        return False


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` (as :func:`parse_url` gives it) is this machine: localhost, 127.0.0.0/8, ::1."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_endpoint(
    url: str,
    *,
    network: str,
    setting: str,
    allow_http: bool = False,
    secure: str = "https",
    insecure: str = "http",
) -> str:
    """A server URL from the settings, canonical, or ``ConfigurationError`` at ``connect()``.

    Credentials go only over TLS: ``http://`` (``ws://`` for relays) is taken
    without ceremony for a server on this machine (loopback), and for any
    other host only with ``allow_http=True``.
    """
    try:
        parsed = parse_url(url, network=network, schemes=(secure, insecure))
    except InvalidInput as exc:
        raise ConfigurationError(f"{setting}: {exc.message}", network=network) from None
    if parsed.scheme == insecure and not allow_http and not is_loopback_host(parsed.host):
        raise ConfigurationError(
            f"{setting}: {insecure}:// sends credentials in the clear to {parsed.host}; use {secure}://, or "
            f"allow_http=True if you really mean it (plain {insecure} is fine for a server on this machine)",
            network=network,
        )
    return str(parsed).rstrip("/") if parsed.path == "/" and not parsed.query else str(parsed)


def redirect_refused(
    status: int,
    location: str,
    *,
    network: str,
    base: str = "",
    what: str = "the server",
    setting: str = "base_url",
) -> ConfigurationError:
    """The error for a redirect from a configured server: refused, never followed, never read as an answer.

    Each hop would get a deadline of its own and could carry credentials (or a
    write) to another host; an API answers where it is asked. ``location`` is
    read against ``base`` (the request's URL), and only the host it names is
    shown (its path or query may hold anything).
    """
    where = ""
    if location:
        try:
            where = f" to {parse_url(urljoin(base, location)).host}"
        except (InvalidInput, ValueError):
            where = " elsewhere"
    return ConfigurationError(
        f"{what} answered HTTP {status}{where}: redirects are not followed"
        f" (if it moved, set {setting} to its new address)",
        network=network,
    )


def canonical_base_url(settings: Any, network: str) -> None:
    """Replace a frozen settings model's ``base_url`` by its checked, canonical form (:func:`check_endpoint`).

    For ``model_validator(mode="after")`` hooks of settings with ``base_url`` and ``allow_http``.
    """
    canonical = check_endpoint(
        settings.base_url, network=network, setting="base_url", allow_http=settings.allow_http
    )
    object.__setattr__(settings, "base_url", canonical)  # frozen: set once, while validating


def is_public_address(address: str) -> bool:
    """Whether ``address`` is on the public internet (not loopback, private, link-local, reserved…)."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local)


def resolve_public(
    url: URL,
    *,
    network: str,
    allow_private: bool = False,
    resolve: Callable[[str, int], list[str]] | None = None,
    deadline: Deadline | None = None,
) -> str:
    """The address to connect to for ``url``: every address its host resolves to must be public.

    ``ContentRejected`` for a non-https URL, a non-default port, or a host
    that resolves to any address that is not public (unless ``allow_private``);
    with a ``deadline``, ``NetworkUnavailable`` once it passes during the look-up.
    """
    if not allow_private:
        if url.scheme != "https":
            raise ContentRejected(
                f"refusing to fetch {url.host} over {url.scheme}: https only", network=network
            )
        if url.port is not None and url.port != 443:
            raise ContentRejected(f"refusing to fetch {url.host} on port {url.port}", network=network)
    lookup = resolve or _getaddrinfo
    if deadline is None:
        addresses = lookup(url.host, url.effective_port)
    else:
        addresses = deadline.within(lambda: lookup(url.host, url.effective_port))
    if not addresses:
        raise NetworkUnavailable(f"{url.host} does not resolve", network=network)
    if not allow_private:
        for address in addresses:
            if not is_public_address(address):
                raise ContentRejected(
                    f"refusing to fetch {url.host}: it resolves to {address}, not a public address",
                    network=network,
                )
    return addresses[0]


def _getaddrinfo(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def fetch_public_json(
    url: str,
    *,
    network: str,
    limits: Limits,
    allow_private: bool = False,
    max_redirects: int = 3,
    transport: Any = None,
    resolve: Callable[[str, int], list[str]] | None = None,
) -> Any:
    """GET JSON from a URL a stranger named (a profile's LNURL or NIP-05 address), safely.

    Each hop (redirects included) is parsed, its host resolved and checked,
    and the connection made to the checked address with TLS verified for
    the host's name. The whole call, every hop included, keeps to
    ``limits.deadline``; the answer to ``limits.max_body_bytes`` and
    ``limits.max_json_depth``.
    """
    import httpx

    from .deadline_http import DeadlineHTTPTransport, deadline_in_force

    deadline = Deadline(limits.deadline, network=network, what="the lookup")
    target = parse_url(url, network=network)
    if transport is None:
        transport = DeadlineHTTPTransport()
    with (
        deadline_in_force(deadline),
        httpx.Client(transport=transport, follow_redirects=False, trust_env=False) as client,
    ):
        for _ in range(max_redirects + 1):
            address = resolve_public(
                target, network=network, allow_private=allow_private, resolve=resolve, deadline=deadline
            )
            pinned = target.with_host(address)
            request = client.build_request(
                "GET",
                str(pinned),
                # Only what read_encoded unpacks under the cap: httpx's own decoders would unpack a
                # whole chunk (or stacked encodings) before any cap applies.
                headers={
                    "Host": target.netloc,
                    "Accept": "application/json",
                    "Accept-Encoding": ACCEPT_ENCODING,
                },
                extensions={"sni_hostname": target.host, "timeout": _timeouts(deadline)},
            )
            try:
                response = client.send(request, stream=True)
            except httpx.HTTPError as exc:
                raise NetworkUnavailable(
                    f"cannot reach {target.host} ({type(exc).__name__})", network=network
                ) from exc
            try:
                if response.is_redirect:
                    location = response.headers.get("location", "")
                    try:
                        target = parse_url(str(httpx.URL(str(target)).join(location)), network=network)
                    except (InvalidInput, httpx.InvalidURL):  # the server's doing, not the caller's
                        raise ContentRejected(
                            f"{target.host} redirected to a URL that cannot be fetched", network=network
                        ) from None
                    continue
                if response.status_code != 200:
                    raise NetworkUnavailable(
                        f"{target.host} answered HTTP {response.status_code}", network=network
                    )
                try:
                    body = read_encoded(
                        response.iter_raw(),
                        response.headers.get("content-encoding", ""),
                        limit=limits.max_body_bytes,
                        deadline=deadline,
                    )
                except httpx.HTTPError as exc:
                    raise NetworkUnavailable(
                        f"{target.host} broke off its answer ({type(exc).__name__})", network=network
                    ) from exc
            finally:
                response.close()
            return loads(body, limits=limits, network=network, what=f"answer from {target.host}")
    raise NetworkUnavailable(f"{url[:100]!r} redirected more than {max_redirects} times", network=network)


def _timeouts(deadline: Deadline) -> dict[str, float]:
    remaining = deadline.remaining()
    return {"connect": remaining, "read": remaining, "write": remaining, "pool": remaining}
