"""Posts shown as text carry their content warning and their media; a ``--variant`` names a network of
its targets.

``timeline``, ``search``, ``thread``, ``account --posts``, ``edit`` and ``monitor`` printed a post's
text alone: one made with ``--cw food --image …`` showed as bare text, so a brand reviewing its
timeline in a terminal could not see it was behind a warning or had images (or which had no
description). The warning and the descriptions are a stranger's text, made safe as the post's is.
``schedule --variant bluesky=…`` for profiles on other networks passed the first check ("or a
network's name"), made the store, then failed with another message and status 1.
"""

from __future__ import annotations

import json
import time
from collections import Counter, deque
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

import decentsocial as ds
from tests.cli import _helpers as helpers
from tests.cli._helpers import made, refused, sandbox_profile

PNG = b"\x89PNG\r\n\x1a\n"
FSI, PDI = "\u2068", "\u2069"


@pytest.fixture
def home(home: Path) -> Path:
    """The folder with profile ``brand`` (a sandbox at ``s.db``), and two images."""
    (home / "a.png").write_bytes(PNG)
    (home / "b.png").write_bytes(PNG)
    return home


def invoke(home: Path, *args: str) -> Any:
    result = helpers.invoke(home, *args)
    assert result.exit_code == 0, result.output
    return result


def posted(home: Path, *args: str) -> str:
    """``post`` with ``args`` as brand; the new post's id."""
    result = invoke(home, "post", *args, "--to", "brand", "--json")
    (target,) = json.loads(result.stdout)["targets"]
    return str(target["posts"][0]["id"])


def test_every_command_showing_posts_shows_the_warning_and_the_media(home: Path) -> None:
    post_id = posted(
        home, "Our new menu\nis out", "--cw", "food", "--image", str(home / "a.png"),
        "--image", str(home / "b.png"), "--alt", "A bowl of ramen",
    )  # fmt: skip
    expected = ["  CW: food", "  Our new menu", "  is out", '  [2 images] alt: "A bowl of ramen"']
    for args in (["timeline"], ["search", "menu"], ["thread", post_id], ["account", "--posts", "3"]):
        shown = invoke(home, *args, "-p", "brand")
        assert helpers.post_body(shown.stdout, post_id) == expected, (args, shown.stdout)


def test_a_plain_post_is_shown_as_before_and_one_of_images_only_is_marked(home: Path) -> None:
    post_id = posted(home, "plain words")
    assert helpers.post_body(invoke(home, "timeline", "-p", "brand").stdout, post_id) == ["  plain words"]
    only_image = posted(home, "", "--image", str(home / "a.png"))  # no text, no description
    shown = invoke(home, "timeline", "-p", "brand").stdout
    assert helpers.post_body(shown, only_image) == ["  ", "  [1 image]"]


def test_json_output_is_unchanged(home: Path) -> None:
    posted(home, "menu", "--cw", "food", "--image", str(home / "a.png"), "--alt", "ramen")
    (post,) = json.loads(invoke(home, "timeline", "-p", "brand", "--json").stdout)
    assert set(post) == (set(ds.Post.model_fields) - {"raw"}) | {"target"}
    assert post["content_warning"] == "food"
    assert post["text"] == "menu"
    assert [(m["kind"], m["alt_text"]) for m in post["media"]] == [("image", "ramen")]


def strangers_post(home: Path) -> ds.Post:
    """A post by another account of brand's sandbox, its warning and descriptions hostile: an escape
    sequence (window title, clear screen), a bidi override, line breaks, an Arabic description."""
    with ds.connect("sandbox", path=home / "s.db", account="fan") as fan:
        return fan.publish(
            ds.Draft(
                text="hello acme",
                content_warning="\x1b]0;owned\x07spoil\u202eers\nsecond line\x1b[2J",
                media=(
                    ds.Media(kind="image", data=PNG, alt_text="\x1b[31mred\x1b[0m cat\n\u202eevil"),
                    ds.Media(kind="video", data=b"\x00\x00\x00\x18ftypmp42", alt_text="مرحبا بكم"),
                    ds.Media(kind="image", data=PNG),
                ),
            )
        )


