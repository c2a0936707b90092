"""The access token never reaches an error, even when the server's error text repeats it.

A reverse proxy or auth gateway may echo the request's ``Authorization``
header in its error body: the error's message, its ``server_message`` and
the traceback of its chained cause show ``***`` instead.
"""

from __future__ import annotations

import traceback

import pytest

from decentsocial import DecentSocialError, connect
from decentsocial.backends.mastodon import MastodonNetwork
from tests.mastodon.server_fixtures import hostile  # noqa: F401 - the server fixture
from tests.servers.mastodon_hostile import HostileServer, answer

TOKEN = "s3cr3t-token-value-123"


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422, 429, 500])
def test_a_server_echoing_the_token_does_not_put_it_in_the_error(server: HostileServer, status: int) -> None:
    body = {"error": f"bad Bearer {TOKEN}", "error_description": f"token={TOKEN}"}
    server.respond = lambda method, path: answer(body, status)
    net = connect(
        "mastodon",
        base_url=server.base_url,
        access_token=TOKEN,
        mastodon_version="4.2.0",
        retry={"attempts": 1},
    )
    assert isinstance(net, MastodonNetwork)
    with pytest.raises(DecentSocialError) as caught:
        net.get_post("1")
    error = caught.value
    shown = "".join(traceback.format_exception(error))
    assert TOKEN not in shown
    assert TOKEN not in repr(error) + repr(getattr(error, "server_message", ""))
    assert "bad Bearer ***" in str(error)  # the server's words are kept, less the token
