"""Bad input: a typed error before any I/O, and nothing posted or uploaded.

Most cases use a connection to a port where nothing listens: reaching the
network there would raise ``NetworkUnavailable``, so any other error proves
the check ran first.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from decentsocial import (
    ConfigurationError,
    ContentRejected,
    Draft,
    InvalidInput,
    Media,
    Poll,
    connect,
)
from decentsocial.backends.mastodon import MastodonNetwork
from tests.servers.mastodon import DEAD_PORT, HOST, MastodonServer

from .test_live import png


@pytest.fixture
def offline() -> MastodonNetwork:
    net = connect("mastodon", base_url=f"http://{HOST}:{DEAD_PORT}", access_token="t", allow_http=True)
    assert isinstance(net, MastodonNetwork)
    return net


def test_empty_status_without_media(offline: MastodonNetwork) -> None:
    with pytest.raises(ContentRejected):
        offline.publish("")
    with pytest.raises(ContentRejected):
        offline.publish("   \n ")
    with pytest.raises(ContentRejected):
        offline.reply("123", "")


def test_unknown_visibility(offline: MastodonNetwork) -> None:
    with pytest.raises(InvalidInput, match="unknown visibility"):  # refused on construction
        Draft(text="hi", visibility="secret")
    secret: Any = "secret"
    sneaked = Draft.model_construct(text="hi", visibility=secret, media=(), poll=None, scheduled_at=None)
    with pytest.raises(InvalidInput, match="visibility"):
        offline.publish(sneaked)


def test_poll_with_one_option(offline: MastodonNetwork) -> None:
    with pytest.raises(InvalidInput, match="at least 2"):
        Draft(text="q", poll=Poll(options=("only",)))


def test_poll_and_media_together(offline: MastodonNetwork) -> None:
    draft = Draft(text="q", poll=Poll(options=("a", "b")), media=(Media(data=png()),))
    with pytest.raises(ContentRejected, match="poll and media"):
        offline.publish(draft)


def test_media_given_only_by_url(offline: MastodonNetwork) -> None:
    with pytest.raises(ContentRejected, match="URL"):
        offline.publish(Draft(text="x", media=(Media(url="https://example.com/a.png"),)))


def test_schedule_too_soon(offline: MastodonNetwork) -> None:
    soon = datetime.now(timezone.utc) + timedelta(minutes=2)
    with pytest.raises(ContentRejected, match="5 minutes"):
        offline.publish(Draft(text="x", scheduled_at=soon))


def test_bad_ids_and_limits(offline: MastodonNetwork) -> None:
    with pytest.raises(InvalidInput):
        offline.get_post("  ")
    with pytest.raises(InvalidInput):
        offline.posts("someone", limit=0)
    with pytest.raises(InvalidInput):
        offline.search("")
    with pytest.raises(InvalidInput):
        offline.search("#")


def test_fifth_image_uploads_nothing_and_posts_nothing(mastodon_server: MastodonServer) -> None:
    net = mastodon_server.connect("carol")
    uploads: list[str] = []
    net.transport.session.hooks["response"].append(lambda r, *a, **k: uploads.append(r.request.url or ""))
    before = len(list(net.posts(limit=None)))
    uploads.clear()
    five = tuple(Media(data=png(), alt_text=f"image {i}") for i in range(5))
    with pytest.raises(ContentRejected) as caught:
        net.publish(Draft(text="five images", media=five))
    assert "5" in str(caught.value)
    assert "4" in str(caught.value)
    assert not [u for u in uploads if "/media" in u or "/statuses" in u]
    assert len(list(net.posts(limit=None))) == before


def test_unreadable_media_file_uploads_nothing(mastodon_server: MastodonServer, tmp_path: object) -> None:
    net = mastodon_server.connect("carol")
    from pathlib import Path

    missing = Path(str(tmp_path)) / "missing.png"
    with pytest.raises(ContentRejected, match="cannot read"):
        net.publish(Draft(text="x", media=(Media(data=png()), Media(path=missing))))


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"base_url": "http://social.example", "access_token": "t"}, "allow_http"),
        ({"base_url": "HTTP://social.example", "access_token": "t"}, "allow_http"),  # schemes are case-blind
        ({"base_url": "http://10.0.0.7:3000", "access_token": "t"}, "allow_http"),  # private is not loopback
        ({"base_url": "https://evil.example\\@social.example", "access_token": "t"}, "base_url"),
        ({"base_url": "ftp://example.social", "access_token": "t"}, "base_url"),
        ({"base_url": "https://example.social/api", "access_token": "t"}, "base_url"),
        ({"base_url": "https://example.social", "mastodon_version": "latest"}, "mastodon_version"),
        ({"base_url": "https://example.social", "retry": {"attempts": 0}}, "attempts"),
        ({"base_url": "https://example.social", "attempts": 3}, "attempts"),  # now retry={"attempts": …}
        ({"access_token": "t"}, "base_url"),
        ({"base_url": "https://example.social", "token": "t"}, "token"),
    ],
)
def test_bad_settings(settings: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        connect("mastodon", **settings)
    assert field in str(caught.value)
    assert "'t'" not in str(caught.value)


@pytest.mark.parametrize(
    ("url", "allow_http", "expected"),
    [
        ("http://127.0.0.1:3000", False, "http://127.0.0.1:3000"),  # loopback: no ceremony
        ("http://localhost:3000/", False, "http://localhost:3000"),
        ("http://[::1]:3000", False, "http://[::1]:3000"),
        ("http://social.example", True, "http://social.example"),  # elsewhere only when asked for
        ("HTTPS://Social.Example/", False, "https://social.example"),
    ],
)
def test_plain_http_is_taken_for_loopback_and_with_allow_http(
    url: str, allow_http: bool, expected: str
) -> None:
    net = connect("mastodon", base_url=url, access_token="t", allow_http=allow_http)
    assert net.settings.base_url == expected  # type: ignore[attr-defined, unused-ignore]


def test_settings_hide_the_token() -> None:
    net = connect("mastodon", base_url="mastodon.example", access_token="s3cr3t-token-value")
    assert net.settings.base_url == "https://mastodon.example"  # type: ignore[attr-defined, unused-ignore]
    assert "s3cr3t-token-value" not in repr(net) + str(net.settings) + net.settings.model_dump_json()


def test_import_does_not_load_mastodon_py() -> None:
    import subprocess
    import sys

    code = "import sys, decentsocial; print('mastodon' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_an_upper_case_scheme_is_the_same_url(mastodon_server: MastodonServer) -> None:
    """``HTTP://host`` is ``http://host`` (RFC 3986 schemes are case-insensitive)."""
    net = connect(
        "mastodon",
        base_url=mastodon_server.base_url.replace("http://", "HTTP://"),
        access_token=mastodon_server.tokens["alice"],
        allow_http=True,
    )
    assert net.me().handle == "alice"


def test_a_token_read_with_its_newline_works_and_never_reaches_an_error(
    mastodon_server: MastodonServer,
) -> None:
    """A token read from a file or an env file often ends in a newline: it is the same token.
    One with a line break inside is refused before any I/O, and no message shows it."""
    token = mastodon_server.tokens["alice"]
    net = connect("mastodon", base_url=mastodon_server.base_url, access_token=f"{token}\n", allow_http=True)
    assert net.me().handle == "alice"
    broken = token[:8] + "\r\n" + token[8:]
    with pytest.raises(ConfigurationError) as caught:
        connect("mastodon", base_url=mastodon_server.base_url, access_token=broken, allow_http=True)
    assert "access_token" in str(caught.value)
    message = str(caught.value) + repr(caught.value)
    assert token[:8] not in message
    assert token[8:] not in message
