"""Text that shows nothing is blank: whitespace and invisible format characters (Unicode Cf) only.

A right-to-left template whose variable came out empty (``"\\u200f" + name``)
sends a message that shows nothing; ``send_message`` refuses it as it
refuses empty text (``ContentRejected``, docs/messages.md).
"""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Iterator

import pytest

import decentsocial as ds
from decentsocial.backends.sandbox import SandboxNetwork
from decentsocial.text import is_blank

INVISIBLE = [
    "",
    " \t\n",
    "\u200b",  # zero-width space
    "\ufeff",  # BOM
    "\u200e",  # LRM
    "\u200f",  # RLM
    "\u061c",  # Arabic letter mark
    "\u2067\u2069",  # an empty right-to-left isolate
    "\u200f \u200f",
    "\u2060\u00ad",  # word joiner, soft hyphen
    "\u3000\u00a0",  # ideographic and no-break spaces
]
SHOWN = [
    "a",
    "\u200fمرحبا",
    " x ",
    "\u2067محمد\u2069",
    "😀",
    "\u0600",
    "\u06dd",
]  # Arabic signs are Cf, drawn


@pytest.mark.parametrize("text", INVISIBLE)
def test_blank(text: str) -> None:
    assert is_blank(text)


@pytest.mark.parametrize("text", SHOWN)
def test_not_blank(text: str) -> None:
    assert not is_blank(text)


def test_whatever_strip_removes_is_blank_and_so_is_every_format_character() -> None:
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if char.isspace():
            assert is_blank(char), hex(code)
        elif unicodedata.category(char) not in ("Cf", "Cn"):  # Cn: unassigned in this Python's
            # Unicode version, maybe a format character in the newer one the regex module knows
            assert not is_blank(char), hex(code)


@pytest.fixture
def brand() -> Iterator[SandboxNetwork]:
    net = ds.connect("sandbox", account="brand")
    assert isinstance(net, SandboxNetwork)
    yield net
    net.close()


@pytest.mark.parametrize("text", INVISIBLE[2:])
def test_a_message_that_shows_nothing_is_refused(brand: SandboxNetwork, text: str) -> None:
    customer = brand.as_account("customer")
    with pytest.raises(ds.ContentRejected, match="needs text"):
        brand.send_message("customer", text)
    assert list(customer.messages()) == []
    customer.close()


def test_a_right_to_left_message_with_text_is_sent(brand: SandboxNetwork) -> None:
    customer = brand.as_account("customer")
    brand.send_message("customer", "\u200fشكراً لك")
    assert [m.text for m in customer.messages()] == ["\u200fشكراً لك"]
    customer.close()


@pytest.mark.parametrize("text", INVISIBLE)
def test_a_draft_that_shows_nothing_is_refused(text: str) -> None:
    with pytest.raises(ds.ContentRejected):
        ds.Draft(text=text)
    assert ds.Draft(text=text, poll=ds.Poll(options=("نعم", "لا"))).poll is not None  # a poll shows
