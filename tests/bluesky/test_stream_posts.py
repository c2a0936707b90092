"""Posts read from repo records: the firehose's (decoded CBOR) and JSON ones alike."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import decentsocial as ds
from decentsocial.backends.bluesky import BlueskyNetwork
from decentsocial.backends.bluesky.convert import post_from_record
from tests.contract.harness import Harness
from tests.servers.bluesky import BlueskyStack

from .conftest import connect_bluesky, make_png
from .proxy import FaultProxy

DID = "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"
URI = f"at://{DID}/app.bsky.feed.post/3n3wwec2nclau"
CID = "bafkreidy253tkqbdo4dd26prq2jmmxy66fvf5xs7tj57m3kclao5mqinkq"


def _read(net: BlueskyNetwork, got: list[ds.Post], word: str, tag: str | None = None) -> threading.Thread:
    """Read ``net.stream(tag=tag)`` on a thread, keeping the posts whose text has ``word``."""
    stream = net.stream(tag=tag)

    def read() -> None:
        for post in stream:
            if word in post.text:
                got.append(post)

    reading = threading.Thread(target=read, daemon=True)
    reading.start()
    return reading


def _until(got: list[ds.Post], count: int, timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while len(got) < count and time.monotonic() < end:
        time.sleep(0.1)
    return len(got) >= count


def test_the_firehose_keeps_a_posts_images_alt_text_and_aspect_ratio(
    make_account: Callable[..., Any],
) -> None:
    reader = make_account("watcher")[0]
    writer = make_account("painter")[0]
    word = Harness.unique("pictured")
    got: list[ds.Post] = []
    reading = _read(reader, got, word)
    image = ds.Media(kind="image", data=make_png(40, 20), alt_text="صورة 🌅")
    sent = None
    for _ in range(3):  # the subscription may still be connecting: publish until one comes through
        sent = writer.publish(ds.Draft(text=f"{word} with a picture", media=(image,)))
        if _until(got, 1):
            break
    reader.close()
    reading.join(timeout=10)
    assert got, "no post came through the firehose"
    assert sent is not None
    [media] = got[0].media
    assert (media.kind, media.alt_text, media.width, media.height) == ("image", "صورة 🌅", 40, 20)
    assert media.url == sent.media[0].url
    assert "cid=bafkrei" in (media.url or "")


def test_a_tagged_stream_looks_up_only_the_authors_of_tagged_posts(
    stack: BlueskyStack, make_account: Callable[..., Any]
) -> None:
    # Every post of a relay goes by: an author lookup for each would be a request per new author.
    _, handle, password = make_account("tagwatch")
    writers = [make_account(f"chatter{i}")[0] for i in range(4)]
    word = tag = Harness.unique("tagged")
    proxy = FaultProxy(upstream_port=int(stack.pds_url.rsplit(":", 1)[1]))
    reader = connect_bluesky(
        base_url=proxy.url, handle=handle, password=password, pin_base_url=True, firehose_url=stack.pds_url
    )
    got: list[ds.Post] = []
    reading = _read(reader, got, word, tag=tag)
    try:
        for _ in range(3):  # the subscription may still be connecting: publish until one comes through
            for writer in writers[:-1]:
                writer.publish(f"{word} without the tag")
            writers[-1].publish(f"with #{tag}")
            if _until(got, 1):
                break
    finally:
        reader.close()
        reading.join(timeout=10)
        proxy.close()
    assert got
    assert all(tag in post.tags for post in got)
    lookups = [path for path in proxy.paths if "app.bsky.actor.getProfile" in path]
    assert len(lookups) == 1, lookups


def test_a_video_in_a_record_is_media() -> None:
    record = {
        "$type": "app.bsky.feed.post",
        "text": "clip",
        "createdAt": "2026-01-01T00:00:00Z",
        "embed": {
            "$type": "app.bsky.embed.video",
            "video": {"$type": "blob", "ref": {"$link": CID}, "mimeType": "video/mp4", "size": 5},
            "alt": "a clip",
            "aspectRatio": {"width": 16, "height": 9},
        },
    }
    author = ds.Account(network="bluesky", id=DID, handle="a.test")
    post = post_from_record(URI, None, record, author, web_url="https://bsky.app", blob_base="https://pds")
    [media] = post.media
    assert (media.kind, media.mime_type, media.alt_text, media.width, media.height) == (
        "video",
        "video/mp4",
        "a clip",
        16,
        9,
    )
    assert media.url == f"https://pds/xrpc/com.atproto.sync.getBlob?did=did%3Aplc%3A{DID[8:]}&cid={CID}"
