"""Look-ups outside the relays, kept pluggable so tests (and cautious users) can supply their own.

* NIP-05: ``name@domain`` -> public key, from ``https://domain/.well-known/nostr.json``.
* LNURL-pay (LUD-06/LUD-16, with NIP-57's ``allowsNostr``/``nostrPubkey``):
  a profile's ``lud16``/``lud06`` -> the pay endpoint's description.

A stranger's profile names these URLs, so they are fetched only through
``decentsocial.urls.fetch_public_json``: https on the default port, from
addresses on the public internet only (the address checked is the one
connected to, redirects checked the same way), within the connection's
``limits``. ``allow_private=True`` (the ``allow_private_fetch`` setting)
lifts the address, port and scheme rules, for test servers on this machine.
This is the one module of the backend that does HTTP outside the relays
(``transport.py`` does the relays' own); a look-up that fails or is
refused finds nothing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx

from ...coerce import as_int
from ...errors import DecentSocialError
from ...limits import Limits
from ...urls import fetch_public_json, is_loopback_host, is_public_address, parse_url
from .keys import InvalidKey, bech32_decode, is_hex64
from .zaps import LnurlPay, lnurl_encode

__all__ = ["Nip05Resolver", "https_lnurl_resolver", "https_nip05_resolver", "lnurl_pay_url"]

log = logging.getLogger("decentsocial.nostr")

#: ``name@domain`` -> the hex public key it names, or None.
Nip05Resolver = Callable[[str], "str | None"]

#: LUD-16 and NIP-05 local parts: ``a-z0-9-_.`` (``+`` too, for LUD-16's tags).
_LOCAL_PART = re.compile(r"^[a-z0-9._+-]{1,64}$")
_NOT_IN_DOMAIN = set("/?#@\\%")


def _limits(timeout: float, limits: Limits | None) -> Limits:
    if limits is None:
        return Limits(deadline=timeout)
    return limits.model_copy(update={"deadline": min(timeout, limits.deadline)})


def _get_json(url: str, limits: Limits, allow_private: bool) -> Any:
    """The JSON a 200 answer carries, or ``None`` (refused, any other status, a failure, unreadable JSON)."""
    try:
        return fetch_public_json(url, network="nostr", limits=limits, allow_private=allow_private)
    except (DecentSocialError, httpx.HTTPError, httpx.InvalidURL, ValueError, RecursionError) as exc:
        log.debug("look-up not made or failed: %s", exc)
        return None


def _domain(text: str) -> str | None:
    """``host`` or ``host:port`` of a lightning address or NIP-05 name, canonical; ``None`` if not one."""
    if not text or any(ch in _NOT_IN_DOMAIN or ord(ch) < 0x21 for ch in text):
        return None  # a path, query, credentials or anything else beside the host
    try:
        return parse_url(f"https://{text}", schemes=("https",)).netloc
    except DecentSocialError:
        return None


def _split_identifier(identifier: str) -> tuple[str, str] | None:
    name, sep, domain = identifier.strip().lower().rpartition("@")
    if not sep:
        name, domain = "_", identifier.strip().lower()
    name = name or "_"
    netloc = _domain(domain) if domain else None
    if netloc is None or not _LOCAL_PART.match(name):
        return None
    return name, netloc


def _scheme(netloc: str, allow_private: bool) -> str:
    """https, except for a test server on this machine when private fetches are allowed (plain http)."""
    host = netloc.rpartition(":")[0] if netloc.count(":") == 1 else netloc
    return "http" if allow_private and is_loopback_host(host.strip("[]")) else "https"


def https_nip05_resolver(
    timeout: float = 5.0, *, limits: Limits | None = None, allow_private: bool = False
) -> Nip05Resolver:
    """A resolver that reads ``https://<domain>/.well-known/nostr.json?name=<name>`` (public hosts only)."""
    bounds = _limits(timeout, limits)

    def resolve(identifier: str) -> str | None:
        parts = _split_identifier(identifier) if isinstance(identifier, str) else None
        if parts is None:
            return None
        name, netloc = parts
        scheme = _scheme(netloc, allow_private)
        data = _get_json(
            f"{scheme}://{netloc}/.well-known/nostr.json?name={quote(name, safe='')}", bounds, allow_private
        )
        names = data.get("names") if isinstance(data, dict) else None
        key = names.get(name) if isinstance(names, dict) else None
        return key.lower() if isinstance(key, str) and is_hex64(key.lower()) else None

    return resolve


def lnurl_pay_url(profile: dict[str, object], *, allow_private: bool = False) -> str | None:
    """The LNURL-pay endpoint a kind-0 profile names (``lud16`` first, then ``lud06``), unchecked.

    Whether it may be fetched (scheme, host, port, address) is decided when
    it is fetched. A lightning address is read over https (plain http only
    for a test server on this machine, with ``allow_private``).
    """
    lud16 = profile.get("lud16")
    if isinstance(lud16, str) and "@" in lud16:
        parts = _split_identifier(lud16)
        if parts is not None:
            name, netloc = parts
            return f"{_scheme(netloc, allow_private)}://{netloc}/.well-known/lnurlp/{quote(name, safe='')}"
    lud06 = profile.get("lud06")
    if isinstance(lud06, str) and lud06.lower().startswith("lnurl1"):
        try:
            _, data = bech32_decode(lud06)
        except InvalidKey:
            return None
        return data.decode("utf-8", "replace")
    return None


def _callback(text: object, allow_private: bool) -> str | None:
    """The pay endpoint's callback, canonical, when a wallet may be sent to it (https, not to a
    loopback or private address literal); ``None`` otherwise."""
    if not isinstance(text, str):
        return None
    try:
        url = parse_url(text, network="nostr", schemes=("https", "http") if allow_private else ("https",))
    except DecentSocialError:
        return None
    if not allow_private:
        if is_loopback_host(url.host) or (url.port is not None and url.port != 443):
            return None
        try:
            if not is_public_address(url.host):
                return None
        except ValueError:
            pass  # a name, not an address: the wallet resolves it
    return str(url)


def https_lnurl_resolver(
    timeout: float = 5.0, *, limits: Limits | None = None, allow_private: bool = False
) -> Callable[[dict[str, object]], LnurlPay | None]:
    """A resolver that fetches the profile's LNURL-pay endpoint over HTTPS, from public hosts only."""
    bounds = _limits(timeout, limits)

    def resolve(profile: dict[str, object]) -> LnurlPay | None:
        url = lnurl_pay_url(profile, allow_private=allow_private)
        if url is None:
            return None
        data = _get_json(url, bounds, allow_private)
        if not isinstance(data, dict):
            return None
        callback = _callback(data.get("callback"), allow_private)
        if callback is None:
            return None
        pubkey = data.get("nostrPubkey")
        min_sendable = as_int(data.get("minSendable", 1000))
        max_sendable = as_int(data.get("maxSendable", 10**11))
        if min_sendable is None or max_sendable is None:  # a broken endpoint takes no zaps
            return None
        return LnurlPay(
            callback=callback,
            min_sendable=min_sendable,
            max_sendable=max_sendable,
            allows_nostr=data.get("allowsNostr") is True,
            nostr_pubkey=pubkey.lower() if isinstance(pubkey, str) and is_hex64(pubkey.lower()) else None,
            lnurl=lnurl_encode(url),
        )

    return resolve
