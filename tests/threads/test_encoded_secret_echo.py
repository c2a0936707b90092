"""A Threads server that echoes the request it refused: the address it was sent to (the token and
app secret percent-encoded, as httpx sent them in the query) or the token as it would appear in
one. Tokens with ``|``, ``+``, ``/`` or ``=`` (app tokens, base64) read ``a%7Cb``: masked only
as sent, the encoded token reached the error, its repr and every log that records it."""

from __future__ import annotations

import logging
from urllib.parse import quote, quote_plus

import pytest

import decentsocial as ds
from decentsocial.backends.threads import ThreadsNetwork, ThreadsSettings
from tests.servers._scripted_http import Reply, Request, scripted_server
from tests.threads.scripted import first_steps

TOKEN = "THAA|long+lived/token=="
APP_SECRET = "app|secret+9/z="
SECRETS = (TOKEN, APP_SECRET)
#: Every way the secrets may be written in an echoed address, each of which reveals them.
SPELLINGS = [form for s in SECRETS for form in (s, quote(s, safe=""), quote_plus(s, safe=""))]


def echo(r: Request, status: int = 400) -> Reply:
    """A Graph error quoting the request's query (as sent: percent-encoded) and the token encoded."""
    query = "&".join(f"{k}={quote_plus(v[0], safe='')}" for k, v in r.query.items())
    words = f"Invalid OAuth access token in {r.path}?{query} (token {quote(TOKEN, safe='')})"
    return Reply(status, {"error": {"message": words, "code": 100}})


def threads(url: str) -> ThreadsNetwork:
    settings = ThreadsSettings(base_url=url, access_token=TOKEN, user_id="1", poll_interval=0.01)
    return ThreadsNetwork(settings, retry=ds.RetryPolicy(attempts=1), sleep=lambda seconds: None)


def shown(error: ds.DecentSocialError) -> str:
    return f"{error} {error!r} {error.message} {error.server_message} {error.args}"


def assert_masked(error: ds.DecentSocialError, logs: pytest.LogCaptureFixture) -> None:
    text = shown(error) + " ".join(r.getMessage() for r in logs.records)
    for spelling in SPELLINGS:
        assert spelling not in text
    assert "***" in shown(error)  # the server's words are kept, the secrets masked


@pytest.mark.parametrize(
    "call",
    [
        ThreadsNetwork.me,
        ThreadsNetwork.refresh_token,
        lambda net: ThreadsNetwork.exchange_token(TOKEN, APP_SECRET, base_url=net.settings.base_url),
    ],
    ids=["read", "refresh", "exchange"],
)
def test_a_refusal_echoing_the_encoded_token_or_app_secret_masks_them(
    call: object, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="decentsocial")
    with scripted_server(echo) as server:
        net = threads(server.url)
        with pytest.raises(ds.DecentSocialError) as caught:
            call(net)  # type: ignore[operator]
        net.close()
    assert_masked(caught.value, caplog)


def test_a_threads_publish_refusal_echoing_the_encoded_token_masks_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """``threads_publish`` is sent once and its refusal read apart (codes, subcodes): masked too."""
    caplog.set_level(logging.DEBUG, logger="decentsocial")

    def answer(r: Request) -> Reply:
        if (step := first_steps(r)) is not None:
            return step
        if r.path.endswith("/threads_publish"):
            return echo(r)
        return Reply(200, {"status": "FINISHED", "id": "100"})

    with scripted_server(answer) as server:
        net = threads(server.url)
        with pytest.raises(ds.ContentRejected) as caught:
            net.publish("hello")
        net.close()
    assert server.count("POST", "/threads_publish") == 1
    assert_masked(caught.value, caplog)
