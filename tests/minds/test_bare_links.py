"""A link written without its scheme keeps its ``@`` as written: no WORD JOINER inside it.

Another network's ``@name`` is sent with a WORD JOINER after its ``@`` (``convert.body_text``) so the
engine notifies no Minds user for it. Links with a scheme were left as written, but one without
(``mastodon.social/@alice@mastodon.social``, ``www.example.com/@a.b``) got the joiner in its path: the
link the readers see (and copy) was broken. A foreign ``@name`` next to such a link still gets one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from decentsocial.backends.minds import convert
from tests.servers._process import ContractServer
from tests.servers.minds import minds_connect, minds_user

JOINER = convert.WORD_JOINER
ENGINE_AT = re.compile(r"(?:@)([a-zA-Z0-9_]+)")


@pytest.fixture
def net(minds_server: ContractServer) -> Iterator[Any]:
    connected = minds_connect(minds_server, minds_user(minds_server))
    yield connected
    connected.close()


@pytest.mark.parametrize(
    "link",
    [
        "mastodon.social/@alice@mastodon.social",
        "www.example.com/@a.b",
        "example.org:8080/users/@bob.bsky.social",
        "example.com/path?who=@carol@mstdn.jp",
        "(social.example/@dan@social.example)",
        "bsky.app/profile/@erin.bsky.social/post/3k",
    ],
)
def test_a_link_without_a_scheme_is_sent_as_written(link: str, net: Any) -> None:
    text = f"See {link} today"
    assert convert.body_text(text) == text
    post = net.publish(text)
    assert post.raw["message"] == text
    assert net.get_post(post.id).text == text


def test_a_foreign_name_beside_such_a_link_still_gets_its_joiner() -> None:
    text = (
        "Thanks @alice@mastodon.social, profile mastodon.social/@alice@mastodon.social; cc @bob.bsky.social"
    )
    sent = convert.body_text(text)
    assert sent == (
        f"Thanks @{JOINER}alice@{JOINER}mastodon.social, profile mastodon.social/@alice@mastodon.social; "
        f"cc @{JOINER}bob.bsky.social"
    )
    assert convert.read_text(sent) == text


def test_a_slash_alone_keeps_the_name_as_a_path() -> None:
    """An ``@`` right after ``/`` is a path's (``/@alice@mastodon.social``), not a mention."""
    assert convert.body_text("open /@alice@mastodon.social") == "open /@alice@mastodon.social"


def test_a_name_at_a_sentence_after_a_host_is_still_joined() -> None:
    """A host followed by a space is no link around the next word's ``@``."""
    sent = convert.body_text("via mastodon.social @alice@mastodon.social")
    assert ENGINE_AT.findall(sent) == []


@pytest.mark.timeout(60)
def test_many_links_and_names_are_sent_quickly() -> None:
    """Every ``@name`` was checked against every link: quadratic. 20,000 of each take well under a
    second now; the pytest timeout is the limit."""
    k = 20_000
    text = " ".join(f"h{i}.example/@a{i}@b.example @c{i}@d.example" for i in range(k))
    sent = convert.body_text(text)
    assert sent.count(JOINER) == 2 * k
    assert convert.read_text(sent) == text
