"""A media file whose name is not valid UTF-8 is a typed ``InvalidInput`` when the ``Media`` is made.

Such a name (bytes in another encoding, as ``os.fsdecode`` gives them with
lone surrogates) cannot go into the JSON a draft is kept as (a scheduled
job, an idempotency digest): publishing it used to end in a raw pydantic
serialisation error. The message shows the name by a safe ``repr`` of its
bytes and says to rename the file; any valid UTF-8 name still works.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial.idempotency import draft_digest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file names are bytes")

LATIN1_NAME = b"affiche_\xe9t\xe9.png"  # 'affiche_été.png' written in Latin-1


@pytest.fixture
def latin1_file(tmp_path: Path) -> Path:
    raw = os.fsencode(tmp_path) + b"/" + LATIN1_NAME
    with open(raw, "wb") as file:
        file.write(b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    return Path(os.fsdecode(raw))


def test_media_with_a_non_utf8_name_is_invalid_input_naming_the_file(latin1_file: Path) -> None:
    with pytest.raises(ds.InvalidInput) as caught:
        ds.Media(path=latin1_file, alt_text="Affiche d'été")
    message = caught.value.message
    assert repr(LATIN1_NAME)[2:-1] in message  # the bytes, escaped: b'…affiche_\xe9t\xe9.png'
    assert "UTF-8" in message
    assert "rename" in message
    message.encode("utf-8")  # the message itself is printable text (no lone surrogate)


def test_a_draft_given_such_a_media_as_a_mapping_is_refused_too(latin1_file: Path) -> None:
    with pytest.raises(ds.InvalidInput, match="rename"):
        ds.Draft(text="Soldes d'été", media=[{"path": latin1_file}])
    with pytest.raises(ds.InvalidInput, match="rename"):
        ds.Draft(text="Soldes", link=ds.LinkCard(url="https://acme.example", thumbnail={"path": latin1_file}))


def test_a_utf8_name_with_accents_and_arabic_serialises_and_publishes(tmp_path: Path) -> None:
    image = tmp_path / "affiche_été_ملصق.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    draft = ds.Draft(text="Soldes d'été", media=(ds.Media(path=image),), idempotency_key="soldes")
    assert draft_digest(draft)  # a job and a keyed publish keep the draft as JSON
    with ds.connect("sandbox", account="brand") as net:
        post = net.publish(draft)
        assert post.media[0].data == image.read_bytes()
