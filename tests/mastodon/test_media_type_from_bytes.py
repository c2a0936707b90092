"""A file's bytes, once read, tell its type before its name does (local Mastodon-API server).

An attachment given as ``Media(path=…)`` without ``mime_type`` was uploaded with the type guessed
from its file name whatever its bytes were: ``flyer.pdf`` holding a PNG went up declared
``application/pdf`` (Mastodon checks the declared type; the test server then records an attachment
of type ``unknown``), and ``menu.jpg`` holding a PNG as ``image/jpeg``. A type the bytes tell (PNG,
JPEG, GIF, WebP, an MP4…) now wins; the name is the fallback for bytes no magic number here tells (a WebM).
And a type told by a file's bytes is checked against the instance's ``supported_mime_types``
before any upload, as ``check_draft`` checks a declared one (planning reads no file, so it plans):
a PDF named ``flyer.png`` went up declared ``image/png`` and was posted; it is now told a PDF, which
the instance does not list.

What was declared is read from the upload request itself, as it went to the server, and what the
server made of it from the status it serves.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import decentsocial as ds
from decentsocial.backends.mastodon import MastodonNetwork
from tests.images import png
from tests.mastodon.server_fixtures import local_server  # noqa: F401 - the server fixture
from tests.servers.mastodon import MastodonServer

#: The first bytes of a lossless WebP (RIFF, WEBP, a VP8L chunk): what a WebP is told by.
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
#: An MP4's leading ``ftyp`` box (a video: no image brand).
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom\x00\x00\x00\x08free"
#: A PDF's first bytes: a type the instance does not list (nor any Mastodon does).
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
#: A WebM's EBML header: no magic number the backend knows, so the name tells its type.
WEBM = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm"
#: The header of the multipart part holding the uploaded file, up to its declared type.
FILE_PART = re.compile(rb'name="file"[^\r\n]*\r\nContent-Type: ([^\r\n]+)\r\n')


@pytest.fixture
def net(server: MastodonServer) -> Iterator[MastodonNetwork]:
    conn = server.connect("alice")
    yield conn
    conn.close()


def declared(net: MastodonNetwork) -> list[str]:
    """The type each upload ``net`` sends from now on declares for its file (in the request body)."""
    seen: list[str] = []

    def record(response: Any, *args: Any, **kwargs: Any) -> None:
        request = response.request
        if "/media" in request.path_url and request.method == "POST":
            body = request.body if isinstance(request.body, bytes) else b""
            found = FILE_PART.search(body)
            seen.append(found.group(1).decode() if found else "(none)")

    net.transport.session.hooks["response"].append(record)
    return seen


def served_types(server: MastodonServer, status_id: str) -> list[str]:
    """The attachment types the server keeps for a status, read with plain HTTP (not the backend)."""
    answer = httpx.get(f"{server.base_url}/api/v1/statuses/{status_id}", timeout=5)
    answer.raise_for_status()
    return [item["type"] for item in answer.json()["media_attachments"]]


def statuses(server: MastodonServer, net: MastodonNetwork) -> int:
    answer = httpx.get(f"{server.base_url}/api/v1/accounts/{net.me().id}/statuses", timeout=5)
    answer.raise_for_status()
    return len(answer.json())


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_a_pdf_name_holding_a_png_is_uploaded_as_a_png(
    server: MastodonServer, net: MastodonNetwork, tmp_path: Path
) -> None:
    flyer = write(tmp_path / "flyer.pdf", png())
    sent = declared(net)
    post = net.publish(ds.Draft(text="Spring sale", media=(ds.Media(path=flyer, alt_text="the flyer"),)))
    assert sent == ["image/png"]  # was application/pdf, which Mastodon refuses
    assert served_types(server, post.id) == ["image"]  # was "unknown"
    assert [m.kind for m in post.media] == ["image"]


def test_a_jpeg_name_holding_a_png_is_uploaded_as_a_png(
    server: MastodonServer, net: MastodonNetwork, tmp_path: Path
) -> None:
    menu = write(tmp_path / "menu.jpg", png())
    sent = declared(net)
    post = net.publish(ds.Draft(text="Today's menu", media=(ds.Media(path=menu),)))
    assert sent == ["image/png"]  # was image/jpeg
    edited = net.edit(post, ds.Draft(text="Today's menu, updated", media=(ds.Media(path=menu),)))
    assert sent == ["image/png", "image/png"]  # an edit's upload too
    assert served_types(server, edited.id) == ["image"]


def test_the_name_still_tells_what_the_bytes_do_not(
    server: MastodonServer, net: MastodonNetwork, tmp_path: Path
) -> None:
    clip = write(tmp_path / "clip.webm", WEBM)
    banner = write(tmp_path / "banner", png())  # no name to guess from: the bytes say it
    given = write(tmp_path / "photo.bin", png())
    media = (
        ds.Media(kind="video", path=clip),
        ds.Media(path=banner),
        ds.Media(path=given, mime_type="image/png"),  # a given type is sent as given
    )
    sent = declared(net)
    post = net.publish(ds.Draft(text="Spring sale", media=media))
    assert sent == ["video/webm", "image/png", "image/png"]
    assert served_types(server, post.id) == ["video", "image", "image"]


def serve_instance_without(server: MastodonServer, mime: str) -> None:
    """Answer ``GET /api/v2/instance`` with the server's own document, ``mime`` not listed."""
    answer = httpx.get(f"{server.base_url}/api/v2/instance", timeout=5)
    answer.raise_for_status()
    document = answer.json()
    document["configuration"]["media_attachments"]["supported_mime_types"].remove(mime)
    server.add_fault(
        {
            "match": {"methods": ["GET"], "path_regex": "^/api/v2/instance/?$"},  # Mastodon.py adds a /
            "effect": {"type": "status", "status": 200, "body": document},
        }
    )


