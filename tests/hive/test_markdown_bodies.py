"""Hive bodies read as plain text in time linear in their size, and images keep their alt text.

A body of brackets or angle brackets (a hostile post: 64 KB is allowed) was read in time
quadratic in its length, since each '[' or '<' scanned to the end: a thread holding one took
seconds to read, and longer bodies minutes. An emoticon "<3" also ate the text up to the next
'>' as if it were a tag. Images went out without the draft's alt text.
"""

from __future__ import annotations

import pytest

from decentsocial import Draft, Media
from decentsocial.backends.hive import HiveNetwork
from decentsocial.backends.hive.convert import markdown_to_text

from ..servers._jsonrpc_replay import ReplayServer


@pytest.mark.timeout(60)  # each took minutes before (quadratic), and takes milliseconds now
@pytest.mark.parametrize("unit", ["[", "![", "<", "[a](", "\\["])
def test_a_body_of_brackets_is_read_in_linear_time(unit: str) -> None:
    body = unit * (400_000 // len(unit)) + " the end [link](https://example.com/x)"
    text = markdown_to_text(body)
    assert text.endswith("the end link")


def test_an_emoticon_is_no_tag_and_keeps_the_text_after_it() -> None:
    body = "I <3 this (original photos) and <b>this</b> too"
    assert markdown_to_text(body) == "I <3 this (original photos) and this too"


def test_links_images_and_marks_read_as_before() -> None:
    body = (
        "# Title\n\n**Bold** [a link](https://example.com/a_b) and "
        "![a cat](https://img.example/cat.png) <center>centred</center>"
    )
    assert markdown_to_text(body) == "Title\n\nBold a link and a cat centred"


def test_an_image_goes_out_with_its_alt_text_and_reads_back_as_it(
    net: HiveNetwork, replay: ReplayServer
) -> None:
    url = "https://images.example.com/cat.png"
    alt = "a cat [1] asleep\non a \\ keyboard"
    net.publish(Draft(text="Our office cat", media=(Media(kind="image", url=url, alt_text=alt),)))
    [(_, comment)] = replay.broadcasts[0].transaction["operations"]
    assert comment["body"] == f"Our office cat\n\n![a cat \\[1\\] asleep on a \\\\ keyboard]({url})"
    assert markdown_to_text(comment["body"]) == "Our office cat\n\na cat [1] asleep on a \\ keyboard"


def test_an_image_without_alt_text_goes_out_as_before(net: HiveNetwork, replay: ReplayServer) -> None:
    url = "https://images.example.com/cat.png"
    net.publish(Draft(text="Our office cat", media=(Media(kind="image", url=url),)))
    [(_, comment)] = replay.broadcasts[0].transaction["operations"]
    assert comment["body"] == f"Our office cat\n\n![]({url})"
