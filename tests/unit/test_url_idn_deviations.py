"""A host is the domain browsers, httpx and DNS name by it (UTS #46 nontransitional, IDNA 2008).

Python's "idna" codec (IDNA 2003) drops a zero-width non-joiner, turns "ß"
into "ss" and "ς" into "σ": a Persian lightning address or NIP-05 name would
be looked up (and paid) at another registrant's domain.
"""

from __future__ import annotations

import httpx
import idna
import pytest

from decentsocial.errors import InvalidInput
from decentsocial.urls import parse_url

#: "I want" in Persian: its ZWNJ is part of the name ("میخواهم" without it is another domain).
PERSIAN = "می\u200cخواهم.ir"


@pytest.mark.parametrize("host", [PERSIAN, "faß.de", "FAß.DE", "ςa.gr", "faß.de."])
def test_a_host_with_a_deviation_character_is_the_domain_browsers_reach(host: str) -> None:
    expected = idna.encode(host.lower().rstrip("."), uts46=True, transitional=False).decode("ascii")
    url = parse_url(f"https://{host}/.well-known/nostr.json")
    assert url.host == expected
    httpx_host = httpx.URL(f"https://{host}/").host.rstrip(".")
    assert url.host == idna.encode(httpx_host, uts46=True).decode("ascii")


def test_the_persian_name_keeps_its_joiner() -> None:
    assert parse_url(f"https://{PERSIAN}/").host == "xn--mgbn2ecje63gr19l.ir"
    assert parse_url("https://میخواهم.ir/").host == "xn--mgbn2ecje63g.ir"  # the other domain


def test_a_joiner_no_domain_may_hold_is_refused_not_dropped() -> None:
    with pytest.raises(InvalidInput, match="not a valid domain name"):
        parse_url("https://pay\u200dpal.com/")


def test_a_lightning_address_at_a_persian_domain_is_paid_there() -> None:
    resolvers = pytest.importorskip("decentsocial.backends.nostr.resolvers")
    url = resolvers.lnurl_pay_url({"lud16": f"ali@{PERSIAN}"})
    assert url == "https://xn--mgbn2ecje63gr19l.ir/.well-known/lnurlp/ali"
