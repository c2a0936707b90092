"""A secret pasted where a keyring entry's name goes (``access_token_keyring = "<the token>"``) is not
quoted in the errors that name the entry; a name written as sign-in writes them still is.

The same mistake as a secret put where a variable's name goes (``config.variable_named``): the
errors reach logs and bug reports. The keyring is the tests' file keyring, through the real
``keyring`` library.
"""

from __future__ import annotations

import traceback
from pathlib import Path

import pytest

pytest.importorskip("keyring", reason="keyring entries need the keyring extra")

import decentsocial as ds
from decentsocial.keyring_store import entry_name
from tests.auth.conftest import Store

#: A Mastodon access token pasted where its entry's name goes (made up, shaped as Mastodon's are).
TOKEN = "Zq3xK9vB7mN2pL5tR8wY1cF4hJ6gD0sA-eU_iO3nQkE"
#: A standard-base64 secret with a '/' in it, as some servers' tokens are.
SLASHED = "tR8wY1cF4hJ6gD0sA+eU/iO3nQkEZq3xK9vB7mN2pL5="
PROFILE = "brand-mastodon"


def _profile(store: Store, entry: str) -> None:
    store.config.write_text(
        f'[profiles.{PROFILE}]\nnetwork = "mastodon"\nbase_url = "http://127.0.0.1:9"\n'
        f'access_token_keyring = "{entry}"\n'
    )


def _shown(exc: BaseException) -> str:
    """Everything an error puts in a log: its words, its repr and its whole traceback."""
    return "\n".join([str(exc), repr(exc), *traceback.format_exception(type(exc), exc, exc.__traceback__)])


@pytest.mark.parametrize("pasted", [TOKEN, SLASHED], ids=["token", "slashed"])
def test_a_secret_where_the_entry_name_goes_is_not_quoted_when_the_entry_is_empty(
    store: Store, pasted: str, caplog: pytest.LogCaptureFixture
) -> None:
    _profile(store, pasted)
    with pytest.raises(ds.ConfigurationError, match="holds no secret") as caught:
        ds.connect(profile=PROFILE)
    assert pasted not in _shown(caught.value)
    assert pasted not in caplog.text
    assert "its name is not shown" in str(caught.value)
    assert "access_token_keyring" in str(caught.value)  # which setting to look at is still said


def test_an_entry_named_as_sign_in_names_it_is_still_quoted(store: Store) -> None:
    entry = entry_name(PROFILE, "access_token")
    _profile(store, entry)
    with pytest.raises(ds.ConfigurationError, match="holds no secret") as caught:
        ds.connect(profile=PROFILE)
    assert repr(entry) in str(caught.value)


@pytest.mark.parametrize("pasted", [TOKEN, SLASHED], ids=["token", "slashed"])
def test_a_keyring_that_cannot_be_read_does_not_quote_a_secret_entry_name(
    store: Store, pasted: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _profile(store, pasted)
    unreadable = tmp_path / "keyring-dir"
    unreadable.mkdir()  # the keyring file is a folder: the backend's read fails
    monkeypatch.setenv("DECENTSOCIAL_TEST_KEYRING", str(unreadable))
    with pytest.raises(ds.ConfigurationError, match="could not read") as caught:
        ds.connect(profile=PROFILE)
    assert pasted not in _shown(caught.value)
    assert "its name is not shown" in str(caught.value)


def test_a_keyring_that_cannot_be_read_still_names_a_sign_in_entry(
    store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    entry = entry_name(PROFILE, "login.client_secret")
    _profile(store, entry)
    unreadable = tmp_path / "keyring-dir"
    unreadable.mkdir()
    monkeypatch.setenv("DECENTSOCIAL_TEST_KEYRING", str(unreadable))
    with pytest.raises(ds.ConfigurationError, match="could not read") as caught:
        ds.connect(profile=PROFILE)
    assert repr(entry) in str(caught.value)
