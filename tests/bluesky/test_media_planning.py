"""Bluesky's media rules at planning time, and a keyed retry that needs no file (no server).

``check_draft`` (what a dry run and ``Scheduler.schedule`` run) makes every
media check publishing makes that reads no file: the kind, a URL-only
``Media``, the type given, empty bytes, the size (``len`` or ``stat``), the
link card's URL and thumbnail. They used to be made only when publishing.

A keyed publish looks its record up before it reads any file, so a retry
after a temporary image was removed returns the post. The lookups are
stubbed here: the connection points at a closed loopback port.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.backends.bluesky import BlueskyNetwork
from decentsocial.backends.bluesky.ids import AtUri

from .conftest import connect_bluesky, make_png

DID = "did:plc:abcdefghijklmnopqrstuvwx"
PNG = make_png(4, 4)


@pytest.fixture
def net() -> BlueskyNetwork:
    return connect_bluesky(base_url="http://127.0.0.1:9", handle="brand.test", password="x", allow_http=True)


REFUSED = {
    "over 1 MB": (ds.Media(data=PNG + b"\0" * 1_000_000), "over Bluesky's limit of 1,000,000 bytes"),
    "a video": (ds.Media(kind="video", data=b"\0\0\0\x18ftypmp42", mime_type="video/mp4"), "is a video"),
    "URL only": (ds.Media(url="https://cdn.example/banner.png"), "has only a URL"),
    "empty": (ds.Media(data=b"", mime_type="image/png"), "is empty"),
    "a PDF": (ds.Media(data=b"%PDF-1.4 ...", mime_type="application/pdf"), "not a PNG, JPEG, GIF or WebP"),
    "bytes of no image": (ds.Media(data=b"plain text"), "not a PNG, JPEG, GIF or WebP"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_the_dry_run_refuses_what_publishing_refuses(net: BlueskyNetwork, case: str) -> None:
    media, reason = REFUSED[case]
    draft = ds.Draft(text="Launch day", media=(media,))
    with pytest.raises(ds.ContentRejected, match=reason):
        net.check_draft(draft)
    dry = ds.crosspost(draft, [net], dry_run=True)
    assert isinstance(dry.outcomes[0].error, ds.ContentRejected)
    assert reason in dry.outcomes[0].error.message


def test_a_file_is_measured_by_stat_and_never_read_while_planning(
    net: BlueskyNetwork, tmp_path: Path
) -> None:
    big = tmp_path / "poster.png"
    with open(big, "wb") as file:
        file.truncate(2_000_000)
    with pytest.raises(ds.ContentRejected, match="image 1 is 2,000,000 bytes"):
        net.check_draft(ds.Draft(text="Launch day", media=(ds.Media(path=big),)))
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(ds.ContentRejected, match="image 1 is empty"):
        net.check_draft(ds.Draft(text="Launch day", media=(ds.Media(path=empty),)))
    with pytest.raises(ds.ContentRejected, match="not a regular file"):
        net.check_draft(ds.Draft(text="Launch day", media=(ds.Media(path=tmp_path),)))
    # a file whose type is known only from its bytes, or missing now, is left to publishing
    text_file = tmp_path / "notes.png"
    text_file.write_bytes(b"plain text")
    net.check_draft(ds.Draft(text="Launch day", media=(ds.Media(path=text_file),)))
    net.check_draft(ds.Draft(text="Launch day", media=(ds.Media(path=tmp_path / "gone.png"),)))


def test_the_link_card_is_checked_while_planning(net: BlueskyNetwork) -> None:
    with pytest.raises(ds.ContentRejected, match="link card URL must be http"):
        net.check_draft(ds.Draft(text="Read it", link=ds.LinkCard(url="ftp://acme.example/launch")))
    # a refused URL is named by its scheme only: it may hold a user name and password
    with pytest.raises(ds.ContentRejected, match="its scheme is 'ftp'") as refused:
        net.check_draft(
            ds.Draft(text="Read it", link=ds.LinkCard(url="ftp://brand:Hunter2Pass@acme.example/"))
        )
    assert "Hunter2Pass" not in str(refused.value)
    thumb = ds.Media(data=PNG + b"\0" * 1_000_000)
    with pytest.raises(ds.ContentRejected, match="over Bluesky's limit"):
        net.check_draft(
            ds.Draft(text="Read it", link=ds.LinkCard(url="https://acme.example", thumbnail=thumb))
        )


def test_images_bluesky_takes_still_plan(net: BlueskyNetwork) -> None:
    # an AVIF's bytes are checked too (its ftyp box): b"x" labelled image/avif is refused now
    avif = b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf"
    images = (ds.Media(data=PNG), ds.Media(kind="gif", data=PNG), ds.Media(data=avif, mime_type="image/avif"))
    [planned] = ds.crosspost(ds.Draft(text="Launch day", media=images), [net], dry_run=True).outcomes
    assert planned.ok, planned.error


def test_a_keyed_retry_returns_the_post_without_reading_the_removed_file(
    net: BlueskyNetwork, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    banner = tmp_path / "banner.png"  # removed after the first run: only the record remains
    looked_up: list[AtUri] = []

    def get_record(uri: AtUri) -> dict[str, Any]:
        looked_up.append(uri)
        value = {"$type": "app.bsky.feed.post", "text": "Launch!", "createdAt": "2026-01-01T12:00:00Z"}
        return {"uri": f"at://{uri.repo}/{uri.collection}/{uri.rkey}", "cid": "bafyrei", "value": value}

    monkeypatch.setattr(net.transport, "identity", lambda: (DID, "brand.test"))
    monkeypatch.setattr(net, "_get_record", get_record)
    draft = ds.Draft(text="Launch!", media=(ds.Media(path=banner),), idempotency_key="launch")
    post = net.publish(draft)
    assert post.text == "Launch!"
    assert post.id.startswith(f"at://{DID}/app.bsky.feed.post/")
    assert len(looked_up) == 1
    # without a key there is nothing to find: the missing file is reported, before any write
    monkeypatch.setattr(net, "_create_record", lambda *a, **k: pytest.fail("nothing may be written"))
    with pytest.raises(ds.ContentRejected, match="cannot read media file"):
        net.publish(draft.model_copy(update={"idempotency_key": None}))
