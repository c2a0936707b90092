"""A keyed retry finds the status its key made before it reads any media file.

A crosspost posted on Mastodon and failed elsewhere; the bot removed its
temporary image and ran again with the result's key. The status exists, so
the retry must return it, not report the missing file as a refusal (which a
crosspost shows as a failed target that needs a new post).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import decentsocial as ds
from tests.images import png
from tests.servers.mastodon import MastodonServer


def test_a_keyed_retry_after_the_file_was_removed_returns_the_status(
    mastodon_server: MastodonServer, tmp_path: Path
) -> None:
    banner = tmp_path / "banner.png"
    banner.write_bytes(png())
    net = mastodon_server.connect("alice")
    draft = ds.Draft(text="Launch day", media=(ds.Media(path=banner, alt_text="a banner"),))
    first = ds.crosspost(draft, [net])
    assert first.ok, first.errors
    banner.unlink()  # the bot cleans up its temporary file between the runs
    again = ds.crosspost(draft.model_copy(update={"idempotency_key": first.key}), [net])
    assert again.ok, again.errors
    assert [p.id for p in again.posts] == [p.id for p in first.posts]
    assert again.posts[0].media[0].alt_text == "a banner"
    with pytest.raises(ds.ContentRejected, match="cannot read media file"):  # a new post needs it
        net.publish(draft.model_copy(update={"idempotency_key": "a-new-key"}))
