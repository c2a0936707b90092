"""Key sign-in: Hive keys checked against the account's public keys on the (replay) node; Nostr keys
generated or imported, with a NIP-05 check through the backend's guarded resolver on loopback."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.backends.nostr import NostrNetwork
from decentsocial.backends.nostr.resolvers import https_nip05_resolver
from tests.auth.conftest import Store
from tests.servers._jsonrpc_replay import ReplayServer, load_cases
from tests.servers.hive import FIXTURE, public_key_for, wif_for

RELAYS = ["ws://127.0.0.1:9"]  # never contacted: connect() does no I/O


def _authority(account: str, role: str) -> dict[str, Any]:
    return {"weight_threshold": 1, "account_auths": [], "key_auths": [[public_key_for(account, role), 1]]}


@pytest.fixture(scope="module")
def node() -> Iterator[ReplayServer]:
    """The recorded mainnet answers plus one account whose keys the tests hold (its get_accounts
    answer is made here, shaped like the recorded ones: real accounts' private keys are unknown)."""
    entry = {"name": "ds-signin", "posting": _authority("ds-signin", "posting")}
    entry["active"] = _authority("ds-signin", "active")
    synthetic = {"id": "ds-signin", "method": "condenser_api.get_accounts", "params": [["ds-signin"]]}
    server = ReplayServer([*load_cases(FIXTURE), {**synthetic, "result": [entry]}], port=0).start()
    try:
        yield server
    finally:
        server.stop()


def test_hive_keys_that_belong_are_saved_in_the_keyring_only(node: ReplayServer, store: Store) -> None:
    posting, active = wif_for("ds-signin", "posting"), wif_for("ds-signin", "active")
    signed = ds.auth.hive_import(
        "hive",
        account="ds-signin",
        nodes=[node.url],
        posting_key=posting + "\n",  # as read from a file by --posting-key-env: checked and saved stripped
        active_key=active,
        profile="brand-hive",
    )
    assert signed.scopes == ("active", "posting")
    assert store.secrets() == {"brand-hive/posting_key": posting, "brand-hive/active_key": active}
    text = store.config_text()
    assert posting not in text
    assert active not in text
    assert 'posting_key_keyring = "brand-hive/posting_key"' in text
    node.clear()
    with ds.connect(profile="brand-hive", retry={"attempts": 1}) as net:
        net.vote("steemit/firstpost", 1)  # signed with the key read from the keyring
    assert node.broadcasts, "the vote was not broadcast"


def test_a_key_of_another_account_is_refused_and_nothing_saved(node: ReplayServer, store: Store) -> None:
    # alice is a recorded mainnet account: a test key is not hers.
    with pytest.raises(ds.AuthenticationError, match="does not belong to @alice") as caught:
        ds.auth.hive_import(
            "hive", account="alice", nodes=[node.url], posting_key=wif_for("alice", "posting"), profile="a"
        )
    assert wif_for("alice", "posting") not in str(caught.value)
    # A posting key offered as the active key: the wrong role.
    with pytest.raises(ds.AuthenticationError, match="active key given does not belong"):
        ds.auth.hive_import(
            "hive",
            account="ds-signin",
            nodes=[node.url],
            active_key=wif_for("ds-signin", "posting"),
            profile="b",
        )
    with pytest.raises(ds.InvalidInput, match="not a private key in WIF") as bad:
        ds.auth.hive_import("hive", account="ds-signin", nodes=[node.url], posting_key="5Kmistyped-secret")
    assert "mistyped" not in str(bad.value)
    assert not store.config.exists()
    assert store.secrets() == {}


def test_nostr_key_generated_is_shown_once_and_kept_in_the_keyring(store: Store) -> None:
    signed = ds.auth.nostr_generate(relays=RELAYS, profile="brand-nostr")
    nsec = signed.notes["nsec"]
    assert nsec.startswith("nsec1")
    assert store.secrets() == {"brand-nostr/private_key": nsec}
    assert nsec not in store.config_text()
    assert signed.notes["npub"] in store.config_text()
    assert nsec not in repr(signed)
    assert nsec not in str(signed)  # a bot that logs what it signed in as does not log the key
    with ds.connect(profile="brand-nostr") as net:
        assert isinstance(net, NostrNetwork)
        assert net.public_key == signed.account.id
    again = ds.auth.nostr_import(relays=RELAYS, private_key=nsec, profile="copy")
    assert "nsec" not in again.notes  # an imported key is not shown back


def test_relays_connect_would_refuse_are_refused_before_a_key_is_made(store: Store) -> None:
    for relays in (["relay.example"], [], ["https://relay.example"]):
        with pytest.raises(ds.ConfigurationError, match="relays"):
            ds.auth.nostr_generate(relays=relays, profile="unusable")
    assert store.secrets() == {}
    assert "unusable" not in store.config_text()


@pytest.fixture
def nip05_site() -> Iterator[tuple[str, dict[str, str]]]:
    """A web server on loopback serving /.well-known/nostr.json from a dict the test fills."""
    names: dict[str, str] = {}

    class Site(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            body = json.dumps({"names": names}).encode()
            self.send_response(200 if self.path.startswith("/.well-known/nostr.json") else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = HTTPServer(("127.0.0.1", 0), Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}", names
    server.shutdown()
    server.server_close()


def test_nostr_import_checks_nip05(store: Store, nip05_site: tuple[str, dict[str, str]]) -> None:
    from decentsocial.backends.nostr.keys import PrivateKey

    host, names = nip05_site
    key = PrivateKey.generate()
    resolver = https_nip05_resolver(allow_private=True)  # the backend's guarded resolver, loopback allowed
    with pytest.raises(ds.AuthenticationError, match="does not name a key"):
        ds.auth.nostr_import(
            relays=RELAYS, private_key=key.nsec, nip05=f"brand@{host}", nip05_resolver=resolver, profile="n"
        )
    names["brand"] = PrivateKey.generate().public_key
    with pytest.raises(ds.AuthenticationError, match="points at another key"):
        ds.auth.nostr_import(
            relays=RELAYS, private_key=key.nsec, nip05=f"brand@{host}", nip05_resolver=resolver, profile="n"
        )
    assert not store.config.exists()
    names["brand"] = key.public_key
    signed = ds.auth.nostr_import(
        relays=RELAYS, private_key=key.hex, nip05=f"brand@{host}", nip05_resolver=resolver, profile="n"
    )
    assert signed.account.handle == f"brand@{host}"
    assert store.secrets() == {"n/private_key": key.nsec}
    with pytest.raises(ds.InvalidInput, match="paste your nsec") as bad:
        ds.auth.nostr_import(relays=RELAYS, private_key="nsec1notakey", profile="m")
    assert "notakey" not in str(bad.value)


def test_a_keyring_that_fails_leaves_nothing_half_saved(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    ds.auth.nostr_generate(relays=RELAYS, profile="kept")
    before = (store.config_text(), store.secrets())
    monkeypatch.setenv("DECENTSOCIAL_TEST_KEYRING_LOCKED", "1")
    with pytest.raises(ds.ConfigurationError, match="could not write entry 'new/private_key'"):
        ds.auth.nostr_generate(relays=RELAYS, profile="new")
    assert (store.config_text(), store.secrets()) == before


def test_hive_login_command_with_keys_typed_at_the_hidden_prompt(node: ReplayServer, store: Store) -> None:
    from typer.testing import CliRunner

    from decentsocial.cli import app

    posting, active = wif_for("ds-signin", "posting"), wif_for("ds-signin", "active")
    result = CliRunner().invoke(
        app,
        ["login", "hive", "ds-signin", "-p", "brand-hive", "--node", node.url, "--active"],
        input=f"{posting}\n{active}\n",
    )
    assert result.exit_code == 0, result.output
    assert "Signed in to hive as ds-signin." in result.output
    assert posting not in result.output  # the prompt hides what is typed
    assert active not in result.output
    assert store.secrets() == {"brand-hive/posting_key": posting, "brand-hive/active_key": active}
