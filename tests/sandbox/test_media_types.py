"""The sandbox keeps an attachment's type as its bytes tell it, as Mastodon and Bluesky upload it.

It took a file's type from its name alone: a JPEG named ``photo.gif`` was kept as ``image/gif``
and a PDF named ``flyer.png`` as ``image/png``, where Mastodon and Bluesky read the bytes (a JPEG
goes up as one; a PDF Bluesky refuses as no image, and Mastodon declares as a PDF, refused before
any upload by an instance that takes none), and bytes given as ``data`` had no type at all. The
bytes now tell the type, by the sniffer the other backends use; the name is the fallback for bytes
that tell nothing, and a type given as ``Media.mime_type`` is kept as given.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial.backends.sandbox import SandboxNetwork
from tests.images import png

#: A JPEG's first bytes (SOI, then a JFIF APP0 segment).
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\0" * 32
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
#: An MP4's leading ``ftyp`` box.
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom\x00\x00\x00\x08free"
#: A WebM's EBML header: no type the sniffer tells, so the name does.
WEBM = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm"


def kept_types(net: SandboxNetwork, *media: ds.Media) -> list[str | None]:
    """The types the sandbox keeps for ``media``, as published and as read back from its database."""
    post = net.publish(ds.Draft(text="Spring sale", media=media))
    stored = net.get_post(post.id)
    assert [m.mime_type for m in stored.media] == [m.mime_type for m in post.media]
    return [m.mime_type for m in post.media]


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("photo.gif", JPEG, "image/jpeg"),
        ("flyer.png", PDF, "application/pdf"),
        ("menu.jpg", png(), "image/png"),
        ("clip.png", MP4, "video/mp4"),
    ],
    ids=["jpeg-named-gif", "pdf-named-png", "png-named-jpg", "mp4-named-png"],
)
def test_a_file_is_the_type_its_bytes_tell_whatever_its_name(
    alice: SandboxNetwork, tmp_path: Path, name: str, data: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    assert kept_types(alice, ds.Media(path=path)) == [expected]


def test_bytes_given_without_a_type_are_typed_by_what_they_are(alice: SandboxNetwork) -> None:
    assert kept_types(alice, ds.Media(data=JPEG), ds.Media(data=PDF)) == ["image/jpeg", "application/pdf"]


def test_the_name_tells_what_the_bytes_do_not_and_a_given_type_is_kept(
    alice: SandboxNetwork, tmp_path: Path
) -> None:
    clip = tmp_path / "clip.webm"
    clip.write_bytes(WEBM)
    given = tmp_path / "photo.bin"
    given.write_bytes(png())
    media = (ds.Media(kind="video", path=clip), ds.Media(path=given, mime_type="image/png"))
    assert kept_types(alice, *media) == ["video/webm", "image/png"]
    assert kept_types(alice, ds.Media(data=b"\0\0 nothing to tell")) == [None]  # as before: any file
