"""A plain remind in the newest engine's shape is read as a remind, so writes reach the remind itself.

The newest engine's ``Entities/Activity.php`` ``export()`` sends a plain remind as the original post's
own export (its guid, text, owner) with ``subtype: 'remind'``, the reminder in ``remind_users`` and the
remind's ``urn``, and no ``remind_object``. It was read as the original: ``repost()``, listings and
``get_post`` gave a ``Post`` with the original's id, so ``delete`` of it took back the *original* post
(your own, when you reminded it) and left the remind, and ``get_post`` of the remind's guid was refused
as an answer about another post. Both shapes are tested on the contract server, which sends either
(``/_test/engine``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.backends.minds import convert
from tests.servers._process import ContractServer
from tests.servers.minds import minds_connect, minds_user

SHAPES = ("remind_object", "subtype")


@pytest.fixture(params=SHAPES)
def shape(request: pytest.FixtureRequest, minds_server: ContractServer) -> Iterator[str]:
    """The contract server exporting plain reminds in one engine's shape (the default after)."""
    minds_server.control("engine", {"remind_export": request.param})
    try:
        yield str(request.param)
    finally:
        minds_server.control("engine", {"remind_export": "remind_object"})


@pytest.fixture
def two(minds_server: ContractServer, shape: str) -> Iterator[tuple[Any, Any]]:
    """(sharer, author): two fresh accounts."""
    nets = [minds_connect(minds_server, minds_user(minds_server)) for _ in range(2)]
    yield nets[0], nets[1]
    for net in nets:
        net.close()


def _reminded(net: Any, original: ds.Post) -> ds.Post:
    remind: ds.Post | None = net.repost(original)
    assert remind is not None
    assert remind.id != original.id
    assert remind.reposted_by is not None
    assert remind.reposted_by.id == net.me().id
    assert remind.text == original.text
    assert remind.author.id == original.author.id
    return remind


def test_the_server_sends_the_shape_asked_for(two: tuple[Any, Any], shape: str) -> None:
    sharer, author = two
    remind = _reminded(sharer, author.publish("shape check"))
    assert remind.raw is not None
    if shape == "subtype":
        assert remind.raw["subtype"] == "remind"
        assert remind.raw["urn"] == f"urn:activity:{remind.id}"
        assert remind.raw["remind_object"] is None
    else:
        assert remind.raw["guid"] == remind.id
        assert "subtype" not in remind.raw


def test_deleting_your_remind_of_your_own_post_keeps_the_post(two: tuple[Any, Any]) -> None:
    author, reader = two
    original = author.publish("my post, reminded by me")
    remind = _reminded(author, original)
    author.delete(remind)
    assert reader.get_post(original.id).text == "my post, reminded by me"
    assert reader.get_post(original.id).metrics.reposts == 0
    assert all(p.id != remind.id for p in author.posts(limit=None))


def test_a_listed_remind_has_its_own_id_and_is_deleted_itself(two: tuple[Any, Any]) -> None:
    sharer, author = two
    original = author.publish("listed remind")
    made = _reminded(sharer, original)
    listed = next(p for p in sharer.posts(limit=None) if p.reposted_by is not None)
    assert listed.id == made.id
    assert sharer.post_id(listed) == original.id
    sharer.delete(listed)
    assert author.get_post(original.id).metrics.reposts == 0


def test_get_post_of_a_remind_reads_it_as_the_remind(two: tuple[Any, Any]) -> None:
    sharer, author = two
    original = author.publish("read me by the remind's guid")
    made = _reminded(sharer, original)
    shown = author.get_post(made.id)
    assert shown.id == made.id
    assert shown.reposted_by is not None
    assert shown.reposted_by.id == sharer.me().id
    assert shown.text == "read me by the remind's guid"


def test_repeating_a_remind_returns_the_one_remind(two: tuple[Any, Any]) -> None:
    sharer, author = two
    original = author.publish("remind me once")
    made = _reminded(sharer, original)
    assert sharer.repost(original).id == made.id
    assert author.get_post(original.id).metrics.reposts == 1


def test_a_reply_to_and_an_edit_of_a_remind_are_of_the_original(two: tuple[Any, Any]) -> None:
    author, reader = two
    original = author.publish("original text")
    remind = _reminded(author, original)
    reply = reader.reply(remind, "on the original")
    assert reply.reply_to == original.id
    edited = author.edit(remind, "original text, corrected")
    assert edited.id == original.id
    assert reader.get_post(remind.id).text == "original text, corrected"
    assert reader.get_post(remind.id).reposted_by is not None


# ---------------------------------------------------------------- the shape alone

SITE = "https://minds.example"
ORIGINAL = {
    "guid": "1500000000000000011",
    "type": "activity",
    "owner_guid": "1500000000000000001",
    "ownerObj": {"guid": "1500000000000000001", "username": "author"},
    "container_guid": "1500000000000000001",
    "message": "the original",
    "time_created": "1764160000",
    "remind_object": None,
    "urn": "urn:activity:1500000000000000011",
}
REMINDER = {"guid": "1500000000000000002", "username": "sharer"}


def test_a_newest_engine_remind_is_read_as_the_remind() -> None:
    exported = {
        **ORIGINAL,
        "subtype": "remind",
        "remind_users": [REMINDER],
        "urn": "urn:activity:1500000000000000099",
    }
    post = convert.post(exported, site=SITE)
    assert post.id == "1500000000000000099"
    assert post.reposted_by is not None
    assert post.reposted_by.handle == "sharer"
    assert post.author.handle == "author"
    assert post.url == f"{SITE}/newsfeed/1500000000000000011"
    assert convert.reminded_id(post) == "1500000000000000011"
    assert convert.asked_post(exported, "1500000000000000099", site=SITE).id == "1500000000000000099"


@pytest.mark.parametrize(
    "broken",
    [
        {"remind_users": [REMINDER]},  # the original's own urn: no remind named
        {"remind_users": [REMINDER], "urn": "urn:comment:1500000000000000099"},
        {"remind_users": [REMINDER], "urn": None},
        {"remind_users": [], "urn": "urn:activity:1500000000000000099"},
        {"remind_users": [None], "urn": "urn:activity:1500000000000000099"},
        {"urn": "urn:activity:1500000000000000099"},
    ],
)
def test_a_newest_engine_remind_naming_no_remind_or_reminder_is_malformed(broken: dict[str, Any]) -> None:
    """Read as the original, a delete of it would take back that post: refused as malformed."""
    with pytest.raises(ds.NetworkUnavailable):
        convert.post({**ORIGINAL, "subtype": "remind", **broken}, site=SITE)