def test_a_strangers_warning_and_descriptions_cannot_drive_the_terminal(home: Path) -> None:
    post = strangers_post(home)
    for args in (["search", "acme"], ["thread", post.id]):
        shown = invoke(home, *args, "-p", "brand").stdout
        assert helpers.post_body(shown, post.id) == [
            "  CW: spoilers second line",
            "  hello acme",
            f'  [2 images, 1 video] alt: "red cat evil" · "{FSI}مرحبا بكم{PDI}"',
        ], shown
        assert not {"\x1b", "\x07", "\u202e"} & set(shown)


def test_a_long_warning_and_descriptions_are_cut(home: Path) -> None:
    alts = [f"picture {i} " + "x" * 80 for i in range(4)]
    with ds.connect("sandbox", path=home / "s.db", account="fan") as fan:
        post = fan.publish(
            ds.Draft(
                text="many",
                content_warning="w" * 500,
                media=tuple(ds.Media(kind="image", data=PNG, alt_text=alt) for alt in alts),
            )
        )
    warning, _, media = helpers.post_body(invoke(home, "search", "many", "-p", "brand").stdout, post.id)
    assert warning == "  CW: " + "w" * 119 + "…"
    assert media.startswith('  [4 images] alt: "picture 0 xxx')
    shown = media.split('"')[1::2]
    assert [s[:9] for s in shown] == ["picture 0", "picture 1", "picture 2"]  # three shown, then "…"
    assert all(len(s) == 50 and s.endswith("…") for s in shown)
    assert media.endswith('" · …')


def test_edit_shows_the_post_as_it_is_now_with_its_warning(home: Path) -> None:
    post_id = posted(home, "first words")
    edited = invoke(home, "edit", post_id, "better words", "--cw", "spoilers", "-p", "brand")
    assert edited.stdout.splitlines()[1:] == ["  CW: spoilers", "  better words"]


def test_monitor_lines_and_live_view_show_the_warning_and_the_media(home: Path) -> None:
    from decentsocial.monitor_cli import _view, post_line

    post = strangers_post(home)
    line = post_line(post)
    assert line.endswith("@fan: [CW: spoilers second line] hello acme [2 images, 1 video]"), line
    assert not {"\x1b", "\u202e"} & set(line)
    console = Console(record=True, width=200, emoji=False)
    console.print(_view(deque([post]), Counter(sandbox=1), time.monotonic()))
    assert "[CW: spoilers second line] hello acme [2 images, 1 video]" in console.export_text()
    watched = helpers.invoke(home, "monitor", "-k", "acme", "-p", "brand", "--since", "1h", "--for", "1s")
    assert watched.exit_code == 0, watched.output
    assert watched.stdout.splitlines() == [line]


# ---------------------------------------------------------------- --variant


@pytest.fixture
def two(home: Path) -> Path:
    """Profiles ``brand`` and ``shop``, both on the sandbox."""
    with (home / "config.toml").open("a", encoding="utf-8") as config:
        config.write(sandbox_profile("shop", home / "t.db", "shop"))
    return home


def test_a_variant_for_a_network_no_target_is_on_is_a_wrong_argument_at_once(two: Path) -> None:
    result = helpers.invoke(two, "schedule", "hi", "--to", "brand", "--to", "shop", "--variant", "bluesky=x")
    refused(
        result,
        "--variant 'bluesky' names no --to profile and no network of theirs; use one of brand, shop, sandbox",
    )
    assert made(two, "a.png", "b.png") == []  # no store made


def test_a_variant_for_their_network_or_a_profile_is_planned(two: Path) -> None:
    args = ["schedule", "hi", "--to", "brand", "--to", "shop", "--at", "+1h", "--json"]
    planned = invoke(two, *args, "--variant", "sandbox=for all", "--variant", "shop=for shop")
    assert json.loads(planned.stdout)["targets"] == ["brand", "shop"]


def test_a_missing_profile_is_still_named_before_a_variant(home: Path) -> None:
    """The networks cannot be known: any network's name passes, and the profile's own error is said."""
    result = helpers.invoke(home, "schedule", "hi", "--to", "nobody", "--variant", "bluesky=x")
    helpers.one_line(result, 1, "no profile 'nobody'")
    typo = helpers.invoke(home, "schedule", "hi", "--to", "nobody", "--variant", "blusky=x")
    refused(
        typo, "--variant 'blusky' names no --to profile and no network; use one of nobody, or a network's"
    )
    assert made(home, "a.png", "b.png") == []
