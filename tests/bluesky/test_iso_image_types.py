"""AVIF and HEIC/HEIF images are told by their ``ftyp`` box, before any upload, against the real PDS.

The type check knew only PNG, JPEG, GIF and WebP, so bytes that are no image labelled
``image/avif`` or ``image/heic`` were uploaded: the PDS stores a blob whose type it cannot tell
under the type declared, and the post showed an image no one can view (a video labelled AVIF was
stored as a video and refused only after its upload). AVIF and HEIC are ISO-BMFF files: bytes 4–8
are ``ftyp``, then the major brand (``avif``/``avis``, ``heic``/``heix``/``hevc``/``hevx``,
``mif1``/``msf1``), then the compatible brands. A declared AVIF or HEIC/HEIF whose bytes are not
such an image is now ``ContentRejected``: ``data`` while planning, a file once read, before any
upload. Such an image given without a type is posted as its bytes say, as a PNG is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

import decentsocial as ds
from decentsocial.backends.bluesky import BlueskyNetwork
from decentsocial.backends.bluesky.media import sniff
from tests.servers.bluesky import BlueskyStack

from .conftest import connect_bluesky, list_posts
from .proxy import FaultProxy

pytestmark = pytest.mark.server

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
TEXT = b"Spring sale: 20% off everything until Sunday.\n"


def iso_file(major: bytes, *compatible: bytes) -> bytes:
    """An ISO-BMFF file's start: its ``ftyp`` box (major brand, minor version 0, compatible brands)
    and an empty ``meta`` box after it."""
    body = major + b"\0\0\0\0" + b"".join(compatible)
    return (8 + len(body)).to_bytes(4, "big") + b"ftyp" + body + b"\0\0\0\x0cmeta\0\0\0\0"


AVIF = iso_file(b"avif", b"avif", b"mif1", b"miaf", b"MA1B")
HEIC = iso_file(b"heic", b"mif1", b"heic")
MP4 = iso_file(b"isom", b"isom", b"iso2", b"avc1", b"mp41")


@pytest.fixture
def offline() -> BlueskyNetwork:
    """A connection that is never used: planning makes no request."""
    return connect_bluesky(base_url="http://127.0.0.1:9", handle="brand.test", password="x", allow_http=True)


MISLABELLED = {
    "a PDF labelled AVIF": ds.Media(data=PDF, mime_type="image/avif"),
    "text labelled HEIC": ds.Media(data=TEXT, mime_type="image/heic"),
    "a PDF labelled HEIF": ds.Media(data=PDF, mime_type="image/heif"),
    "an MP4 video labelled AVIF": ds.Media(data=MP4, mime_type="image/avif"),
    "a QuickTime video labelled HEIC": ds.Media(data=iso_file(b"qt  ", b"qt  "), mime_type="image/heic"),
    "a cut-off ftyp box labelled AVIF": ds.Media(data=b"\0\0\0\x1cftypav", mime_type="image/avif"),
    "text labelled AVIF in capitals": ds.Media(data=TEXT, mime_type="IMAGE/AVIF"),
}


@pytest.mark.parametrize("case", list(MISLABELLED))
def test_bytes_that_are_no_avif_or_heic_image_are_refused_while_planning(
    offline: BlueskyNetwork, case: str
) -> None:
    draft = ds.Draft(text="Spring sale", media=(MISLABELLED[case],))
    with pytest.raises(ds.ContentRejected, match=r"image 1 is labelled '\w+/[\w-]+' but its bytes are not"):
        offline.check_draft(draft)
    [planned] = ds.crosspost(draft, [offline], dry_run=True).outcomes
    assert isinstance(planned.error, ds.ContentRejected)
    assert "AVIF or HEIC/HEIF image" in planned.error.message


def test_they_are_refused_before_any_upload(
    proxy: FaultProxy, stack: BlueskyStack, make_account: Any, tmp_path: Path
) -> None:
    _, handle, password = make_account("avifsender")
    net = connect_bluesky(base_url=proxy.url, handle=handle, password=password, pin_base_url=True)
    upload = proxy.add("com.atproto.repo.uploadBlob", "reset", times=100)  # counts any upload tried
    for media in MISLABELLED.values():
        with pytest.raises(ds.ContentRejected, match="but its bytes are not"):
            net.publish(ds.Draft(text="Spring sale", media=(media,)))
    flyer = tmp_path / "flyer.avif"  # a file is checked once read: planning reads none
    flyer.write_bytes(PDF)
    with pytest.raises(ds.ContentRejected, match="labelled 'image/avif' but its bytes are not"):
        net.publish(ds.Draft(text="Spring sale", media=(ds.Media(path=flyer, mime_type="image/avif"),)))
    assert upload.hits == 0
    assert list_posts(stack, net.me().id) == []


def test_avif_and_heic_images_are_posted_as_their_bytes_say(stack: BlueskyStack, alice: Any) -> None:
    media = (
        ds.Media(data=AVIF, mime_type="image/avif", alt_text="the shop window"),
        ds.Media(data=HEIC, mime_type="image/heic"),
        ds.Media(data=AVIF),  # no type given: told from the bytes, as a PNG's is
        ds.Media(data=HEIC, mime_type="image/avif"),  # an image of another type: as its bytes say
    )
    post = alice.publish(ds.Draft(text="Spring sale photos", media=media))
    images = _record(stack, post.id)["embed"]["images"]
    stored = [image["image"]["mimeType"] for image in images]
    assert stored == ["image/avif", "image/heic", "image/avif", "image/heic"]
    assert images[0]["alt"] == "the shop window"


def test_the_brands_tell_the_type() -> None:
    assert sniff(AVIF) == ("image/avif", None, None)  # not measured: the size lies deep in the file
    assert sniff(iso_file(b"avis", b"avis", b"msf1"))[0] == "image/avif"
    assert sniff(HEIC)[0] == "image/heic"
    assert sniff(iso_file(b"mif1", b"mif1", b"avif", b"miaf"))[0] == "image/avif"  # a generic HEIF
    assert sniff(iso_file(b"mif1", b"mif1", b"heic"))[0] == "image/heif"
    assert sniff(iso_file(b"msf1", b"msf1", b"hevc"))[0] == "image/heif-sequence"
    assert sniff(MP4)[0] is None
    assert sniff(iso_file(b"mp42", b"avif"))[0] is None  # the PDS reads the major brand: a video


def _record(stack: BlueskyStack, uri: str) -> dict[str, Any]:
    """The stored post record's value, read with plain HTTP from the PDS (not through the backend)."""
    repo, collection, rkey = uri.removeprefix("at://").split("/")
    answer = httpx.get(
        f"{stack.pds_url}/xrpc/com.atproto.repo.getRecord",
        params={"repo": repo, "collection": collection, "rkey": rkey},
        timeout=30,
    )
    answer.raise_for_status()
    value = answer.json()["value"]
    assert isinstance(value, dict)
    return value
