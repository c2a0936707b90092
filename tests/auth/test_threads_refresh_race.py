"""A Threads token refresh racing a sign-in or a logout of the same profile: whatever happened while
the token was renewed wins; the renewed token is dropped (logged, never shown) and no secret is left
behind. The other process's step runs inside the renewal (the server call), so the race is exact."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest
from pydantic import SecretStr

import decentsocial as ds
from decentsocial.auth._common import save_signed_in
from decentsocial.backends.threads import ThreadsNetwork
from decentsocial.backends.threads.results import ThreadsToken
from decentsocial.config import profile_table
from tests.auth.conftest import Store

PROFILE = "brand-threads"
ENTRY = f"{PROFILE}/access_token"
RENEWED = "THL-renewed-secret-token"
EXPIRES = datetime(2031, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def sign_in(user_id: str, token: str) -> None:
    save_signed_in(
        PROFILE,
        "threads",
        {"user_id": user_id, "token_expires_at": datetime.now(timezone.utc) + timedelta(days=3)},
        {"access_token": token},
    )


def renew_while(monkeypatch: pytest.MonkeyPatch, meanwhile: Callable[[], object]) -> None:
    """Make the server's renewal run ``meanwhile`` (another process's step) before it answers."""

    def refresh_token(self: ThreadsNetwork) -> ThreadsToken:
        meanwhile()
        return ThreadsToken(access_token=SecretStr(RENEWED), expires_at=EXPIRES)

    monkeypatch.setattr(ThreadsNetwork, "refresh_token", refresh_token)


def test_a_refresh_with_nothing_meanwhile_saves_the_token_and_its_expiry(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in("111", "THL-old")
    renew_while(monkeypatch, lambda: None)
    assert ds.auth.refresh(PROFILE) == EXPIRES  # 3 days left: due
    assert store.secrets()[ENTRY] == RENEWED
    assert profile_table(PROFILE)["token_expires_at"] == EXPIRES
    assert RENEWED not in store.config_text()


def test_a_sign_in_while_the_token_is_renewed_keeps_the_new_sign_in(
    store: Store, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    sign_in("111", "THL-old")
    renew_while(monkeypatch, lambda: sign_in("222", "THL-other-account"))
    caplog.set_level(logging.WARNING, logger="decentsocial.auth")
    assert ds.auth.refresh(PROFILE) is None
    assert store.secrets()[ENTRY] == "THL-other-account"  # not the old account's renewed token
    table = profile_table(PROFILE)
    assert table["user_id"] == "222"
    assert table["token_expires_at"] != EXPIRES
    assert "renewed token is dropped" in caplog.text
    assert RENEWED not in caplog.text


def test_a_logout_while_the_token_is_renewed_leaves_no_secret(
    store: Store, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    sign_in("111", "THL-old")
    renew_while(monkeypatch, lambda: ds.auth.logout(PROFILE, revoke=False))
    caplog.set_level(logging.WARNING, logger="decentsocial.auth")
    assert ds.auth.refresh(PROFILE) is None
    assert ENTRY not in store.secrets()
    assert profile_table(PROFILE) == {}
    assert "renewed token is dropped" in caplog.text
    assert RENEWED not in caplog.text
