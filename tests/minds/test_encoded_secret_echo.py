"""A Minds server quoting the password or the session's tokens percent-encoded (as a server echoing
a form or an address writes them): ``p%40ss`` is the password ``p@ss``, so it is masked as well
as the plain spelling (tests/minds/test_error_secrecy.py)."""

from __future__ import annotations

import warnings
from urllib.parse import quote, quote_plus

import pytest

import decentsocial as ds
from decentsocial.backends.minds import MindsExperimentalWarning, MindsNetwork, MindsSettings
from tests.servers._scripted_http import Reply, Request, scripted_server

PASSWORD = "p@ss w0rd!&more"
ACCESS = "minds/access+token=="
SPELLINGS = [form for s in (PASSWORD, ACCESS) for form in (s, quote(s, safe=""), quote_plus(s, safe=""))]
QUOTED = f"refused password={quote_plus(PASSWORD)} token={quote(ACCESS, safe='')}"


def minds(url: str) -> MindsNetwork:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MindsExperimentalWarning)
        return MindsNetwork(
            MindsSettings(base_url=url, username="brand", password=PASSWORD), retry=ds.RetryPolicy(attempts=1)
        )


@pytest.mark.parametrize("status", [200, 400, 401])
def test_the_encoded_password_and_token_a_refusal_quotes_are_masked(status: int) -> None:
    def answer(r: Request) -> Reply:
        if r.path == "/api/v3/oauth/token" and status != 401:
            return Reply(200, {"access_token": ACCESS, "refresh_token": "ref-0123456789", "expires_in": 60})
        return Reply(status, {"status": "error", "message": QUOTED})

    with scripted_server(answer) as server:
        net = minds(server.url)
        with pytest.raises(ds.DecentSocialError) as caught:
            net.publish("hello")  # 401: the login itself is refused
        net.close()
    e = caught.value
    text = f"{e} {e!r} {e.message} {e.server_message} {e.args}"
    known = SPELLINGS if status != 401 else SPELLINGS[:3]  # a refused login was given no token
    for spelling in known:
        assert spelling not in text
    assert "refused password=***" in text
