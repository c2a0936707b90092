"""What Mastodon would refuse is refused before anything is uploaded: long alt text, a repeated poll option.

Alt text is checked against the instance's ``media_attachments.description_limit``
(1,500 characters where it does not say), counted in characters as Mastodon
counts it; a poll may not have the same option twice (Mastodon's
``PollOptionsValidator``).
"""

from __future__ import annotations

import base64
from typing import Any

import pytest

from decentsocial import ContentRejected, Draft, Poll, connect
from decentsocial.backends.mastodon import MastodonNetwork
from decentsocial.models import Media
from tests.mastodon.server_fixtures import hostile  # noqa: F401 - the server fixture
from tests.servers.mastodon_hostile import HostileServer, answer

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/x8AAwMCAO+ip1sAAAAASUVORK5CYII="
)


def net_for(server: HostileServer, media: dict[str, Any]) -> MastodonNetwork:
    instance = {
        "uri": "x",
        "version": "4.4.0",
        "configuration": {"statuses": {"max_characters": 500}, "media_attachments": media},
    }

    def respond(method: str, path: str) -> bytes:
        if "instance" in path:
            return answer(instance)
        return answer({"id": "50", "type": "image", "url": "http://127.0.0.1/x.png"})

    server.respond = respond
    net = connect("mastodon", base_url=server.base_url, access_token="t", mastodon_version="4.4.0")
    assert isinstance(net, MastodonNetwork)
    return net


def image(alt_text: str) -> Media:
    return Media(data=PNG, mime_type="image/png", alt_text=alt_text)


def writes(server: HostileServer) -> list[tuple[str, str]]:
    return [(method, path) for method, path in server.requests if method != "GET"]


@pytest.mark.parametrize(
    ("announced", "alt_text"),
    [({}, "و" * 1501), ({"description_limit": 1500}, "و" * 2000), ({"description_limit": 100}, "x" * 101)],
    ids=["default 1500", "announced 1500", "announced 100"],
)
def test_alt_text_over_the_limit_is_refused_before_any_upload(
    server: HostileServer, announced: dict[str, Any], alt_text: str
) -> None:
    net = net_for(server, announced)
    draft = Draft(text="two pictures", media=(image("short"), image(alt_text)))
    with pytest.raises(ContentRejected, match="alt text"):
        net.check_draft(draft)
    with pytest.raises(ContentRejected, match="alt text"):
        net.publish(draft)
    assert writes(server) == []  # the first picture was not uploaded either


def test_alt_text_at_the_limit_passes(server: HostileServer) -> None:
    net = net_for(server, {"description_limit": 100})
    # Counted in characters (code points), as Mastodon counts.
    net.check_draft(Draft(text="one picture", media=(image("و" * 100),)))


@pytest.mark.parametrize("options", [("yes", "yes"), ("نعم", "لا", "نعم"), ("yes", " yes ")])
def test_a_poll_with_the_same_option_twice_is_refused(
    server: HostileServer, options: tuple[str, ...]
) -> None:
    net = net_for(server, {})
    draft = Draft(text="which?", poll=Poll(options=options, expires_in=3600))
    with pytest.raises(ContentRejected, match="same option"):
        net.publish(draft)
    assert writes(server) == []
    net.check_draft(Draft(text="which?", poll=Poll(options=("yes", "Yes"), expires_in=3600)))
