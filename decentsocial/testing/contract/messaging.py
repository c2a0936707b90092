"""Contract cases: direct messages (``Capability.MESSAGING``), their bad input, and their privacy."""

from __future__ import annotations

import logging
import uuid

import pytest

from decentsocial import Capability, ContentRejected, InvalidInput, Message, NotFound

from ..harness import Harness
from .checks import is_utc, listed_newest_first, need, need_live

#: Arabic (right to left), an emoji and Latin text in one message.
TEXT = "مرحبا، كيف يمكننا المساعدة؟ 🙂 order"


def _find(messages: list[Message], message_id: str) -> Message:
    found = [m for m in messages if m.id == message_id]
    assert found, f"message {message_id} not among {[m.id for m in messages]}"
    return found[0]


def test_message_round_trip(harness: Harness) -> None:
    """What ``me`` sends, ``other`` reads (and ``me`` sees it among its own), text intact."""
    h = harness
    need(h, Capability.MESSAGING)
    need_live(h)
    me, other = h.me.me(), h.other.me()
    text = f"{TEXT} {uuid.uuid4().hex[:8]}"
    message_id = h.me.send_message(other, text)
    assert isinstance(message_id, str)
    assert message_id
    received = h.eventually(lambda: _find(list(h.other.messages(limit=20)), message_id))
    assert received.network == h.me.name
    assert received.text == text
    assert received.sender.id == me.id
    assert other.id in [r.id for r in received.recipients]
    assert received.conversation_id
    assert is_utc(received.created_at)
    assert Message.model_validate_json(received.model_dump_json()) == received  # raw is JSON
    sent = h.eventually(lambda: _find(list(h.me.messages(limit=20)), message_id))
    assert sent.text == text
    assert sent.sender.id == me.id
    # The repr is one short line without the (private) text.
    assert text not in repr(received)
    assert "text" not in repr(received)
    later_id = h.me.send_message(other, f"{TEXT} {uuid.uuid4().hex[:8]}")
    h.eventually(
        lambda: listed_newest_first(list(h.other.messages(limit=20)), later_id, message_id, "messages")
    )


def test_message_bad_input_fails_before_sending(harness: Harness) -> None:
    """Empty text, half a character and text over the limit are typed errors; nothing is sent."""
    h = harness
    need(h, Capability.MESSAGING)
    need_live(h)
    other = h.other.me()
    before = [m.id for m in h.other.messages(limit=5)]
    with pytest.raises(ContentRejected):
        h.me.send_message(other, "   ")
    with pytest.raises(InvalidInput, match="surrogate"):
        h.me.send_message(other, "half an emoji \ud83d")
    with pytest.raises(InvalidInput):
        h.me.send_message(other, 42)  # type: ignore[arg-type]
    with pytest.raises(ContentRejected, match="limit"):
        h.me.send_message(other, "x" * 200_000)
    with pytest.raises(InvalidInput):
        h.me.send_message("  ", "hello")
    assert [m.id for m in h.other.messages(limit=5)] == before


def test_message_to_an_account_that_cannot_receive(harness: Harness) -> None:
    """No such account: a typed error that does not repeat the text."""
    h = harness
    need(h, Capability.MESSAGING)
    need_live(h)
    secret = f"private-{uuid.uuid4().hex}"
    with pytest.raises((NotFound, InvalidInput)) as caught:
        h.me.send_message("contract-missing-account", secret)
    assert caught.value.network == h.me.name
    assert secret not in str(caught.value)


def test_message_text_never_logged(harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    """Sending and reading at DEBUG level: neither the text nor any key reaches a log record."""
    h = harness
    need(h, Capability.MESSAGING)
    need_live(h)
    secret = f"private-{uuid.uuid4().hex}"
    with caplog.at_level(logging.DEBUG):
        message_id = h.me.send_message(h.other.me(), secret)
        received = h.eventually(lambda: _find(list(h.other.messages(limit=20)), message_id))
        logging.getLogger("decentsocial").debug("read %r", received)
    assert received.text == secret
    assert secret not in caplog.text
    for net in (h.me, h.other):
        settings = getattr(net, "settings", None)
        for name in type(settings).model_fields if settings is not None else ():
            reveal = getattr(getattr(settings, name), "get_secret_value", None)
            value = reveal() if callable(reveal) else None
            if isinstance(value, str) and len(value) >= 8:
                assert value not in caplog.text, f"{name} reached the log"


__all__ = [name for name in list(globals()) if name.startswith("test_")]
