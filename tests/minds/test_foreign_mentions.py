"""Another network's mention in a crossposted text notifies nobody on Minds.

One draft goes everywhere: ``@alice@mastodon.social`` is right on Mastodon and ``@alice.bsky.social``
on Bluesky. On creating an activity or comment the Minds engine tags (notifies) the user named by every
``@[a-zA-Z0-9_]+`` in its text (``Core/Entities/TaggedUsersService`` with ``Common/Regex::AT``, no
look-behind): the first notified the Minds users ``alice`` and ``mastodon``, the second ``alice``,
someone else, in the brand's name. Such a name is now written with a WORD JOINER after each ``@``
(invisible: readers see the text as written); a Minds ``@username``, links and e-mail addresses stay as
they were, and posts and comments read back with the text as written.

The contract server tags as the engine does, so a test sees who was notified.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from typing import Any

import pytest

import decentsocial as ds
from tests.servers._process import ContractServer
from tests.servers.minds import minds_connect, minds_user

#: The engine's ``Regex::AT``: the usernames it reads in a text.
ENGINE_AT = re.compile(r"(?:@)([a-zA-Z0-9_]+)")


@pytest.fixture
def world(minds_server: ContractServer) -> Iterator[tuple[Any, dict[str, str]]]:
    """A brand's connection, and Minds users named as the crossposted handles begin (unique names)."""
    tail = secrets.token_hex(3)
    names = {k: f"{k}{tail}" for k in ("alice", "masto", "bob", "carol")}
    guids = {k: minds_user(minds_server, username=v)["guid"] for k, v in names.items()}
    net = minds_connect(minds_server, minds_user(minds_server))
    yield net, {**names, **{f"{k}_guid": v for k, v in guids.items()}}
    net.close()


def notified(server: ContractServer, urn: str) -> set[str]:
    """The user guids the server tagged for the activity or comment ``urn``."""
    return {n["to"] for n in server.control("notifications") if n["entity_urn"] == urn}


def engine_reads(text: str) -> set[str]:
    return {name.lower() for name in ENGINE_AT.findall(text)}


def test_a_fediverse_handle_notifies_no_minds_user(minds_server: ContractServer, world: Any) -> None:
    net, u = world
    text = f"Launch day! Thanks @{u['alice']}@{u['masto']}.social and @{u['bob'].title()}@mstdn.jp"
    post = net.publish(text)
    assert notified(minds_server, f"urn:activity:{post.id}") == set()
    assert post.text == text
    assert net.get_post(post.id).text == text
    assert engine_reads(post.raw["message"]) == set()


def test_a_bluesky_handle_notifies_no_minds_user(minds_server: ContractServer, world: Any) -> None:
    net, u = world
    text = f"Thanks @{u['alice']}.bsky.social and @{u['bob']}-team.example.com!"
    post = net.publish(text)
    assert notified(minds_server, f"urn:activity:{post.id}") == set()
    assert net.get_post(post.id).text == text


def test_a_minds_username_is_still_notified(minds_server: ContractServer, world: Any) -> None:
    net, u = world
    text = f"Thanks @{u['alice']}, @{u['bob'].upper()} and @{u['carol']}. See https://mastodon.social/@x"
    post = net.publish(text)
    wanted = {u["alice_guid"], u["bob_guid"], u["carol_guid"]}
    assert notified(minds_server, f"urn:activity:{post.id}") == wanted
    assert post.raw["message"] == text  # sent as written


def test_foreign_handles_no_longer_crowd_out_one_of_ours(minds_server: ContractServer, world: Any) -> None:
    """The engine tags at most five of the users a text names: foreign handles took them all."""
    net, u = world
    others = " ".join(f"@{u[k]}@{u['masto']}.social" for k in ("alice", "bob", "alice"))
    post = net.publish(f"{others} and our own @{u['carol']}")
    assert notified(minds_server, f"urn:activity:{post.id}") == {u["carol_guid"]}


def test_links_and_mail_addresses_are_sent_as_written(world: Any) -> None:
    net, u = world
    text = f"Profiles: https://mastodon.social/@{u['alice']}@example.org/ — mail support@acme.jp"
    post = net.publish(text)
    assert post.raw["message"] == text


def test_a_comment_naming_another_networks_handle_notifies_nobody(
    minds_server: ContractServer, world: Any
) -> None:
    net, u = world
    parent = net.publish("a post to comment on")
    text = f"cc @{u['alice']}@{u['masto']}.social and @{u['bob']}.bsky.social"
    reply = net.reply(parent, text)
    _, guid = reply.id.rsplit(":", 1)
    assert notified(minds_server, f"urn:comment:{parent.id}:0:0:0:{guid}") == set()
    assert reply.text == text
    assert net.get_post(reply.id).text == text


def test_edits_write_another_networks_handle_as_a_post_is_written(world: Any) -> None:
    net, u = world
    text = f"now with @{u['alice']}@{u['masto']}.social"
    post = net.edit(net.publish("first"), ds.Draft(text=text))
    assert post.text == text
    assert engine_reads(post.raw["message"]) == set()
    reply = net.reply(net.publish("a post"), "first")
    edited = net.edit(reply, ds.Draft(text=text))
    assert edited.text == text
    assert engine_reads(edited.raw["description"]) == set()


def test_a_lost_publish_with_a_foreign_handle_is_found_not_repeated(
    minds_server: ContractServer, world: Any
) -> None:
    """The keyed lookup matches the post's text read back, joiner and all: it finds the post."""
    net, u = world
    draft = ds.Draft(text=f"once for @{u['alice']}@{u['masto']}.social", idempotency_key=secrets.token_hex(8))
    minds_server.control("faults", {"server_error_after_write": 1})
    with pytest.raises(ds.NetworkUnavailable):
        net.publish(draft)  # made, but the answer was lost
    before = minds_server.control("stats")["activities"]
    post = net.publish(draft)
    assert post.text == draft.text
    assert minds_server.control("stats")["activities"] == before  # found, not published again


@pytest.mark.parametrize("where", ["post", "comment"])
def test_a_lost_publish_whose_text_holds_a_joiner_is_found_not_repeated(
    minds_server: ContractServer, world: Any, where: str
) -> None:
    """A text written with ``@`` WORD JOINER reads back without it: the lookup still finds it."""
    net, u = world
    parent = net.publish("a post to comment on") if where == "comment" else None
    text = f"quoted as typed: @\u2060{u['alice']}@{u['masto']}.social"
    draft = ds.Draft(
        text=text, idempotency_key=secrets.token_hex(8), reply_to=parent.id if parent is not None else None
    )
    minds_server.control("faults", {"server_error_after_write": 1})
    with pytest.raises(ds.NetworkUnavailable):
        net.publish(draft)  # made, but the answer was lost
    made = [minds_server.control("stats")[k] for k in ("activities", "comments")]
    net.publish(draft)
    assert [minds_server.control("stats")[k] for k in ("activities", "comments")] == made  # found
