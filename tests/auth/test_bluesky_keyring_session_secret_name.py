"""A secret pasted where a Bluesky profile's ``keyring_session`` entry name goes is not quoted in the
backend's errors and log lines about that entry; ``PROFILE/session`` (as sign-in names it) still is.

Against the reference PDS where a session is written (a password login, then atproto's refresh).
"""

from __future__ import annotations

import logging
import traceback

import pytest

pytest.importorskip("atproto", reason="the Bluesky backend needs the bluesky extra")
pytest.importorskip("keyring", reason="keyring entries need the keyring extra")

import keyring

import decentsocial as ds
from decentsocial.backends.bluesky import BlueskyNetwork
from decentsocial.keyring_store import SERVICE, entry_name
from tests.auth.bluesky_session import password_profile, refresh
from tests.auth.conftest import Store
from tests.servers.bluesky import BlueskyStack

#: An app password pasted where the session's entry name goes (made up, shaped as Bluesky's are).
PASTED = "kq7v-3fzp-x9wm-t2rd"
PROFILE = "brand-bluesky"
PASSWORD_ENV = "BRAND_BLUESKY_PASSWORD"


def _shown(exc: BaseException) -> str:
    """Everything an error puts in a log: its words, its repr and its whole traceback."""
    return "\n".join([str(exc), repr(exc), *traceback.format_exception(type(exc), exc, exc.__traceback__)])


def _session_only(store: Store, entry: str) -> None:
    """A profile with no password: the session in ``entry`` is all it has (no request is made here)."""
    store.config.write_text(
        f'[profiles.{PROFILE}]\nnetwork = "bluesky"\nbase_url = "http://127.0.0.1:9"\n'
        f'keyring_session = "{entry}"\n'
    )


def test_an_empty_session_entry_named_by_a_secret_is_not_quoted(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    _session_only(store, PASTED)
    with (
        ds.connect(profile=PROFILE) as net,
        pytest.raises(ds.AuthenticationError, match="holds none") as caught,
    ):
        net.me()
    assert PASTED not in _shown(caught.value)
    assert PASTED not in caplog.text
    assert "its name is not shown" in str(caught.value)


def test_an_empty_session_entry_named_as_sign_in_names_it_is_quoted(store: Store) -> None:
    entry = entry_name(PROFILE, "session")
    _session_only(store, entry)
    with (
        ds.connect(profile=PROFILE) as net,
        pytest.raises(ds.AuthenticationError, match="holds none") as caught,
    ):
        net.me()
    assert repr(entry) in str(caught.value)


@pytest.mark.parametrize("entry", [PASTED, entry_name(PROFILE, "session")], ids=["pasted", "sign-in"])
def test_the_warning_that_a_refreshed_session_was_not_saved_quotes_only_a_sign_in_entry(
    bluesky_stack: BlueskyStack,
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    entry: str,
) -> None:
    handle, password = bluesky_stack.create_account("pastedentry")
    monkeypatch.setenv(PASSWORD_ENV, password)
    password_profile(store, bluesky_stack, PROFILE, handle, PASSWORD_ENV, entry=entry)
    with ds.connect(profile=PROFILE) as net:
        assert isinstance(net, BlueskyNetwork)
        assert net.me().handle == handle  # a password login: its session is written to the entry
        keyring.set_password(SERVICE, entry, "another process's session")
        with caplog.at_level(logging.DEBUG, logger="decentsocial"):
            refresh(net)
        assert store.secrets()[entry] == "another process's session"  # theirs kept
    warned = [r.getMessage() for r in caplog.records if "was not saved" in r.getMessage()]
    assert warned, caplog.text
    if entry == PASTED:
        assert PASTED not in caplog.text
        assert "its name is not shown" in warned[0]
    else:
        assert repr(entry) in warned[0]
