"""Another network's mention in a crossposted text mentions nobody on Hive or Steem.

One draft goes everywhere: ``@alice@mastodon.social`` is right on Mastodon and ``@alice.bsky.social``
on Bluesky. Hive's front ends and Hivemind's notifications read the account-like run after an ``@``,
so the body as broadcast linked and notified the Hive account ``alice`` for the first and
``alice.bsky`` for the second: someone else, in the brand's name. Such a name is now written with a
WORD JOINER after its ``@`` (invisible: readers see the text as written); a Hive ``@name`` and every
link stay as they were, and the post reads back with the text as written.

The readers are checked with their own patterns, copied from their sources: Hivemind's
``hive_mentions`` (``REGEXP_MATCHES`` on the body) and condenser's ``linkify`` (with its account name
check, here the backend's own ``check_account``).
"""

from __future__ import annotations

import contextlib
import re

import pytest

import decentsocial as ds
from decentsocial.backends.hive import HiveNetwork
from decentsocial.backends.hive.chain import check_account
from decentsocial.backends.hive.convert import markdown_to_text
from decentsocial.errors import InvalidInput

from ..servers._jsonrpc_replay import ReplayServer

#: hivemind's update_hive_posts_mentions: the names a body notifies (lower-cased, then looked up).
HIVEMIND = re.compile(r"(?:^|[^a-zA-Z0-9_!#$%&*@\\/])(?:@)([a-zA-Z0-9\.-]{1,16}[a-zA-Z0-9])(?![a-z])")
#: condenser's linkify (app/utils/Remarkable/HtmlReady.js): the names a front end links.
CONDENSER = re.compile(
    r"(^|[^a-zA-Z0-9_!#$%&*@＠/]|(^|[^a-zA-Z0-9_+~./#]))[@＠]([a-z][-.a-z\d]+[a-z\d])", re.IGNORECASE
)


def notified(body: str) -> set[str]:
    return {m.lower() for m in HIVEMIND.findall(body)}


def linked(body: str) -> set[str]:
    names = set()
    for match in CONDENSER.finditer(body):
        with contextlib.suppress(InvalidInput):  # condenser's validate_account_name: else left as text
            names.add(check_account(match[3].lower(), "hive"))
    return names


TEXT = (
    "Launch day! Thanks @alice@mastodon.social, @alice.bsky.social, @Bob_Smith and 東京@carol@misskey.io, "
    "and here @gtg. Profiles: https://mastodon.social/@alice and https://bsky.app/profile/alice.bsky.social "
    "— mail support@acme.jp"
)


def broadcast_body(replay: ReplayServer) -> str:
    [(name, comment)] = replay.broadcasts[-1].transaction["operations"]
    assert name == "comment"
    return str(comment["body"])


def test_another_networks_mentions_notify_and_link_nobody_here(
    net: HiveNetwork, replay: ReplayServer
) -> None:
    result = ds.crosspost(ds.Draft(title="Launch", text=TEXT, idempotency_key="launch-1"), [net])
    assert result.ok, result.errors
    body = broadcast_body(replay)
    assert notified(body) == {"gtg"}  # before: alice, alice.bsky, bob and carol too
    assert linked(body) == {"gtg"}  # before: alice, bob and carol too
    assert body.replace("\u2060", "") == TEXT  # nothing else changed: links, the e-mail, the Hive mention
    assert markdown_to_text(body) == TEXT  # read back as written


def test_a_body_without_foreign_mentions_is_sent_as_written(net: HiveNetwork, replay: ReplayServer) -> None:
    text = "Thanks @gtg and @hive.fund (@blocktrades). See https://example.com/@x@y.z and e-mail a@b.cd"
    net.publish(ds.Draft(title="Thanks", text=text))
    body = broadcast_body(replay)
    assert body == text
    assert notified(body) == {"gtg", "hive.fund", "blocktrades"}


@pytest.mark.parametrize(
    "mention",
    ["@alice@mastodon.social", "@alice.bsky.social", "@al", "@bob_smith", "@alice@mastodon.socialさん"],
)
def test_each_foreign_form_alone(net: HiveNetwork, replay: ReplayServer, mention: str) -> None:
    net.publish(ds.Draft(title="Hi", text=f"Hello {mention}!"))
    body = broadcast_body(replay)
    assert notified(body) == set()
    assert linked(body) == set()
    assert markdown_to_text(body) == f"Hello {mention}!"
