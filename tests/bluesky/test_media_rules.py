"""What an image post is published with: its aspect ratio, and no link card dropped on the way."""

from __future__ import annotations

from typing import Any

import pytest

import decentsocial as ds
from decentsocial.backends.bluesky.media import prepare_images

from .conftest import connect_bluesky, make_png


@pytest.mark.parametrize(
    ("given", "ratio"),
    [
        ({}, (100, 50)),
        ({"width": 800, "height": 400}, (800, 400)),
        ({"width": 1000}, (100, 50)),  # not 1000 wide and 50 high: a 20:1 strip
        ({"height": 10}, (100, 50)),
        ({"width": -4, "height": 3}, (100, 50)),  # the lexicon's minimum is 1: the server would refuse it
        ({"width": 0, "height": 0}, (100, 50)),
    ],
)
def test_one_given_side_or_a_bad_pair_leaves_the_image_its_own_size(
    given: dict[str, Any], ratio: tuple[int, int]
) -> None:
    [image] = prepare_images((ds.Media(kind="image", data=make_png(100, 50), **given),), network="bluesky")
    assert (image.width, image.height) == ratio


def test_images_and_a_link_card_are_refused_before_any_request_not_the_card_dropped() -> None:
    # A post has one embed: publishing the images alone would lose the card's link without a word.
    net = connect_bluesky(base_url="http://127.0.0.1:9", handle="a.test", password="pw", state_path=None)
    draft = ds.Draft(
        text="launch day",
        media=(ds.Media(kind="image", data=make_png(10, 10)),),
        link=ds.LinkCard(url="https://example.com/launch", title="Launch"),
    )
    for attempt in (net.check_draft, net.publish):
        with pytest.raises(ds.ContentRejected, match="images or a link card, not both"):
            attempt(draft)
    net.check_draft(draft.model_copy(update={"media": ()}))  # the card alone is fine
