"""A Hive or Steem post read back keeps the image URLs its metadata lists with an upper-case scheme.

Reading a post kept only metadata images whose URL started with ``http://`` or ``https://`` exactly,
so ``HTTPS://…`` (a scheme is case-insensitive, RFC 3986; front ends that upper-case or copy a URL
write it so) was dropped: the post read back without its media. The recorded post below (a
``bridge.get_account_posts`` answer) is served by the replay node with its image URLs so written.
"""

from __future__ import annotations

import copy
import gzip
import json
from collections.abc import Iterator
from typing import Any

import pytest

from decentsocial.backends.hive import HIVE, STEEM, HiveNetwork
from decentsocial.backends.hive.convert import post_from_bridge

from ..servers._jsonrpc_replay import ReplayServer
from ..servers.hive import FIXTURE, _free_port, hive_connection

AUTHOR, PERMLINK = "agartha", "bitcoin-event-day-very-important"
IMAGES = ["HTTPS://bitcoin.org/img/icons/opengraph.png", "Http://img.example/halving.PNG"]


def recorded_post() -> dict[str, Any]:
    """The recorded bridge post of ``AUTHOR/PERMLINK``, its images' schemes upper-cased."""
    with gzip.open(FIXTURE, "rt", encoding="utf-8") as fh:
        for line in fh:
            case = json.loads(line)
            if case["method"] != "bridge.get_account_posts" or not isinstance(case.get("result"), list):
                continue
            for post in case["result"]:
                if (post.get("author"), post.get("permlink")) == (AUTHOR, PERMLINK):
                    post = copy.deepcopy(post)
                    assert isinstance(post, dict)
                    assert post["json_metadata"]["image"] == ["https://bitcoin.org/img/icons/opengraph.png"]
                    post["json_metadata"]["image"] = [*IMAGES, "javascript:alert(1)", "ipfs://bafy/x.png"]
                    post["body"] = post["body"].replace("https://bitcoin.org", "HTTPS://bitcoin.org")
                    return post
    raise AssertionError("the recorded post is gone from the fixture")


@pytest.fixture(scope="module")
def node() -> Iterator[ReplayServer]:
    case = {
        "method": "bridge.get_post",
        "params": {"author": AUTHOR, "permlink": PERMLINK},
        "result": recorded_post(),
    }
    server = ReplayServer([case], port=_free_port()).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.parametrize("network", ["hive", "steem"])
def test_a_post_read_back_keeps_its_upper_case_image_urls(node: ReplayServer, network: str) -> None:
    net = hive_connection(network, node, "alice")
    assert isinstance(net, HiveNetwork)
    try:
        post = net.get_post(f"{AUTHOR}/{PERMLINK}")
    finally:
        net.close()
    assert [m.url for m in post.media] == IMAGES  # no other scheme is taken: javascript:, ipfs: dropped
    assert all(m.kind == "image" for m in post.media)
    assert post.text.startswith("We say we are community")


@pytest.mark.parametrize("chain", [HIVE, STEEM])
def test_the_conversion_takes_any_case_of_http_and_https(chain: Any) -> None:
    post = recorded_post()
    post["json_metadata"] = json.dumps(
        {"image": ["hTTpS://a.example/1.png", "HTTP://b.example/2.png", "HTTPX://c"]}
    )
    assert [m.url for m in post_from_bridge(post, chain).media] == [
        "hTTpS://a.example/1.png",
        "HTTP://b.example/2.png",
    ]
