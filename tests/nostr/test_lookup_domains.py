"""A NIP-05 name or lightning address is looked up at the domain it names, never at another one
that IDNA's mapping of a look-alike character ("／", "？", "＃") brings out of it; nor is a wallet sent
to a callback that such a character hides a private address in."""

from __future__ import annotations

from typing import Any

import pytest

from decentsocial.backends.nostr import resolvers
from decentsocial.backends.nostr.resolvers import https_lnurl_resolver, https_nip05_resolver, lnurl_pay_url

KEY = "ab" * 32

#: Each reads, once IDNA-mapped, as a URL whose host is evil.example.
LOOK_ALIKES = [
    "alice@evil.example\uff0fgood.example",  # fullwidth solidus: a path
    "alice@evil.example\uff1f.good.example",  # fullwidth question mark: a query
    "alice@evil.example\uff03good.example",  # fullwidth number sign: a fragment
    "alice@evil.example\ufe5fgood.example",  # small number sign
]


@pytest.fixture
def fetched(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every URL the resolvers fetch; each answers as a willing server would."""
    urls: list[str] = []

    def fetch(url: str, **_: Any) -> Any:
        urls.append(url)
        return {"names": {"alice": KEY}, "callback": "https://evil.example/pay", "allowsNostr": True}

    monkeypatch.setattr(resolvers, "fetch_public_json", fetch)
    return urls


@pytest.mark.parametrize("name", LOOK_ALIKES)
def test_a_nip05_name_with_a_look_alike_delimiter_is_not_looked_up(name: str, fetched: list[str]) -> None:
    assert https_nip05_resolver()(name) is None
    assert fetched == []


@pytest.mark.parametrize("name", LOOK_ALIKES)
def test_a_lightning_address_with_a_look_alike_delimiter_names_no_endpoint(
    name: str, fetched: list[str]
) -> None:
    assert lnurl_pay_url({"lud16": name}) is None
    assert https_lnurl_resolver()({"lud16": name}) is None
    assert fetched == []


def test_a_plain_name_is_still_looked_up_at_its_domain(fetched: list[str]) -> None:
    assert https_nip05_resolver()("Alice@Good.Example") == KEY
    assert fetched == ["https://good.example/.well-known/nostr.json?name=alice"]


@pytest.mark.parametrize(
    "callback",
    [
        "https://127.0.0.1\uff0fpay",  # loopback, once "／" is read as "/"
        "https://169.254.169.254\uff0flatest/meta-data/",  # the cloud metadata address
        "https://10.0.0.7\uff1fpay",  # a private address, "？" read as "?"
        "https://localhost\uff03pay",
    ],
)
def test_a_callback_naming_a_private_address_through_a_look_alike_is_not_handed_to_a_wallet(
    callback: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer = {"callback": callback, "allowsNostr": True, "nostrPubkey": KEY}
    monkeypatch.setattr(resolvers, "fetch_public_json", lambda url, **_: answer)
    assert https_lnurl_resolver()({"lud16": "alice@good.example"}) is None


def test_a_public_callback_is_handed_over(monkeypatch: pytest.MonkeyPatch) -> None:
    answer = {"callback": "https://pay.good.example/cb?user=alice", "allowsNostr": True, "nostrPubkey": KEY}
    monkeypatch.setattr(resolvers, "fetch_public_json", lambda url, **_: answer)
    pay = https_lnurl_resolver()({"lud16": "alice@good.example"})
    assert pay is not None
    assert (pay.callback, pay.nostr_pubkey) == ("https://pay.good.example/cb?user=alice", KEY)
