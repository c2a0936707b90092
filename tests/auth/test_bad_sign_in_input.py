"""Bad input to a sign-in is a typed error before any request, never a bare Python error or a
misleading one: a pasted address with a bracket left open, a ``state``, secret or handle holding half
a surrogate pair, a timeout that is not a number of seconds, a redirect address no URL can carry
(refused before a listener is bound), a NIP-05 name that is not text, a wait on a listener already
closed, Hive nodes that are no list of addresses. No test here reaches a server: each input is
refused first."""

from __future__ import annotations

import threading
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.auth._common import read_code
from decentsocial.errors import AuthenticationError, InvalidInput
from tests.auth.conftest import Store

#: Nothing listens here: a request that went out would fail with NetworkUnavailable, not InvalidInput.
CLOSED = "http://127.0.0.1:9"


def threads_flow(redirect_uri: str = "https://app.example/cb", **options: Any) -> Any:
    return ds.auth.start(
        "threads",
        client_id="1234",
        client_secret="app-secret",
        redirect_uri=redirect_uri,
        authorize_url=CLOSED,
        base_url=CLOSED,
        **options,
    )


def listeners() -> set[threading.Thread]:
    """The loopback listeners' threads running now."""
    return {t for t in threading.enumerate() if "_serve" in t.name}


def test_a_pasted_address_with_a_bracket_left_open_gives_its_code_and_state() -> None:
    assert read_code("http://[::1/cb?code=abc&state=xyz", None) == ("abc", "xyz")
    assert read_code("https://app.example/cb?code=abc&state=xyz#_", None) == ("abc", "xyz")


def test_a_pasted_address_with_a_bracket_left_open_is_checked_not_a_crash(store: Store) -> None:
    flow = threads_flow()
    with pytest.raises(InvalidInput, match="state differs"):
        flow.finish(code="https://[app.example/cb?code=abc&state=another", profile="brand-threads")
    assert not flow.finished


@pytest.mark.parametrize("state", ["\ud800", "abc\udcff"])
def test_a_state_with_half_a_surrogate_pair_is_a_state_that_differs(store: Store, state: str) -> None:
    flow = threads_flow("http://127.0.0.1:0/cb")
    try:
        with pytest.raises(InvalidInput, match="state differs"):
            flow.finish(code="abc", state=state, profile="brand-threads")
        assert not flow.finished
    finally:
        flow.close()


BAD_TIMEOUTS = [-1, 0, float("nan"), float("inf"), "30", True]


@pytest.mark.parametrize("timeout", BAD_TIMEOUTS)
def test_threads_start_refuses_a_timeout_that_is_not_seconds(timeout: Any) -> None:
    with pytest.raises(InvalidInput, match="timeout"):
        threads_flow(timeout=timeout)


@pytest.mark.parametrize("timeout", BAD_TIMEOUTS)
def test_mastodon_start_refuses_a_timeout_that_is_not_seconds(timeout: Any) -> None:
    before = listeners()
    with pytest.raises(InvalidInput, match="timeout"):
        ds.auth.start("mastodon", base_url=CLOSED, redirect_uri="http://127.0.0.1:0/cb", timeout=timeout)
    assert listeners() <= before


@pytest.mark.parametrize("redirect", ["http://127.0.0.1:0/\udcff", "https://app.example/\ud800cb"])
def test_a_redirect_address_with_half_a_surrogate_pair_is_refused_and_nothing_listens(
    redirect: str,
) -> None:
    before = listeners()
    with pytest.raises(InvalidInput, match="surrogate"):
        threads_flow(redirect)
    assert listeners() <= before  # no listener left running for a flow that never began


@pytest.mark.parametrize("nip05", [5, 5.0, ["a@b"]])
def test_a_nip05_name_that_is_not_text_is_invalid_input(store: Store, nip05: Any) -> None:
    pytest.importorskip("coincurve", reason="the nostr extra makes keys")
    with pytest.raises(InvalidInput, match="NIP-05"):
        ds.auth.nostr_import(relays=["ws://127.0.0.1:9"], nip05=nip05, nip05_resolver=lambda _: None)
    assert store.secrets() == {}


def test_a_wait_after_the_listener_closed_says_so_rather_than_binding_a_dead_one() -> None:
    flow = threads_flow("http://127.0.0.1:0/cb")
    with pytest.raises(AuthenticationError, match="no sign-in came back"):
        flow.wait_for_code(timeout=0.1)
    # Waiting again (the user approved late) would bind a listener nothing serves and wait it out.
    with pytest.raises(AuthenticationError, match="no longer listens"):
        flow.wait_for_code(timeout=5)
    flow.close()
    with pytest.raises(AuthenticationError, match="no longer listens"):
        flow.listen()


def test_threads_refuses_an_app_secret_no_request_can_carry_before_the_approval() -> None:
    with pytest.raises(InvalidInput, match="client_secret holds half a surrogate pair") as refused:
        ds.auth.start(
            "threads",
            client_id="1234",
            client_secret="app-secret\udcff",
            redirect_uri="https://app.example/cb",
        )
    assert "app-secret" not in str(refused.value)


@pytest.mark.parametrize(
    ("handle", "password", "words"),
    [
        ("brand.test", "abcd-efgh\udcff", "app_password holds half a surrogate pair"),
        ("brand\ud800.test", "abcd-efgh-ijkl-mnop", "handle holds half a surrogate pair"),
        ("brand.test", None, "app_password must be text"),
    ],
)
def test_bluesky_refuses_input_no_login_can_carry_before_any_request(
    store: Store, handle: str, password: Any, words: str
) -> None:
    with pytest.raises(InvalidInput, match=words) as refused:
        ds.auth.bluesky_login(handle=handle, app_password=password, base_url=CLOSED, profile="brand-bluesky")
    assert "abcd-efgh" not in str(refused.value)
    assert store.secrets() == {}


@pytest.mark.parametrize("nodes", [5, "http://127.0.0.1:9", [5]])
def test_hive_nodes_that_are_not_a_list_of_addresses_are_invalid_input(store: Store, nodes: Any) -> None:
    pytest.importorskip("beem", reason="the hive extra checks keys")
    from beemgraphenebase.account import PrivateKey

    with pytest.raises(InvalidInput, match="nodes: give a list"):
        ds.auth.hive_import("hive", account="brand", nodes=nodes, posting_key=str(PrivateKey()))
    assert store.secrets() == {}


@pytest.mark.parametrize("code", [None, 1234, b"abc"])
def test_a_code_that_is_not_text_is_refused_not_sent_as_its_repr(store: Store, code: Any) -> None:
    flow = threads_flow()
    with pytest.raises(InvalidInput, match="code is text"):
        flow.finish(code=code, profile="brand-threads")
    assert not flow.finished


@pytest.mark.parametrize("margin", [7, "7 days", None])
def test_a_threads_refresh_margin_that_is_not_a_timedelta_is_invalid_input(store: Store, margin: Any) -> None:
    with pytest.raises(InvalidInput, match="margin"):
        ds.auth.refresh("brand-threads", margin=margin)