def test_a_file_whose_bytes_the_instance_does_not_take_is_refused_before_any_upload(
    server: MastodonServer, tmp_path: Path
) -> None:
    serve_instance_without(server, "image/webp")
    net = server.connect("alice")
    try:
        banner = write(tmp_path / "banner.png", png())
        photo = write(tmp_path / "photo.png", WEBP)  # a WebP under a PNG's name
        draft = ds.Draft(text="Spring sale", media=(ds.Media(path=banner), ds.Media(path=photo)))
        [planned] = ds.crosspost(draft, [net], dry_run=True).outcomes
        assert planned.error is None, planned.error  # planning reads no file: the name is all it has
        before, sent = statuses(server, net), declared(net)
        with pytest.raises(ds.ContentRejected) as caught:
            net.publish(draft)
        assert "attachment 2 is of type 'image/webp', which this server does not take" in caught.value.message
        assert sent == []  # not even the PNG before it
        assert statuses(server, net) == before
        post = net.publish(ds.Draft(text="Spring sale", media=(ds.Media(path=banner),)))
        with pytest.raises(ds.ContentRejected, match="attachment 1 is of type 'image/webp'"):
            net.edit(post, ds.Draft(text="Spring sale, with a photo", media=(ds.Media(path=photo),)))
        assert sent == ["image/png"]  # the post's own upload only
    finally:
        net.close()


def test_a_pdf_under_a_png_name_is_refused_before_any_upload(
    server: MastodonServer, net: MastodonNetwork, tmp_path: Path
) -> None:
    flyer = write(tmp_path / "flyer.png", PDF)
    before, sent = statuses(server, net), declared(net)
    with pytest.raises(ds.ContentRejected, match="attachment 1 is of type 'application/pdf', which this"):
        net.publish(ds.Draft(text="Spring sale", media=(ds.Media(path=flyer),)))
    assert sent == []  # was uploaded declared image/png, and the status posted
    assert statuses(server, net) == before
