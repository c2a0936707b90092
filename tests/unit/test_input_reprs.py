"""The repr of a model a caller builds (a draft, its media) is short: long text is cut and a file's bytes
are counted, since reprs end up in log lines. Before, a draft with a 5 MB image had a 5 MB repr."""

from __future__ import annotations

import decentsocial as ds

IMAGE = b"\x89PNG\r\n\x1a\n" + b"\x00" * 5_000_000


def test_a_draft_with_long_text_and_a_large_file_has_a_short_repr() -> None:
    text = "مرحبا بالعالم 👋🏽 " * 5_000
    draft = ds.Draft(text=text, media=[ds.Media(data=IMAGE, mime_type="image/png", alt_text="شعار")])
    shown = repr(draft)
    assert len(shown) < 2_000
    assert f"<{len(IMAGE)} bytes>" in shown
    assert text[:20] in shown  # the start of the text is still there to recognise it
    assert "alt_text='شعار'" in shown


def test_short_values_are_shown_as_they_are() -> None:
    media = ds.Media(url="https://example.com/a.png", alt_text="a logo")
    assert repr(media) == (
        "Media(kind='image', path=None, data=None, url='https://example.com/a.png', mime_type=None,"
        " alt_text='a logo', width=None, height=None)"
    )
    assert "text='launch day'" in repr(ds.Draft(text="launch day"))
