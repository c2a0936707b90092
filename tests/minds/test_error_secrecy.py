"""Minds refusing a request after login, in its own words quoting the session's tokens or the
password: neither a ``{"status": "error"}`` sent with a 200 nor an error status puts them into our
error (the server knows them all, and errors get logged)."""

from __future__ import annotations

import warnings

import pytest

import decentsocial as ds
from decentsocial.backends.minds import MindsExperimentalWarning, MindsNetwork
from decentsocial.backends.minds.settings import MindsSettings
from tests.servers._scripted_http import Reply, Request, scripted_server

ACCESS = "minds-access-0123456789abcdef"
REFRESH = "minds-refresh-0123456789abcdef"
PASSWORD = "correct-horse-battery-staple"
QUOTED = f"session {ACCESS} (refresh {REFRESH}) of the account with password {PASSWORD} refused"


def minds(url: str) -> MindsNetwork:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MindsExperimentalWarning)
        return MindsNetwork(
            MindsSettings(base_url=url, username="brand", password=PASSWORD),
            retry=ds.RetryPolicy(attempts=1),
        )


@pytest.mark.parametrize("status", [200, 400, 403, 500])
def test_secrets_a_refusal_quotes_are_masked(status: int) -> None:
    def answer(r: Request) -> Reply:
        if r.path == "/api/v3/oauth/token":
            return Reply(200, {"access_token": ACCESS, "refresh_token": REFRESH, "expires_in": 3600})
        return Reply(status, {"status": "error", "message": QUOTED})

    with scripted_server(answer) as server:
        net = minds(server.url)
        for call in (lambda: net.publish("hello"), net.me, lambda: net.reply("123", "hi")):
            with pytest.raises(ds.DecentSocialError) as caught:
                call()
            e = caught.value
            shown = f"{e} {e!r} {e.message} {e.server_message} {e.args}"
            for secret in (ACCESS, REFRESH, PASSWORD):
                assert secret not in shown
            assert "session *** (refresh ***) of the account with password *** refused" in shown
        net.close()


def test_a_200_refusal_without_words_has_no_made_up_message() -> None:
    def answer(r: Request) -> Reply:
        if r.path == "/api/v3/oauth/token":
            return Reply(200, {"access_token": ACCESS, "refresh_token": REFRESH, "expires_in": 3600})
        return Reply(200, {"status": "error", "message": {"nested": ["not", "words"]}})

    with scripted_server(answer) as server:
        net = minds(server.url)
        with pytest.raises(ds.ContentRejected) as caught:
            net.publish("hello")
        net.close()
    assert caught.value.server_message is None
