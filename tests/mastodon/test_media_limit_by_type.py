"""An attachment is measured against the limit of the type its upload declares, not of its name or kind.

Mastodon measures an upload by its type: a still image by ``image_size_limit``, a video by the
larger ``video_size_limit`` (the local server: 10 MiB and 40 MiB). The upload's type came from the
bytes first (``told_mime``), but the limit still came from ``Media.kind`` and the file's name: a
12 MiB PNG attached as ``kind="video"`` (``photo.mp4``, or bytes given) was measured against the
video limit and uploaded, over the image limit its ``image/png`` upload has (Mastodon refuses it
after the upload); and an MP4's bytes were told by no magic number, so ``clip.png`` holding one went
up declared ``image/png`` and bytes given without a type were refused as of no type at all.

What was declared is read from the upload request itself, what the server made of it from the
status it serves.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial.backends.mastodon import MastodonNetwork
from tests.images import png
from tests.mastodon.server_fixtures import local_server  # noqa: F401 - the server fixture
from tests.servers.mastodon import MastodonServer

from .media_checks import refused, uploads
from .test_media_type_from_bytes import MP4, declared, served_types, statuses

MIB = 1024 * 1024


@pytest.fixture
def net(server: MastodonServer) -> Iterator[MastodonNetwork]:
    conn = server.connect("alice")
    yield conn
    conn.close()


def padded(head: bytes, size: int) -> bytes:
    return head + b"\0" * (size - len(head))


def sparse(path: Path, head: bytes, size: int) -> Path:
    """A file of ``size`` bytes starting with ``head``, taking no disk where the file system allows holes."""
    with open(path, "wb") as file:
        file.write(head)
        file.truncate(size)
    return path


def test_a_png_named_as_a_video_is_measured_as_an_image(
    server: MastodonServer, net: MastodonNetwork, tmp_path: Path
) -> None:
    photo = sparse(tmp_path / "photo.mp4", png(), 12 * MIB)
    draft = ds.Draft(text="Spring sale", media=(ds.Media(kind="video", path=photo),))
    [planned] = ds.crosspost(draft, [net], dry_run=True).outcomes
    assert planned.error is None  # planning reads no file: the name and kind are all it has
    seen, before = uploads(net), statuses(server, net)
    with pytest.raises(ds.ContentRejected) as caught:
        net.publish(draft)
    assert "12,582,912 bytes, over this server's image limit of 10,485,760" in caught.value.message
    assert seen == []  # was uploaded whole, as image/png
    assert statuses(server, net) == before


def test_png_bytes_given_as_a_video_are_refused_while_planning(net: MastodonNetwork) -> None:
    seen = uploads(net)
    draft = ds.Draft(text="Spring sale", media=(ds.Media(kind="video", data=padded(png(), 12 * MIB)),))
    error = refused(net, draft)
    assert "12,582,912 bytes, over this server's image limit of 10,485,760" in error.message
    assert seen == []


def test_an_mp4_named_as_an_image_goes_up_as_the_video_it_is(
    server: MastodonServer, net: MastodonNetwork, tmp_path: Path
) -> None:
    clip = sparse(tmp_path / "clip.png", MP4, 12 * MIB)
    sent = declared(net)
    post = net.publish(ds.Draft(text="Spring sale", media=(ds.Media(kind="video", path=clip),)))
    assert sent == ["video/mp4"]  # was image/png
    assert served_types(server, post.id) == ["video"]  # was "image"


def test_mp4_bytes_given_without_a_type_are_measured_as_a_video(
    server: MastodonServer, net: MastodonNetwork
) -> None:
    draft = ds.Draft(text="Spring sale", media=(ds.Media(data=padded(MP4, 12 * MIB)),))  # kind "image"
    [planned] = ds.crosspost(draft, [net], dry_run=True).outcomes
    assert planned.error is None  # was "cannot tell the media's type"
    sent = declared(net)
    post = net.publish(draft)
    assert sent == ["video/mp4"]
    assert served_types(server, post.id) == ["video"]
    over = ds.Draft(text="Spring sale", media=(ds.Media(data=padded(MP4, 41 * MIB)),))
    assert "over this server's limit of 41,943,040" in refused(net, over).message
