"""A Bluesky post has no title: a draft's title is refused before any request, never dropped unseen."""

from __future__ import annotations

import pytest

pytest.importorskip("atproto")

import decentsocial as ds


def test_a_title_is_refused_before_any_request_and_a_blank_one_is_no_title() -> None:
    # Nothing listens at that address: a request sent would be NetworkUnavailable, not ContentRejected.
    net = ds.connect("bluesky", handle="a.test", password="p", base_url="http://127.0.0.1:9")
    try:
        with pytest.raises(ds.ContentRejected, match="no title"):
            net.publish(ds.Draft(text="the launch", title="Launch day"))
        net.check_draft(ds.Draft(text="the launch", title="  "))
    finally:
        net.close()
