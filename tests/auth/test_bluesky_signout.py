"""Logout of a Bluesky profile that keeps its session in a file (``session_file``, as the Bluesky page
of the docs configures one): the session is ended on the PDS and the file removed, like a keyring one."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

import decentsocial as ds
from tests.auth.conftest import Store
from tests.servers.bluesky import BlueskyStack


def test_logout_ends_and_removes_a_session_kept_in_a_file(
    bluesky_stack: BlueskyStack, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    handle, password = bluesky_stack.create_account("sessionfile")
    monkeypatch.setenv("BRAND_BLUESKY_APP_PASSWORD", password)
    session = tmp_path / "state" / "brand-bluesky.session"
    store.config.write_text(
        f'[profiles.brand-bluesky]\nnetwork = "bluesky"\nbase_url = "{bluesky_stack.pds_url}"\n'
        f'handle = "{handle}"\npassword_env = "BRAND_BLUESKY_APP_PASSWORD"\nsession_file = "{session}"\n'
    )
    with ds.connect(profile="brand-bluesky") as net:
        assert net.me().handle == handle
    refresh_jwt = session.read_text().split(":::")[3]
    done = ds.auth.logout("brand-bluesky")
    assert done == [
        "session ended on the server",
        f"session file {session} removed",
        "profile brand-bluesky removed from the config file",
    ]
    assert not session.exists()
    again = httpx.post(
        f"{bluesky_stack.pds_url}/xrpc/com.atproto.server.refreshSession",
        headers={"Authorization": f"Bearer {refresh_jwt}"},
        timeout=30,
    )
    assert again.status_code in (400, 401), again.text  # the PDS no longer takes the saved session


def test_logout_of_a_profile_whose_session_file_was_never_written(store: Store, tmp_path: Path) -> None:
    store.config.write_text(
        '[profiles.b]\nnetwork = "bluesky"\nbase_url = "http://127.0.0.1:9"\nhandle = "b.test"\n'
        f'password_env = "NOT_SET_HERE"\nsession_file = "{tmp_path / "never.session"}"\n'
    )
    assert ds.auth.logout("b") == ["profile b removed from the config file"]  # nothing to end or remove


def test_logout_leaves_a_file_that_holds_no_session_alone(store: Store, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"  # a mistyped session_file naming a file of the user's
    notes.write_text("groceries: milk, bread\n")
    store.config.write_text(
        '[profiles.b]\nnetwork = "bluesky"\nbase_url = "http://127.0.0.1:9"\nhandle = "b.test"\n'
        f'password_env = "NOT_SET_HERE"\nsession_file = "{notes}"\n'
    )
    assert ds.auth.logout("b") == ["profile b removed from the config file"]
    assert notes.read_text() == "groceries: milk, bread\n"


def test_logout_reads_no_further_than_a_session_holds(store: Store, tmp_path: Path) -> None:
    # A mistyped session_file naming a large file of the user's: it was read whole (a log of gigabytes
    # filled memory), and this one, session-shaped once its padding was stripped, was taken for a session.
    big = tmp_path / "export.log"
    big.write_text("did:plc:x:::b.test:::access:::refresh" + " " * (2 * 1024 * 1024) + "\n")
    store.config.write_text(
        '[profiles.b]\nnetwork = "bluesky"\nbase_url = "http://127.0.0.1:9"\nhandle = "b.test"\n'
        f'password_env = "NOT_SET_HERE"\nsession_file = "{big}"\n'
    )
    assert ds.auth.logout("b") == ["profile b removed from the config file"]
    assert big.stat().st_size > 2 * 1024 * 1024
