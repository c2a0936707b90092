"""Look-ups outside the relays, kept pluggable so tests (and cautious users) can supply their own.

* NIP-05: ``name@domain`` -> public key, from ``https://domain/.well-known/nostr.json``.
* LNURL-pay (LUD-06/LUD-16, with NIP-57's ``allowsNostr``/``nostrPubkey``):
  a profile's ``lud16``/``lud06`` -> the pay endpoint's description.

The HTTPS versions here go only to the domain the user or profile names.
This is the one module of the backend that does HTTP outside the relays
(``transport.py`` does the relays' own); a look-up that fails finds nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import httpx

from ...coerce import as_int
from .failures import lookup
from .keys import InvalidKey, bech32_decode, is_hex64
from .zaps import LnurlPay, lnurl_encode

__all__ = ["Nip05Resolver", "https_lnurl_resolver", "https_nip05_resolver", "lnurl_pay_url"]

#: ``name@domain`` -> the hex public key it names, or None.
Nip05Resolver = Callable[[str], "str | None"]


def _get_json(url: str, timeout: float, params: Mapping[str, str] | None = None) -> Any:
    """The JSON a 200 answer carries, or ``None`` (any other status, a failure, unreadable JSON)."""
    data = None
    with lookup():
        response = httpx.get(url, params=params, timeout=timeout, follow_redirects=False)
        data = response.json() if response.status_code == 200 else None
    return data


def _split_identifier(identifier: str) -> tuple[str, str] | None:
    name, sep, domain = identifier.strip().lower().rpartition("@")
    if not sep:
        name, domain = "_", identifier.strip().lower()
    if not domain or "/" in domain or " " in domain:
        return None
    return name or "_", domain


def https_nip05_resolver(timeout: float = 5.0) -> Nip05Resolver:
    """A resolver that reads ``https://<domain>/.well-known/nostr.json?name=<name>``."""

    def resolve(identifier: str) -> str | None:
        parts = _split_identifier(identifier)
        if parts is None:
            return None
        name, domain = parts
        data = _get_json(f"https://{domain}/.well-known/nostr.json", timeout, {"name": name})
        names = data.get("names") if isinstance(data, dict) else None
        key = names.get(name) if isinstance(names, dict) else None
        return key.lower() if isinstance(key, str) and is_hex64(key.lower()) else None

    return resolve


def lnurl_pay_url(profile: dict[str, object]) -> str | None:
    """The LNURL-pay endpoint a kind-0 profile names (``lud16`` first, then ``lud06``)."""
    lud16 = profile.get("lud16")
    if isinstance(lud16, str) and "@" in lud16:
        name, _, domain = lud16.strip().partition("@")
        if name and domain and "/" not in domain:
            return f"https://{domain}/.well-known/lnurlp/{name}"
    lud06 = profile.get("lud06")
    if isinstance(lud06, str) and lud06.lower().startswith("lnurl1"):
        try:
            _, data = bech32_decode(lud06)
        except InvalidKey:
            return None
        return data.decode("utf-8", "replace")
    return None


def https_lnurl_resolver(timeout: float = 5.0) -> Callable[[dict[str, object]], LnurlPay | None]:
    """A resolver that fetches the profile's LNURL-pay endpoint over HTTPS."""

    def resolve(profile: dict[str, object]) -> LnurlPay | None:
        url = lnurl_pay_url(profile)
        if url is None:
            return None
        data = _get_json(url, timeout)
        if not isinstance(data, dict) or not isinstance(data.get("callback"), str):
            return None
        pubkey = data.get("nostrPubkey")
        min_sendable = as_int(data.get("minSendable", 1000))
        max_sendable = as_int(data.get("maxSendable", 10**11))
        if min_sendable is None or max_sendable is None:  # a broken endpoint takes no zaps
            return None
        return LnurlPay(
            callback=data["callback"],
            min_sendable=min_sendable,
            max_sendable=max_sendable,
            allows_nostr=data.get("allowsNostr") is True,
            nostr_pubkey=pubkey.lower() if isinstance(pubkey, str) and is_hex64(pubkey.lower()) else None,
            lnurl=lnurl_encode(url),
        )

    return resolve
