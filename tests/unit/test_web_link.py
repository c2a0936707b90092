"""``urls.web_link``: what a server hands out as a link is kept only if it is an http(s) page with a host.

Its fast path (a plain lower-case ASCII link, taken without a full parse) must never keep what
:func:`decentsocial.urls.parse_url` refuses, nor anything whose scheme is not http(s).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from decentsocial.errors import InvalidInput
from decentsocial.urls import _PLAIN_WEB_LINK, parse_url, web_link

KEPT = [
    "https://www.threads.net/@alice/post/C0ffee",
    "http://localhost:3000/@alice/117020593455747405",  # one label and a port: a server on this machine
    "https://a.example:65535/",
    f"https://{'a' * 63}.example/",
    "http://127.0.0.1:8080/x?y=1#z",
    "HTTPS://WWW.MINDS.COM/newsfeed/1",
    "https://bücher.example/ä",
]
DROPPED = [
    "javascript:alert(1)",
    "JAVASCRIPT:alert(1)",
    "java\nscript:alert(1)",
    "\x00javascript:alert(1)",
    " https://example.com/",
    "https://example.com/\n",
    "https://example.com/\x85",
    "data:text/html;base64,PHNjcmlwdD4=",
    "file:///etc/passwd",
    "vbscript:msgbox(1)",
    "https:",
    "https://",
    "https://@example.com/",
    "https://user:pw@example.com/",
    "https://0x7f.1/",
    "http://localhost:65536/",
    "http://localhost:99999/",
    f"https://{'a' * 64}.example/",
    f"https://{'a' * 64}/",
    "//example.com/",
    "",
]


@pytest.mark.parametrize("url", KEPT)
def test_a_web_link_is_kept_as_sent(url: str) -> None:
    assert web_link(url) == url
    assert (
        type(web_link(type("Sub", (str,), {})(url))) is str
    )  # exactly str, as models built unvalidated need


@pytest.mark.parametrize("url", DROPPED)
def test_anything_else_is_no_link(url: str) -> None:
    assert web_link(url) is None


@pytest.mark.parametrize("value", [None, 7, b"https://example.com/", ["https://example.com/"]])
def test_what_is_not_text_is_no_link(value: object) -> None:
    assert web_link(value) is None


ALPHABET = st.sampled_from([*"aZ09-._:/?#@\\%[] \t\n\x00\x7fé", "https://", "http://", "javascript:"])


@settings(max_examples=400, deadline=None)
@given(st.lists(ALPHABET, max_size=12).map("".join))
def test_what_is_kept_is_an_http_url_parse_url_takes(text: str) -> None:
    kept = web_link(text)
    if kept is None:
        return
    assert kept == text
    assert text[:8].lower().startswith(("https://", "http://"))
    assert not any(ch <= " " or ch == "\x7f" for ch in text)
    try:
        parsed = parse_url(text)
    except InvalidInput:  # pragma: no cover - the failure this test looks for
        pytest.fail(f"kept {text!r}, which parse_url refuses")
    assert parsed.scheme in ("https", "http")
    assert parsed.host


@settings(max_examples=400, deadline=None)
@given(st.from_regex(_PLAIN_WEB_LINK, fullmatch=True))
def test_every_link_the_fast_path_takes_parse_url_takes(text: str) -> None:
    parsed = parse_url(text)  # InvalidInput here: the fast path kept what the full parse refuses
    scheme, _, rest = text.partition("://")
    host, _, port = re.split(r"[/?#]", rest)[0].partition(":")
    assert (parsed.scheme, parsed.host, parsed.port) == (scheme, host, int(port) if port else None)
    assert web_link(text) == text
