"""Media files are checked before they are read, and never read past the limit that applies.

``Media.read_bytes(max_bytes=…)`` refuses what is no regular file (a FIFO
would block, ``/dev/zero`` never ends), refuses a file whose size (by
``stat``) is over the limit without reading it, and reads at most
``max_bytes + 1`` bytes. The sandbox, Bluesky and Mastodon read files
through it with their own limits: a huge file used to be read whole into
memory before it was refused (1.5 GiB for a 10 MiB limit).
"""

from __future__ import annotations

import os
import threading
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from tests.images import png

MIB = 1024 * 1024
#: Peak Python memory allowed while refusing a file of ``HUGE`` bytes: far below its size.
BOUND = 4 * MIB
HUGE = 64 * MIB


@pytest.fixture
def huge(tmp_path: Path) -> Iterator[Path]:
    """A sparse file of 64 MiB (no disk is used where the file system allows holes)."""
    path = tmp_path / "promo_video.png"
    with open(path, "wb") as file:
        file.truncate(HUGE)
    yield path
    path.unlink()


def peak_while(call: Callable[[], Any]) -> tuple[BaseException | None, int]:
    """What ``call`` raised (or ``None``) and the peak memory Python allocated meanwhile."""
    tracemalloc.start()
    try:
        call()
    except BaseException as exc:
        raised: BaseException | None = exc
    else:
        raised = None
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return raised, peak


def ends_within(call: Callable[[], Any], seconds: float = 10) -> BaseException | None:
    """Run ``call`` on a daemon thread: what it raised, or fail if it has not ended in time (a FIFO)."""
    result: list[BaseException | None] = []

    def run() -> None:
        try:
            call()
        except BaseException as exc:
            result.append(exc)
        else:
            result.append(None)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert result, f"still blocked after {seconds} s"
    return result[0]


# ---------------------------------------------------------------- Media itself


def test_a_file_over_the_limit_is_refused_by_its_size_before_it_is_read(huge: Path) -> None:
    media = ds.Media(path=huge)
    assert media.byte_size() == HUGE
    raised, peak = peak_while(lambda: media.read_bytes(10 * MIB, network="sandbox"))
    assert isinstance(raised, ds.ContentRejected)
    assert f"{HUGE:,} bytes" in raised.message
    assert "sandbox's limit of 10,485,760 bytes" in raised.message
    assert raised.network == "sandbox"
    assert peak < BOUND


def test_a_file_within_the_limit_is_read_whole(tmp_path: Path) -> None:
    image = tmp_path / "banner.png"
    image.write_bytes(png(3, 3))
    media = ds.Media(path=image)
    assert media.read_bytes(len(png(3, 3))) == png(3, 3) == media.read_bytes()
    with pytest.raises(ds.ContentRejected, match="over the limit of 10 bytes"):
        media.read_bytes(10)
    with pytest.raises(ds.ContentRejected, match="media data is 4 bytes, over the limit of 3 bytes"):
        ds.Media(data=b"abcd").read_bytes(3)


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="needs Linux's /proc")
def test_no_more_than_max_bytes_plus_one_are_read_when_the_size_is_not_told() -> None:
    media = ds.Media(path="/proc/self/status")  # a regular file whose stat says 0 bytes
    with pytest.raises(ds.ContentRejected, match="is 11 bytes, over the limit of 10 bytes"):
        media.read_bytes(10)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_refused_at_once_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "banner.png"
    os.mkfifo(fifo)
    media = ds.Media(path=fifo)
    raised = ends_within(lambda: media.read_bytes(10 * MIB))
    assert isinstance(raised, ds.ContentRejected)
    assert "not a regular file" in raised.message
    with pytest.raises(ds.ContentRejected, match="not a regular file"):
        media.byte_size()


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_device_is_refused_without_reading_it() -> None:
    media = ds.Media(path="/dev/zero")
    raised, peak = peak_while(lambda: media.read_bytes(10 * MIB))
    assert isinstance(raised, ds.ContentRejected)
    assert "not a regular file" in raised.message
    assert peak < BOUND
    raised = ends_within(media.read_bytes)  # no limit given: still refused, not read forever
    assert isinstance(raised, ds.ContentRejected)


def test_a_directory_is_refused_and_a_missing_file_has_no_size_yet(tmp_path: Path) -> None:
    with pytest.raises(ds.ContentRejected, match="not a regular file"):
        ds.Media(path=tmp_path).read_bytes(10)
    missing = ds.Media(path=tmp_path / "gone.png")
    assert missing.byte_size() is None  # publishing says so (or finds the post its key made)
    with pytest.raises(ds.ContentRejected, match="cannot read media file"):
        missing.read_bytes(10)


