"""LNURL and NIP-05 look-ups: a stranger's profile names the URL, so the bot fetches it only from
the public internet (https, default port, public address), unless ``allow_private_fetch``."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

import decentsocial as ds
from decentsocial import urls
from decentsocial.backends.nostr import NostrNetwork, PrivateKey
from decentsocial.backends.nostr.events import sign_event
from decentsocial.backends.nostr.resolvers import https_nip05_resolver
from decentsocial.backends.nostr.zaps import lnurl_encode
from decentsocial.limits import Limits

from .lnurl_server import LoopbackLnurl

Make = Callable[..., NostrNetwork]


@pytest.fixture
def http_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every synchronous HTTP request made (the look-ups'), recorded before it is sent."""
    calls: list[str] = []
    send = httpx.HTTPTransport.handle_request

    def recording(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        return send(self, request)

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", recording)
    # Names that resolve to addresses no stranger may make the bot fetch (a DNS answer they control).
    real = urls._getaddrinfo
    fake = {"rebind.example": ["192.168.1.5"], "metadata.example": ["169.254.169.254"]}
    monkeypatch.setattr(urls, "_getaddrinfo", lambda host, port: fake.get(host) or real(host, port))
    return calls


#: Profile fields naming a URL a bot must not fetch: (field, value; {host} is the loopback server's).
PROFILES = {
    "lud16 on loopback, another port": ("lud16", "alice@{host}"),
    "lud06 plain http on loopback": ("lud06", "http://{host}/lnurlp/alice"),
    "lud06 https on loopback, another port": ("lud06", "https://{host}/lnurlp/alice"),
    "lud06 cloud metadata": ("lud06", "https://169.254.169.254/latest/meta-data/"),
    "lud06 private range": ("lud06", "https://10.0.0.7/lnurlp/alice"),
    "lud06 ipv6 loopback": ("lud06", "https://[::1]/lnurlp/alice"),
    "lud06 public name, another port": ("lud06", "https://example.com:8443/lnurlp/alice"),
    "lud06 ftp": ("lud06", "ftp://example.com/lnurlp/alice"),
    "lud16 name resolving to a private address": ("lud16", "alice@rebind.example"),
    "lud16 name resolving to the metadata address": ("lud16", "alice@metadata.example"),
    "lud16 localhost": ("lud16", "alice@localhost"),
    "lud16 path in the name": ("lud16", "../../admin?x=@example.com"),
}


@pytest.mark.parametrize("name", list(PROFILES))
def test_a_profile_naming_a_private_or_odd_url_is_refused_and_nothing_is_fetched(
    make_net: Make, lnurl_http: LoopbackLnurl, http_calls: list[str], name: str
) -> None:
    field, template = PROFILES[name]
    value = template.format(host=lnurl_http.host)
    profile = {field: lnurl_encode(value) if field == "lud06" else value}
    alice = make_net(lnurl_resolver=None)
    alice.set_profile(name="alice", **profile)
    post = alice.publish(f"zap me ({name})")
    zapper = PrivateKey.generate()
    # A receipt addressed to Alice: reading her notifications asks who signs her zaps.
    receipt = sign_event(zapper, 9735, "", (("p", alice.public_key), ("e", post.id)), int(time.time()))
    alice.publish_event(receipt)
    bob = make_net(lnurl_resolver=None)
    http_calls.clear()

    with pytest.raises(ds.ContentRejected, match="LNURL"):
        bob.tip(alice.public_key, "21 SAT")
    assert bob.rewards(post).status == "none"
    assert alice.pending_rewards().status == "none"
    assert [n for n in alice.notifications(limit=None) if n.kind == "zap"] == []

    assert http_calls == [], name
    assert lnurl_http.requests == [], name


def test_with_allow_private_fetch_the_loopback_server_is_used(
    make_net: Make, lnurl_http: LoopbackLnurl
) -> None:
    """The same profile with the test setting on: the look-up reaches the server (so the refusals
    above are the rules at work, not a server that is down)."""
    alice = make_net(lnurl_resolver=None)
    alice.set_profile(name="alice", lud16=f"alice@{lnurl_http.host}")
    bob = make_net(lnurl_resolver=None, allow_private_fetch=True)
    url = bob.tip(alice.public_key, "21 SAT")
    assert url.startswith(f"{lnurl_http.base}/callback/alice?")
    assert lnurl_http.requests == ["/.well-known/lnurlp/alice"]


def test_a_callback_on_a_private_address_is_not_handed_to_the_wallet(
    make_net: Make, lnurl_http: LoopbackLnurl
) -> None:
    """Even an endpoint the test setting lets us read cannot point the wallet at a private address
    unless the setting is on; and a callback that is not a URL is none."""
    alice = make_net(lnurl_resolver=None)
    alice.set_profile(name="alice", lud16=f"alice@{lnurl_http.host}")
    bob = make_net(lnurl_resolver=None, allow_private_fetch=True)
    for callback in ("javascript:alert(1)", "https://user:pw@example.com/cb", 42):
        lnurl_http.document = {
            "callback": callback,
            "allowsNostr": True,
            "nostrPubkey": lnurl_http.receipt_key.public_key,
        }
        with pytest.raises(ds.ContentRejected, match="LNURL"):
            bob.tip(alice.public_key, "21 SAT")


def test_nip05_names_are_resolved_from_public_hosts_only(
    make_net: Make, lnurl_http: LoopbackLnurl, http_calls: list[str]
) -> None:
    alice = make_net()
    lnurl_http.names["alice"] = alice.public_key
    strict = make_net(nip05_resolver=https_nip05_resolver(limits=Limits(deadline=2)))
    for name in (
        f"alice@{lnurl_http.host}",
        "alice@127.0.0.1",
        "alice@169.254.169.254",
        "alice@10.1.2.3",
        "alice@rebind.example",
        "alice@localhost",
        "../alice@example.com",
        "alice@example.com/../../x",
    ):
        with pytest.raises((ds.NotFound, ds.InvalidInput)):  # InvalidInput: not even a domain name
            strict.account(name)
    assert http_calls == []
    assert lnurl_http.requests == []
    testing = make_net(nip05_resolver=https_nip05_resolver(allow_private=True))
    assert testing.account(f"alice@{lnurl_http.host}").id == alice.public_key
    assert lnurl_http.requests == ["/.well-known/nostr.json?name=alice"]
