"""A PDS whose answer to a write names something else than was written: another record (repo,
collection or key) or no CID from ``createRecord``/``getRecord``, or from ``uploadBlob`` a blob of
other bytes, size or type than the image sent. Kept, the ``Post`` returned would name a record
never written (later liked, replied to, deleted under that id), or the post would embed a blob
that shows something else or nothing while the publish seemed to succeed. Offline, on the
loopback hostile server.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

import decentsocial as ds
from decentsocial.backends.bluesky import BlueskyNetwork
from decentsocial.backends.bluesky.ids import POST, tid_for_key

from .conftest import make_png
from .hostile import DID, HostileServer, hostile_server, send_json

KEY = "hostile-answers-1"
RKEY = tid_for_key(f"{DID}/{POST}", KEY)
WRITTEN = f"at://{DID}/{POST}/{RKEY}"
CID = "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"
PNG = make_png(6, 4)


def raw_cid(data: bytes) -> str:
    """A blob's CID computed here on its own (multibase base32 of CIDv1, raw codec, sha2-256)."""
    import base64

    digest = b"\x01\x55\x12\x20" + hashlib.sha256(data).digest()
    return "b" + base64.b32encode(digest).decode().lower().rstrip("=")


def not_found(handler: Any) -> None:
    send_json(handler, {"error": "RecordNotFound", "message": "Could not locate record"}, status=400)


def answering(body: dict[str, Any]) -> Any:
    return lambda handler: send_json(handler, body)


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with hostile_server() as running:
        running.routes["com.atproto.repo.getRecord"] = not_found
        yield running


def creates(server: HostileServer) -> int:
    return sum("com.atproto.repo.createRecord" in path for path in server.paths)


# ---------------------------------------------------------------- createRecord / getRecord


@pytest.mark.parametrize(
    "uri",
    [
        f"at://did:plc:someoneelse0000000000000/{POST}/{RKEY}",  # another repo
        f"at://{DID}/app.bsky.feed.like/{RKEY}",  # another collection
        f"at://{DID}/{POST}/3kanotherkey2",  # another record key
        "not an at-uri",
    ],
)
def test_a_create_answer_naming_another_record_is_refused(
    server: HostileServer, net: BlueskyNetwork, uri: str
) -> None:
    server.routes["com.atproto.repo.createRecord"] = answering({"uri": uri, "cid": CID})
    with pytest.raises(ds.NetworkUnavailable, match="another createRecord answer than asked for"):
        net.publish(ds.Draft(text="hello", idempotency_key=KEY))


@pytest.mark.parametrize("cid", [None, "", "not a cid", "bafy", 42])
def test_a_create_answer_without_a_cid_is_refused(
    server: HostileServer, net: BlueskyNetwork, cid: object
) -> None:
    answer: dict[str, Any] = {"uri": WRITTEN}
    if cid is not None:
        answer["cid"] = cid
    server.routes["com.atproto.repo.createRecord"] = answering(answer)
    with pytest.raises(ds.NetworkUnavailable, match="cid is missing or no CID"):
        net.publish(ds.Draft(text="hello", idempotency_key=KEY))


def test_a_create_answer_naming_the_record_written_is_taken(
    server: HostileServer, net: BlueskyNetwork
) -> None:
    server.routes["com.atproto.repo.createRecord"] = answering({"uri": WRITTEN, "cid": CID})
    post = net.publish(ds.Draft(text="hello", idempotency_key=KEY))
    assert post.id == WRITTEN
    assert post.raw is not None
    assert post.raw["cid"] == CID


def test_a_garbled_create_answer_is_settled_by_the_record_itself(
    server: HostileServer, net: BlueskyNetwork
) -> None:
    """The record at the key written decides, as after a lost answer: found, it is the post."""
    server.routes["com.atproto.repo.createRecord"] = answering({"uri": "at://elsewhere", "cid": "x"})
    calls: list[str] = []

    def get_record(handler: Any) -> None:
        query = parse_qs(urlsplit(handler.path).query)
        calls.append(query["rkey"][0])
        if len(calls) == 1:  # the idempotency key's lookup before the write: nothing there yet
            not_found(handler)
            return
        uri = f"at://{query['repo'][0]}/{query['collection'][0]}/{query['rkey'][0]}"
        value = {"$type": POST, "text": "hello", "createdAt": "2026-01-01T00:00:00.000Z"}
        send_json(handler, {"uri": uri, "cid": CID, "value": value})

    server.routes["com.atproto.repo.getRecord"] = get_record
    post = net.publish(ds.Draft(text="hello", idempotency_key=KEY))
    assert post.id == WRITTEN
    assert calls == [RKEY, RKEY]
    assert creates(server) == 1


