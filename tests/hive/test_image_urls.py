"""Hive and Steem link images by a web address: one no reader can open is refused, never broadcast.

A post's images are written into the body as markdown (``![alt](url)``) and
listed in its metadata. A URL with a space (``spring sale.png``, as a
marketing drive names files), a file path or relative name, a ``file:`` or
``ipfs:`` address, or one with a user name and password went onto the chain
as given: the markdown does not render as an image (front ends show the raw
``![](…)`` text), the post reads back without its media, and credentials
stay public for good. ``check_draft`` (so a dry run and ``Scheduler.schedule``)
and publishing now refuse them, before anything is signed.
"""

from __future__ import annotations

import json

import pytest

import decentsocial as ds
from decentsocial.backends.hive import HiveNetwork

from ..servers._jsonrpc_replay import ReplayServer

NOT_WEB_LINKS = {
    "a space": "https://cdn.acme.example/spring sale.png",
    "a relative name": "banner.png",
    "a file path": "/srv/www/banner.png",
    "a file URL": "file:///home/acme/banner.png",
    "an IPFS address": "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
    "credentials": "https://deploy:hunter2@cdn.acme.example/banner.png",
    "a line break": "https://cdn.acme.example/banner.png\n![x](https://evil.example/x.png)",
}


def draft(url: str) -> ds.Draft:
    return ds.Draft(
        title="Spring sale", text="Our spring sale", media=(ds.Media(url=url, alt_text="banner"),)
    )


@pytest.mark.parametrize("case", list(NOT_WEB_LINKS))
def test_an_image_url_no_reader_can_open_is_refused_before_signing(
    net: HiveNetwork, replay: ReplayServer, case: str
) -> None:
    url = NOT_WEB_LINKS[case]
    dry = ds.crosspost(draft(url), [net], dry_run=True)
    assert isinstance(dry.outcomes[0].error, ds.ContentRejected), dry.outcomes[0]
    with pytest.raises(ds.ContentRejected, match="http") as refused:
        net.publish(draft(url))
    assert "hunter2" not in refused.value.message  # the password is not repeated either
    assert replay.broadcasts == []


def test_a_web_image_is_linked_in_the_body_and_listed(net: HiveNetwork, replay: ReplayServer) -> None:
    url = "https://cdn.acme.example/spring_(2026)/été.png"
    net.publish(draft(url))
    [(name, comment)] = replay.broadcasts[0].transaction["operations"]
    assert name == "comment"
    assert comment["body"].endswith(f"![banner]({url})")
    assert json.loads(comment["json_metadata"])["image"] == [url]
