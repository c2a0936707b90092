"""Mastodon's dry run refuses the attachments publishing refuses, by the instance's own limits.

The instance document announces an ``image_size_limit`` and a larger
``video_size_limit`` (the local server: 10 MiB and 40 MiB; Mastodon's
defaults are 16 and 99 MiB). Planning measured every attachment against the
larger one, so a 12 MiB PNG planned ``ok`` (a dry run, ``Scheduler.schedule``)
and was uploaded whole at launch time, where Mastodon refuses an image over
its limit. Bytes given as ``data`` whose type cannot be told, and an empty
attachment, also planned ``ok`` and failed only when published. A file is
still measured by ``stat`` and its bytes are read only when publishing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from decentsocial.backends.mastodon import MastodonNetwork
from tests.images import png
from tests.servers.mastodon import MastodonServer

from .media_checks import refused, uploads

MIB = 1024 * 1024


@pytest.fixture
def net(mastodon_server: MastodonServer) -> Iterator[MastodonNetwork]:
    conn = mastodon_server.connect("alice")
    yield conn
    conn.close()


def sparse(path: Path, size: int) -> Path:
    """A file of ``size`` bytes taking no disk where the file system allows holes."""
    with open(path, "wb") as file:
        file.write(png())
        file.truncate(size)
    return path


def test_an_image_over_the_image_limit_is_refused_while_planning(
    net: MastodonNetwork, tmp_path: Path
) -> None:
    limits: dict[str, Any] = net.instance()["configuration"]["media_attachments"]
    assert limits["image_size_limit"] == 10 * MIB < limits["video_size_limit"]
    seen = uploads(net)
    banner = sparse(tmp_path / "banner.png", 12 * MIB)
    error = refused(net, ds.Draft(text="Spring sale", media=(ds.Media(path=banner),)))
    assert "12,582,912 bytes, over this server's image limit of 10,485,760" in error.message
    assert seen == []  # nothing was uploaded


def test_bytes_given_without_a_type_that_can_be_told_are_refused_while_planning(
    net: MastodonNetwork,
) -> None:
    seen = uploads(net)
    error = refused(net, ds.Draft(text="Spring sale", media=(ds.Media(data=b"\0\0\0 not an image"),)))
    assert "cannot tell the media's type" in error.message
    error = refused(net, ds.Draft(text="Spring sale", media=(ds.Media(data=b"", mime_type="image/png"),)))
    assert "media is empty" in error.message
    assert seen == []


def test_an_empty_file_is_refused_while_planning(net: MastodonNetwork, tmp_path: Path) -> None:
    empty = tmp_path / "banner.png"
    empty.write_bytes(b"")
    assert "media is empty" in refused(net, ds.Draft(text="x", media=(ds.Media(path=empty),))).message


def test_what_the_instance_takes_still_plans_and_publishes(net: MastodonNetwork, tmp_path: Path) -> None:
    clip = sparse(tmp_path / "clip.mp4", 12 * MIB)  # a video may be larger than an image
    gif = sparse(tmp_path / "dance.gif", 12 * MIB)  # an animated GIF becomes a video
    draft = ds.Draft(
        text="Spring sale", media=(ds.Media(kind="video", path=clip), ds.Media(kind="gif", path=gif))
    )
    [planned] = ds.crosspost(draft, [net], dry_run=True).outcomes
    assert planned.error is None
    small = net.publish(ds.Draft(text="Spring sale", media=(ds.Media(data=png(), alt_text="a banner"),)))
    assert [m.alt_text for m in small.media] == ["a banner"]
