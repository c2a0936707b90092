"""An image's bytes must be the type it is labelled, checked before any upload, against the real PDS.

A file that is not an image sent as ``Media(mime_type="image/png")`` was uploaded as such. The PDS
stores a blob as the type it finds in the bytes: a PDF was stored as ``application/pdf`` and the
answer was read as malformed (``NetworkUnavailable``, which a retrying bot retries again and again),
and a text file, whose type the PDS cannot tell, was kept as ``image/png`` and posted as an image no
one can view. A declared PNG, JPEG, GIF or WebP is now checked against its bytes: ``data`` while
planning, a file once read, before any upload, ``ContentRejected``. A declared type the library
cannot check (``image/tiff``) that the PDS finds to be no image is ``ContentRejected`` too.

A link card's URL scheme is case-insensitive (RFC 3986): ``HTTPS://…`` was refused.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import httpx
import pytest

import decentsocial as ds
from decentsocial.backends.bluesky import BlueskyNetwork
from tests.servers.bluesky import BlueskyStack

from .conftest import connect_bluesky, list_posts, make_png
from .proxy import FaultProxy

pytestmark = pytest.mark.server

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
TEXT = b"Spring sale: 20% off everything until Sunday.\n"


def make_jpeg(width: int, height: int) -> bytes:
    """A JPEG header (start, JFIF, a baseline frame of the size given) and its end: what is sniffed."""
    jfif = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    frame = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + jfif + frame + b"\xff\xd9"


@pytest.fixture
def offline() -> BlueskyNetwork:
    """A connection that is never used: planning makes no request."""
    return connect_bluesky(base_url="http://127.0.0.1:9", handle="brand.test", password="x", allow_http=True)


MISLABELLED = {
    "a PDF labelled PNG": ds.Media(data=PDF, mime_type="image/png"),
    "text labelled PNG": ds.Media(data=TEXT, mime_type="image/png"),
    "text labelled JPEG": ds.Media(data=TEXT, mime_type="image/jpeg", kind="image"),
    "a PDF labelled GIF": ds.Media(data=PDF, mime_type="image/gif", kind="gif"),
    "text labelled WebP": ds.Media(data=TEXT, mime_type="image/webp"),
}


@pytest.mark.parametrize("case", list(MISLABELLED))
def test_bytes_that_are_not_the_type_given_are_refused_while_planning(
    offline: BlueskyNetwork, case: str
) -> None:
    draft = ds.Draft(text="Spring sale", media=(MISLABELLED[case],))
    with pytest.raises(ds.ContentRejected, match=r"image 1 is labelled 'image/\w+' but its bytes are not"):
        offline.check_draft(draft)
    [planned] = ds.crosspost(draft, [offline], dry_run=True).outcomes
    assert isinstance(planned.error, ds.ContentRejected)


def test_a_pdf_labelled_png_is_refused_before_any_upload(
    proxy: FaultProxy, stack: BlueskyStack, make_account: Any
) -> None:
    _, handle, password = make_account("pdfsender")
    net = connect_bluesky(base_url=proxy.url, handle=handle, password=password, pin_base_url=True)
    upload = proxy.add("com.atproto.repo.uploadBlob", "reset", times=100)  # counts any upload tried
    for media in MISLABELLED.values():
        with pytest.raises(ds.ContentRejected, match="but its bytes are not"):
            net.publish(ds.Draft(text="Spring sale", media=(media,)))
    assert upload.hits == 0
    assert list_posts(stack, net.me().id) == []


def test_a_file_is_checked_once_read_before_any_upload(
    proxy: FaultProxy, stack: BlueskyStack, make_account: Any, tmp_path: Path
) -> None:
    _, handle, password = make_account("filesender")
    net = connect_bluesky(base_url=proxy.url, handle=handle, password=password, pin_base_url=True)
    flyer = tmp_path / "flyer.png"
    flyer.write_bytes(PDF)
    draft = ds.Draft(text="Spring sale", media=(ds.Media(path=flyer, mime_type="image/png"),))
    net.check_draft(draft)  # planning reads no file: it may be written only before the post goes out
    upload = proxy.add("com.atproto.repo.uploadBlob", "reset", times=100)
    with pytest.raises(ds.ContentRejected, match="image 1 is labelled 'image/png' but its bytes are not"):
        net.publish(draft)
    assert upload.hits == 0
    assert list_posts(stack, net.me().id) == []


def test_an_unchecked_type_the_pds_finds_to_be_no_image_is_content_rejected(
    stack: BlueskyStack, alice: Any
) -> None:
    did = alice.me().id
    before = len(list_posts(stack, did))
    draft = ds.Draft(text="Spring sale", media=(ds.Media(data=PDF, mime_type="image/tiff"),))
    alice.check_draft(draft)  # TIFF is not told from its bytes here: the PDS is the one to find out
    with pytest.raises(
        ds.ContentRejected, match="stored an image labelled 'image/tiff' as 'application/pdf'"
    ):
        alice.publish(draft)
    assert len(list_posts(stack, did)) == before


def test_an_image_of_another_image_type_is_posted_as_its_bytes_say(stack: BlueskyStack, alice: Any) -> None:
    jpeg, png = make_jpeg(30, 20), make_png(6, 4)
    media = (ds.Media(data=jpeg, mime_type="image/png"), ds.Media(data=png, mime_type="image/webp"))
    post = alice.publish(ds.Draft(text="Two photos", media=media))
    images = _record(stack, post.id)["embed"]["images"]
    assert [image["image"]["mimeType"] for image in images] == ["image/jpeg", "image/png"]
    assert [image["aspectRatio"] for image in images] == [
        {"width": 30, "height": 20},
        {"width": 6, "height": 4},
    ]


def test_a_link_card_url_with_an_upper_case_scheme_is_posted(stack: BlueskyStack, alice: Any) -> None:
    card = ds.LinkCard(url="HTTPS://acme.example/launch", title="Launch")
    draft = ds.Draft(text="Read about the launch", link=card)
    alice.check_draft(draft)
    post = alice.publish(draft)
    assert _record(stack, post.id)["embed"]["external"]["uri"] == "HTTPS://acme.example/launch"
    with pytest.raises(ds.ContentRejected, match="link card URL must be http"):
        alice.check_draft(ds.Draft(text="x", link=ds.LinkCard(url="FTP://acme.example/launch")))


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
