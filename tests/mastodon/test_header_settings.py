"""A token or user agent that cannot be sent as an HTTP header is refused by ``connect``.

Before, each request failed inside the HTTP library and came back as a
retried "cannot reach the server" (with the token in the chained error's
arguments). Now ``connect`` raises ``ConfigurationError`` naming the setting,
never its value, before any I/O.
"""

from __future__ import annotations

import pytest

from decentsocial import ConfigurationError, connect
from tests.servers.mastodon import DEAD_PORT, HOST, MastodonServer

URL = f"http://{HOST}:{DEAD_PORT}"  # nothing listens: a request made would fail differently


@pytest.mark.parametrize(
    "token",
    ["abcdef0123456789\u2026xyz", "jeton-\u00e9t\u00e9-abcdef", "مفتاح-abcdef0123", "abc\u200bdef0123456"],
    ids=["ellipsis", "latin-1", "arabic", "zero-width space"],
)
def test_a_token_that_is_not_ascii_is_a_configuration_error(token: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        connect("mastodon", base_url=URL, access_token=token)
    assert "access_token" in str(caught.value)
    assert token not in str(caught.value) + repr(caught.value)


@pytest.mark.parametrize(
    "agent", ["bot \U0001f642", "مرحبا", "bot\r\nX-Evil: 1", "bot\x00", "bot\x7f"], ids=repr
)
def test_a_user_agent_that_cannot_be_a_header_is_a_configuration_error(agent: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        connect("mastodon", base_url=URL, access_token="t", user_agent=agent)
    assert "user_agent" in str(caught.value)


def test_a_plain_user_agent_is_sent(mastodon_server: MastodonServer) -> None:
    agent = "  my-bot/1.2 (+https://bots.example; ops@bots.example)  "
    net = mastodon_server.connect("alice", user_agent=agent)
    assert net.settings.user_agent == agent.strip()
    assert net.me().handle == "alice"
