"""An attachment of a type the instance does not take is refused while planning (local server).

The instance document announces ``configuration.media_attachments.supported_mime_types`` (the
local server: JPEG, PNG, GIF, WebP and MP4). The backend did not read it, so a PDF given as
``Media(mime_type="application/pdf")`` planned ``ok`` (a dry run, ``Scheduler.schedule``) and was
uploaded at launch time, where Mastodon refuses it (a 422, after the other attachments went up).
A type that is known (``Media.mime_type``, or sniffed from ``Media.data``) and not listed is now
``ContentRejected`` by ``check_draft``, naming the type and the attachment's number. A file's name
alone proves nothing, and an instance that lists no types is left to decide.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

import decentsocial as ds
from decentsocial.backends.mastodon import MastodonNetwork
from decentsocial.backends.mastodon.compose import InstanceLimits
from tests.images import png
from tests.mastodon.server_fixtures import local_server  # noqa: F401 - the server fixture
from tests.servers.mastodon import MastodonServer

from .media_checks import refused, uploads

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
#: The first bytes of a lossless WebP (RIFF, WEBP, a VP8L chunk): what a WebP is told by.
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"


def statuses(server: MastodonServer, net: MastodonNetwork) -> int:
    """How many statuses the account has, read with plain HTTP (not through the backend)."""
    answer = httpx.get(f"{server.base_url}/api/v1/accounts/{net.me().id}/statuses", timeout=5)
    answer.raise_for_status()
    return len(answer.json())


def serve_instance(server: MastodonServer, change: Any) -> None:
    """Answer ``GET /api/v2/instance`` with the server's own document, changed by ``change``."""
    answer = httpx.get(f"{server.base_url}/api/v2/instance", timeout=5)
    answer.raise_for_status()
    document = answer.json()
    change(document["configuration"]["media_attachments"])
    server.add_fault(
        {
            "match": {"methods": ["GET"], "path_regex": "^/api/v2/instance/?$"},  # Mastodon.py adds a /
            "effect": {"type": "status", "status": 200, "body": document},
        }
    )


def test_a_declared_type_the_instance_does_not_take_is_refused_while_planning(
    server: MastodonServer,
) -> None:
    net = server.connect("alice")
    supported = net.instance()["configuration"]["media_attachments"]["supported_mime_types"]
    assert "application/pdf" not in supported
    assert "image/png" in supported
    before, seen = statuses(server, net), uploads(net)
    media = (ds.Media(data=png(), alt_text="the banner"), ds.Media(data=PDF, mime_type="application/pdf"))
    error = refused(net, ds.Draft(text="Spring sale: the flyer", media=media))
    assert "attachment 2 is of type 'application/pdf', which this server does not take" in error.message
    avif = ds.Media(data=b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf", mime_type="image/avif")
    error = refused(net, ds.Draft(text="Spring sale", media=(avif,)))
    assert "attachment 1 is of type 'image/avif'" in error.message
    assert seen == []  # not even the PNG before it was uploaded
    assert statuses(server, net) == before


def test_a_type_sniffed_from_the_bytes_is_checked_too(server: MastodonServer) -> None:
    serve_instance(server, lambda media: media["supported_mime_types"].remove("image/webp"))
    net = server.connect("alice")
    seen = uploads(net)
    error = refused(net, ds.Draft(text="Spring sale", media=(ds.Media(data=WEBP),)))
    assert "attachment 1 is of type 'image/webp'" in error.message
    assert seen == []


def test_types_the_instance_takes_and_unknown_ones_still_plan(server: MastodonServer, tmp_path: Path) -> None:
    net = server.connect("alice")
    flyer = tmp_path / "flyer.pdf"  # a name is no type: the bytes are read only when publishing
    flyer.write_bytes(png())
    media = (
        ds.Media(data=png(), mime_type="IMAGE/PNG"),  # a MIME type is case-insensitive
        ds.Media(data=png(), mime_type="image/png; charset=binary"),
        ds.Media(path=flyer),
        ds.Media(path=tmp_path / "later.bin"),  # written only before the post goes out
    )
    [planned] = ds.crosspost(ds.Draft(text="Spring sale", media=media), [net], dry_run=True).outcomes
    assert planned.error is None, planned.error
    post = net.publish(ds.Draft(text="Spring sale", media=media[:2]))
    assert len(post.media) == 2


def test_an_instance_that_lists_no_types_is_left_to_decide(server: MastodonServer) -> None:
    serve_instance(server, lambda media: media.pop("supported_mime_types"))
    net = server.connect("alice")
    assert net.limits().supported_mime_types is None
    draft = ds.Draft(text="Spring sale", media=(ds.Media(data=PDF, mime_type="application/pdf"),))
    [planned] = ds.crosspost(draft, [net], dry_run=True).outcomes
    assert planned.error is None, planned.error
    for listed in (None, [], "image/png", [1, 2]):  # no list, an empty one, not a list
        assert InstanceLimits.from_instance(_media_config(listed)).supported_mime_types is None
    announced = InstanceLimits.from_instance(_media_config(["Image/PNG", ""])).supported_mime_types
    assert announced == frozenset({"image/png"})


def _media_config(listed: Any) -> dict[str, Any]:
    return {"configuration": {"media_attachments": {"supported_mime_types": listed}}}
