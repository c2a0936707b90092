"""Text holding a NUL character (U+0000) is refused when a draft is built, naming field and position.

The sandbox (SQLite) stored it, and so did a job store; the servers that keep text in PostgreSQL
(Mastodon, Bluesky's AppView, Hive's hivemind) refuse it, so the post failed only when it was sent,
a scheduled one hours later. A UTF-16 file without its byte-order mark, read as UTF-8, is full of
NULs. Now it is ``InvalidInput`` before anything is stored or sent, as a lone surrogate is. Other
control characters are kept: tab and newline are text, and PostgreSQL stores the rest.
"""

from __future__ import annotations

from typing import Any

import pytest

import decentsocial as ds
from decentsocial import Draft, InvalidInput, LinkCard, Media, Poll
from decentsocial.backends.sandbox import SandboxNetwork

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)


@pytest.mark.parametrize(
    ("fields", "named", "at"),
    [
        ({"text": "مرحبا\x00"}, "text", 5),
        ({"text": "h\x00e\x00l\x00l\x00o\x00"}, "text", 1),  # "hello" in UTF-16-LE, read as UTF-8
        ({"title": "\x00title"}, "title", 0),
        ({"media": (Media(data=PNG, alt_text="a dot\x00"),)}, "media.alt_text", 5),
        ({"poll": Poll(options=("نعم", "ل\x00ا"))}, "poll.options", 1),
        ({"link": LinkCard(url="https://example.com/", description="ab\x00")}, "link.description", 2),
        ({"content_warning": "cw\x00"}, "content_warning", 2),
        ({"tags": ["ok", "t\x00g"]}, "tags", 1),
        ({"options": {"topic_tag": "x\x00"}}, "options", 1),
    ],
)
def test_a_nul_anywhere_in_a_draft_is_invalid_input_naming_where(
    fields: dict[str, Any], named: str, at: int
) -> None:
    with pytest.raises(InvalidInput, match=rf"^{named} holds a NUL character \(U\+0000\) at character {at},"):
        Draft(**{"text": "نص", **fields})


def test_nothing_is_published_or_stored(alice: SandboxNetwork) -> None:
    with pytest.raises(InvalidInput, match="NUL character"):
        alice.publish("a\x00b")
    with pytest.raises(InvalidInput, match="NUL character"):
        alice.prepare("a\x00b")
    with pytest.raises(InvalidInput, match=r"^poll\.options holds a NUL character"):
        alice.publish(Draft(text="ok", poll=Poll(options=("yes\x00", "no"))))
    post = alice.publish("kept")
    with pytest.raises(InvalidInput, match="NUL character"):
        alice.edit(post, "edited\x00")
    with pytest.raises(InvalidInput, match="NUL character"):
        alice.reply(post, "a reply\x00")
    assert [p.text for p in alice.posts(limit=None)] == ["kept"]


def test_a_crosspost_sends_nothing(alice: SandboxNetwork, bob: SandboxNetwork) -> None:
    with pytest.raises(InvalidInput, match=r"^text holds a NUL character"):
        ds.crosspost("launch\x00", [alice, bob])
    with pytest.raises(InvalidInput, match=r"^variant 'sandbox': text holds a NUL character"):
        ds.crosspost("launch", [alice, bob], variants={"sandbox": {"text": "إطلاق\x00"}})
    with pytest.raises(InvalidInput, match="NUL character"):
        ds.crosspost(Draft(text="launch", idempotency_key="k1"), [alice, bob], variants={"sandbox": "\x00"})
    assert list(alice.posts(limit=None)) == []
    assert list(bob.posts(limit=None)) == []


def test_a_message_with_a_nul_is_refused_and_not_sent(alice: SandboxNetwork, bob: SandboxNetwork) -> None:
    with pytest.raises(InvalidInput, match=r"the message holds a NUL character \(U\+0000\) at character 2"):
        alice.send_message("bob", "hi\x00")
    assert list(bob.messages(limit=None)) == []


def test_a_media_file_name_with_a_nul_is_invalid_input_not_a_crash() -> None:
    """``os.stat`` raised ``ValueError: embedded null byte`` at publish time."""
    with pytest.raises(InvalidInput, match="holds a NUL character at 5"):
        Media(path="photo\x00.png")


def test_other_control_characters_are_text(alice: SandboxNetwork) -> None:
    """Tab, newline, CR, form feed, escape and DEL reach the network as written."""
    text = "col1\tcol2\nline\r\nfeed\x0c \x1b[1mbold\x1b[0m \x7f\x01 مرحبا"
    post = alice.publish(Draft(text=text, poll=Poll(options=("a\tb", "c")), title="t\x1f"))
    assert alice.get_post(post.id).text == text
