"""One Mastodon length rule (``decentsocial.text.mastodon_len``), as its StatusLengthValidator counts.

Mastodon joins the content warning and the text, replaces every link with 23
characters and every remote mention ``@user@domain`` with ``@user`` (links
and mentions found without overlap), and counts grapheme clusters.
"""

from __future__ import annotations

import pytest

from decentsocial import ContentRejected, Draft, connect, text
from decentsocial.backends.mastodon import MastodonNetwork
from decentsocial.backends.mastodon.compose import InstanceLimits, check_length, status_length

THUMBS = "\N{THUMBS UP SIGN}\N{EMOJI MODIFIER FITZPATRICK TYPE-4}"  # one grapheme, two code points

#: The text the two counters disagreed on: url_weighted_len counted code points (31),
#: the backend counted graphemes (29). Mastodon counts graphemes.
DISAGREED = f"hi {THUMBS}{THUMBS} https://e.com"


def test_the_text_the_two_counters_disagreed_on_is_29() -> None:
    assert len(DISAGREED) - len("https://e.com") + 23 == 31  # the old code-point count
    assert text.mastodon_len(DISAGREED) == 3 + 2 + 1 + 23 == 29


def test_the_former_name_is_the_same_rule() -> None:
    assert text.url_weighted_len is text.mastodon_len
    assert text.url_weighted_len(DISAGREED) == 29


def test_the_backend_measures_with_the_one_rule() -> None:
    assert status_length(DISAGREED, None, 23) == text.mastodon_len(DISAGREED)
    net = connect("mastodon", base_url="https://social.example", access_token="t")
    assert isinstance(net, MastodonNetwork)
    net._limits = InstanceLimits()  # what the instance would announce: no I/O in this test
    rule = net.text_limit()
    assert rule.measure(DISAGREED) == 29
    assert rule.limit == 500


@pytest.mark.parametrize(
    ("status", "count"),
    [
        ("see https://example.com/" + "x" * 100, 4 + 23),
        ("hi @carol@example.social", len("hi @carol")),
        ("hi @carol", len("hi @carol")),
        ("\N{REGIONAL INDICATOR SYMBOL LETTER F}\N{REGIONAL INDICATOR SYMBOL LETTER R} ok", 4),
        # A mention inside a URL is part of the URL: counted once, as the URL's 23.
        ("see https://example.com/a,@bob@example.social", 4 + 23),
        ("", 0),
    ],
)
def test_mastodon_len(status: str, count: int) -> None:
    assert text.mastodon_len(status) == count


def test_the_instance_url_length_is_used() -> None:
    assert text.mastodon_len("https://example.com/a", url_length=30) == 30


def test_the_content_warning_is_joined_to_the_text_before_counting() -> None:
    """Mastodon counts ``spoiler_text + text`` as one run: a combining mark at the start of the
    text joins the warning's last letter into one grapheme."""
    assert text.mastodon_len("\N{COMBINING ACUTE ACCENT}x", content_warning="e") == 2
    assert text.mastodon_len("abc", content_warning="cw") == 5
    assert status_length("abc", "cw", 23) == 5


def test_a_status_at_the_limit_by_graphemes_is_accepted_one_more_is_not() -> None:
    limits = InstanceLimits(max_characters=29)
    check_length(Draft(text=DISAGREED), DISAGREED, limits)  # 31 code points, 29 graphemes: fits
    with pytest.raises(ContentRejected, match="30 characters"):
        check_length(Draft(text=DISAGREED + "!"), DISAGREED + "!", limits)