# ---------------------------------------------------------------- the backends that read files


def test_the_sandbox_refuses_a_huge_file_without_reading_it(huge: Path) -> None:
    with ds.connect("sandbox", account="brand") as net:
        draft = ds.Draft(text="video", media=(ds.Media(kind="video", path=huge),))
        raised, peak = peak_while(lambda: net.publish(draft))
        assert isinstance(raised, ds.ContentRejected)
        assert "10,485,760" in raised.message
        assert peak < BOUND
        assert list(net.posts(limit=None)) == []


def test_the_sandbox_reads_at_most_its_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from decentsocial.backends.sandbox import media as sandbox_media

    image = tmp_path / "banner.png"
    image.write_bytes(b"x" * 100)
    reads: list[int | None] = []
    original = ds.Media.read_bytes

    def spy(self: ds.Media, max_bytes: int | None = None, **kwargs: Any) -> bytes:
        reads.append(max_bytes)
        return original(self, max_bytes, **kwargs)

    monkeypatch.setattr(ds.Media, "read_bytes", spy)
    with ds.connect("sandbox", account="brand") as net:
        net.publish(ds.Draft(text="banner", media=(ds.Media(path=image),)))
    assert reads == [sandbox_media.MAX_MEDIA_BYTES]


def test_bluesky_refuses_a_huge_image_file_without_reading_it(huge: Path) -> None:
    media = pytest.importorskip("decentsocial.backends.bluesky.media")
    raised, peak = peak_while(lambda: media.prepare_images((ds.Media(path=huge),), network="bluesky"))
    assert isinstance(raised, ds.ContentRejected)
    assert "over Bluesky's limit of 1,000,000 bytes" in raised.message
    assert peak < BOUND


@pytest.fixture
def mastodon() -> Iterator[Any]:
    pytest.importorskip("mastodon")
    net = ds.connect("mastodon", base_url="http://127.0.0.1:9", access_token="not-used", allow_http=True)
    yield net
    net.close()


def test_mastodon_reads_no_more_than_the_instance_allows(mastodon: Any, huge: Path) -> None:
    # The instance document the checks read (no request is made for it here).
    limits = {"image_size_limit": 16 * MIB, "video_size_limit": 40 * MIB}
    mastodon._instance = {"configuration": {"media_attachments": limits}}
    raised, peak = peak_while(lambda: mastodon._media_bytes(ds.Media(kind="video", path=huge)))
    assert isinstance(raised, ds.ContentRejected)
    assert "over mastodon's limit of 41,943,040 bytes" in raised.message
    assert peak < BOUND


def test_mastodon_refuses_a_file_over_the_instance_limit_when_the_draft_is_checked(
    mastodon: Any, huge: Path
) -> None:
    # A dry run (crosspost plan, schedule) checks the draft only: the size is known from the file.
    mastodon._instance = {"configuration": {"media_attachments": {"image_size_limit": 16 * MIB}}}
    draft = ds.Draft(text="launch", media=(ds.Media(kind="video", path=huge),))
    raised, peak = peak_while(lambda: mastodon.check_draft(draft))
    assert isinstance(raised, ds.ContentRejected)
    assert f"of {huge.stat().st_size:,} bytes, over this server's limit of 16,777,216" in raised.message
    assert peak < BOUND
    small = ds.Draft(text="launch", media=(ds.Media(data=png()),))
    mastodon.check_draft(small)  # within the limit: no error, and no request (the server is port 9)


def test_mastodon_caps_a_file_when_the_instance_limits_are_unknown(
    mastodon: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from decentsocial.backends.mastodon import compose
    from decentsocial.backends.mastodon import network as mastodon_network

    assert mastodon._instance is None
    assert compose.MAX_UPLOAD_BYTES == 512 * MIB
    monkeypatch.setattr(mastodon_network, "MAX_UPLOAD_BYTES", 1000)
    image = tmp_path / "banner.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 2000)
    with pytest.raises(ds.ContentRejected, match="over mastodon's limit of 1,000 bytes"):
        mastodon._media_bytes(ds.Media(path=image))
    image.write_bytes(png())
    assert mastodon._media_bytes(ds.Media(path=image)) == (png(), "image/png")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_mastodon_refuses_a_fifo_at_once(mastodon: Any, tmp_path: Path) -> None:
    fifo = tmp_path / "clip.mp4"
    os.mkfifo(fifo)
    raised = ends_within(lambda: mastodon._media_bytes(ds.Media(kind="video", path=fifo)))
    assert isinstance(raised, ds.ContentRejected)
