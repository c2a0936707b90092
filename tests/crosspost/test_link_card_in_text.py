"""A link card whose URL is only a piece of a link in the text is still sent (Mastodon, Nostr).

Neither has a card field: the card is its URL in the text, which Mastodon makes the preview of and
Nostr clients show. It was written in only when the text did not hold it as a substring, so a
launch post linking ``…/launch-2026-notes`` (or an archive copy ``…/web/2026/https://acme…/launch``)
with the card ``…/launch`` went out without the card's page on either, and the crosspost said it
succeeded. The URL is now written in unless it is one of the text's own links; a text that holds
it as a link still gets it once.
"""

from __future__ import annotations

from typing import Any

import pytest

import decentsocial as ds

CARD = ds.LinkCard(url="https://acme.example/launch", title="Acme launches")


@pytest.fixture
def targets(mastodon_harness: Any, nostr_harness: Any) -> list[Any]:
    return [mastodon_harness.me, nostr_harness.me]


@pytest.mark.parametrize(
    "text",
    [
        "Launch notes: https://acme.example/launch-2026-notes",
        "Archived: https://web.archive.org/web/2026/https://acme.example/launch",
        "Launch day! https://acme.example/launches/today",
    ],
)
def test_a_card_url_inside_another_link_is_sent(targets: list[Any], text: str) -> None:
    result = ds.crosspost(ds.Draft(text=text, link=CARD), targets)
    assert result.ok, result.errors
    for outcome in result.outcomes:
        post = outcome.post
        assert post is not None
        assert CARD.url in post.links, (outcome.network, post.text)  # before: dropped on both
        assert text in post.text


def test_a_card_url_the_text_links_is_sent_once(targets: list[Any]) -> None:
    text = f"Launch day! {CARD.url}."
    result = ds.crosspost(ds.Draft(text=text, link=CARD), targets)
    assert result.ok, result.errors
    for post in result.posts:
        assert post.text.count(CARD.url) == 1, post.text