def test_a_record_lookup_answering_with_another_record_is_refused(
    server: HostileServer, net: BlueskyNetwork
) -> None:
    """A retried publish finds its post by the key's record: one naming another post is not it."""
    value = {"$type": POST, "text": "hello", "createdAt": "2026-01-01T00:00:00.000Z"}
    server.routes["com.atproto.repo.getRecord"] = answering(
        {"uri": f"at://did:plc:someoneelse0000000000000/{POST}/{RKEY}", "cid": CID, "value": value}
    )
    with pytest.raises(ds.NetworkUnavailable, match="another record than asked for"):
        net.publish(ds.Draft(text="hello", idempotency_key=KEY))
    assert creates(server) == 0


def test_a_like_whose_create_answer_names_another_record_is_refused(
    server: HostileServer, net: BlueskyNetwork
) -> None:
    target = f"at://{DID}/{POST}/3kaliketarget"
    value = {"$type": POST, "text": "mine", "createdAt": "2026-01-01T00:00:00.000Z"}

    def get_record(handler: Any) -> None:
        query = parse_qs(urlsplit(handler.path).query)
        if query["collection"][0] == POST:  # the liked post (this account's own)
            send_json(handler, {"uri": target, "cid": CID, "value": value})
        else:
            not_found(handler)

    server.routes["com.atproto.repo.getRecord"] = get_record
    server.routes["com.atproto.repo.createRecord"] = answering({"uri": target, "cid": CID})
    with pytest.raises(ds.NetworkUnavailable, match="another createRecord answer than asked for"):
        net.like(target)


# ---------------------------------------------------------------- uploadBlob


def image_draft() -> ds.Draft:
    return ds.Draft(text="a picture", media=(ds.Media(data=PNG, kind="image", alt_text="a test card"),))


def blob(cid: str, mime: str = "image/png", size: object = len(PNG)) -> dict[str, Any]:
    return {"$type": "blob", "ref": {"$link": cid}, "mimeType": mime, "size": size}


@pytest.mark.parametrize(
    "answer",
    [
        blob(raw_cid(b"other bytes")),  # another blob
        blob(raw_cid(PNG), size=len(PNG) + 1),  # another size
        blob(raw_cid(PNG), size=str(len(PNG))),
        blob("not-a-cid"),
        {"$type": "blob", "mimeType": "image/png", "size": len(PNG)},  # no ref: the post would show nothing
        blob(raw_cid(PNG), mime="application/pdf"),  # stored as a document
        blob(raw_cid(PNG), mime=""),
    ],
)
def test_an_upload_answered_with_another_blob_writes_no_post(
    server: HostileServer, net: BlueskyNetwork, answer: dict[str, Any]
) -> None:
    server.routes["com.atproto.repo.uploadBlob"] = answering({"blob": answer})
    server.routes["com.atproto.repo.createRecord"] = answering({"uri": WRITTEN, "cid": CID})
    with pytest.raises(ds.NetworkUnavailable, match="uploadBlob answer"):
        net.publish(image_draft())
    assert creates(server) == 0


def test_an_upload_the_server_typed_as_another_image_type_is_embedded_as_it_says(
    server: HostileServer, net: BlueskyNetwork
) -> None:
    """A PDS names the type it sniffed; the record must carry that one (it checks it), not ours."""
    stored = blob(raw_cid(PNG), mime="image/webp")
    server.routes["com.atproto.repo.uploadBlob"] = answering({"blob": stored})
    server.routes["com.atproto.repo.createRecord"] = answering({"uri": WRITTEN, "cid": CID})
    post = net.publish(image_draft().model_copy(update={"idempotency_key": KEY}))
    assert post.raw is not None
    images = post.raw["record"]["embed"]["images"]
    assert images[0]["image"] == stored
    assert images[0]["aspectRatio"] == {"width": 6, "height": 4}
