"""Which part of a ``Media`` with a file and a URL each backend uses: the bytes to upload, the URL to link.

These call the backends' own request builders (no server: the sandbox,
Mastodon and Threads sides run against real servers in
tests/mastodon/test_campaigns.py and tests/threads/test_media_file_and_url.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import decentsocial as ds
from tests.images import png

PUBLIC = "https://cdn.example/banner.png"


@pytest.fixture
def both(tmp_path: Path) -> ds.Media:
    image = tmp_path / "banner.png"
    image.write_bytes(png(5, 3))
    return ds.Media(path=image, url=PUBLIC)


def test_bluesky_uploads_the_file_of_a_media_that_also_has_a_url(both: ds.Media) -> None:
    # the backend packages import their extras; the compat run installs only some
    prepare_images = pytest.importorskip("decentsocial.backends.bluesky.media").prepare_images
    (prepared,) = prepare_images((both,), network="bluesky")
    assert prepared.data == png(5, 3)
    with pytest.raises(ds.ContentRejected, match="only a URL"):
        prepare_images((ds.Media(url=PUBLIC),), network="bluesky")


def test_hive_links_the_url_of_a_media_that_also_has_a_file(both: ds.Media) -> None:
    ops = pytest.importorskip("decentsocial.backends.hive.ops")
    comment_ops, HIVE = ops.comment_ops, pytest.importorskip("decentsocial.backends.hive.chain").HIVE
    draft = ds.Draft(title="Launch", text="launch day", tags=("acme",), media=(both,))
    ((_, comment),) = comment_ops(draft, chain=HIVE, author="brand", permlink="launch", parent=None, app="t")
    assert f"![]({PUBLIC})" in comment["body"]
    assert json.loads(comment["json_metadata"])["image"] == [PUBLIC]
    bytes_only = draft.model_copy(update={"media": (ds.Media(data=png()),)})
    with pytest.raises(ds.ContentRejected, match="by URL"):
        comment_ops(bytes_only, chain=HIVE, author="brand", permlink="launch", parent=None, app="t")
