"""The sandbox checks its 10 MiB attachment limit while planning, so a rehearsal fails where launch would.

``check_draft`` measures ``len(data)``, or a file's size by ``stat`` (no
file is read), and refuses a path that is no regular file: a dry run and
``Scheduler.schedule()`` refuse what publishing refuses. A file missing at
planning time is left to publishing, which says so (or, under a key that
already made the post, returns it).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial.backends.sandbox import SandboxNetwork
from decentsocial.backends.sandbox.media import MAX_MEDIA_BYTES
from decentsocial.scheduler import Scheduler

from .conftest import sandbox

OVER = MAX_MEDIA_BYTES + 1


@pytest.fixture
def big_file(tmp_path: Path) -> Path:
    path = tmp_path / "poster.png"
    with open(path, "wb") as file:
        file.truncate(OVER)  # sparse where the file system allows it
    return path


@pytest.fixture
def rehearsal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SandboxNetwork]:
    """The profile "rehearsal" (a sandbox file), as a campaign rehearses on it."""
    config = tmp_path / "config.toml"
    db = (tmp_path / "r.db").as_posix()
    config.write_text(f'[profiles.rehearsal]\nnetwork = "sandbox"\npath = "{db}"\naccount = "brand"\n')
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", str(config))
    net = ds.connect(profile="rehearsal")
    assert isinstance(net, SandboxNetwork)
    yield net
    net.close()


def _draft(*media: ds.Media) -> ds.Draft:
    return ds.Draft(text="Launch", media=media)


def test_check_draft_refuses_data_over_the_limit(alice: SandboxNetwork) -> None:
    small = ds.Media(data=b"\x89PNG\r\n\x1a\n")
    with pytest.raises(ds.ContentRejected, match=r"attachment 2 is 10,485,761 bytes, over the sandbox's"):
        alice.check_draft(_draft(small, ds.Media(data=b"\0" * OVER, mime_type="image/png")))
    alice.check_draft(_draft(small, ds.Media(data=b"\0" * MAX_MEDIA_BYTES, mime_type="image/png")))


def test_check_draft_refuses_a_file_over_the_limit_by_its_size(alice: SandboxNetwork, big_file: Path) -> None:
    with pytest.raises(ds.ContentRejected, match="10,485,761 bytes"):
        alice.check_draft(_draft(ds.Media(path=big_file)))


def test_check_draft_refuses_what_is_no_regular_file(alice: SandboxNetwork, tmp_path: Path) -> None:
    with pytest.raises(ds.ContentRejected, match="not a regular file"):
        alice.check_draft(_draft(ds.Media(path=tmp_path)))
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "pipe.png"
        os.mkfifo(fifo)
        with pytest.raises(ds.ContentRejected, match="not a regular file"):
            alice.check_draft(_draft(ds.Media(path=fifo)))


def test_a_missing_file_is_left_to_publishing(alice: SandboxNetwork, tmp_path: Path) -> None:
    draft = _draft(ds.Media(path=tmp_path / "nope.png"))
    alice.check_draft(draft)
    with pytest.raises(ds.ContentRejected, match="cannot read media file"):
        alice.publish(draft)


def test_the_dry_run_and_the_real_run_agree(alice: SandboxNetwork, big_file: Path, tmp_path: Path) -> None:
    for media in (ds.Media(path=big_file), ds.Media(data=b"\0" * OVER), ds.Media(path=tmp_path)):
        dry = ds.crosspost(_draft(media), [alice], dry_run=True)
        real = ds.crosspost(_draft(media), [alice])
        assert isinstance(dry.outcomes[0].error, ds.ContentRejected)
        assert isinstance(real.outcomes[0].error, ds.ContentRejected)
        assert real.outcomes[0].error.message == dry.outcomes[0].error.message
    assert list(alice.posts(limit=None)) == []


def test_schedule_refuses_an_attachment_over_the_limit_and_stores_nothing(
    rehearsal: SandboxNetwork, big_file: Path, tmp_path: Path
) -> None:
    at = datetime.now(timezone.utc) + timedelta(hours=1)
    with Scheduler(tmp_path / "campaign.db") as sched:
        for media in (ds.Media(path=big_file), ds.Media(data=b"\0" * OVER), ds.Media(path=tmp_path)):
            with pytest.raises(ds.ContentRejected, match="target 'rehearsal'"):
                sched.schedule(_draft(media), ["rehearsal"], at=at)
        assert sched.jobs() == []


def test_an_attachment_within_the_limit_is_published(tmp_path: Path) -> None:
    image = tmp_path / "banner.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    with sandbox(account="brand") as net:
        post = net.publish(_draft(ds.Media(path=image)))
    assert post.media[0].data == image.read_bytes()
    assert post.media[0].mime_type == "image/png"
