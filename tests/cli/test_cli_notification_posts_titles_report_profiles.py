"""A notification's post shows its content warning and media; a post's title is shown; ``report`` rows
say which profile they are.

``notifications`` printed the first 60 characters of a notification's post bare: a reply behind a
content warning showed the text the warning hides, as if it had none, and one with images did not
say so. ``timeline``, ``search``, ``thread`` and ``account --posts`` never showed a post's title (Hive,
Steem: the headline readers see first). ``report`` for two profiles of one handle on one network (two
sandbox files, one account signed in twice) printed two rows that could not be told apart.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

import decentsocial as ds
from decentsocial.post_text import print_posts
from tests.cli import _helpers as helpers
from tests.cli._helpers import sandbox_profile

PNG = b"\x89PNG\r\n\x1a\n"
FSI, PDI = "\u2068", "\u2069"
ARABIC = "مرحبا بكم"


def invoke(home: Path, *args: str) -> Any:
    result = helpers.invoke(home, *args)
    assert result.exit_code == 0, result.output
    return result


def brand(home: Path) -> ds.Network:
    return ds.connect("sandbox", path=home / "s.db", account="brand")


def fan(home: Path) -> ds.Network:
    return ds.connect("sandbox", path=home / "s.db", account="fan")


def notification_lines(home: Path) -> list[str]:
    """``notifications -p brand``: its lines under the rule, each with the time cut off."""
    lines = invoke(home, "notifications", "-p", "brand").stdout.splitlines()
    assert "brand (sandbox): notifications" in lines[0]
    return [line.split(" UTC  ", 1)[1] for line in lines[1:]]


# ---------------------------------------------------------------- notifications


def test_a_reply_behind_a_warning_with_media_shows_both(home: Path) -> None:
    with brand(home) as b:
        original = b.publish("Season finale tonight")
    with fan(home) as f:
        f.reply(
            original,
            ds.Draft(
                text="The ending!\nI cried",
                content_warning="finale spoilers",
                media=(
                    ds.Media(kind="image", data=PNG, alt_text="the last scene"),
                    ds.Media(kind="image", data=PNG),
                ),
            ),
        )
    assert notification_lines(home) == ["reply @fan: [CW: finale spoilers] The ending! I cried [2 images]"]


def test_a_like_of_a_post_behind_a_warning_says_so_and_a_plain_one_is_as_before(home: Path) -> None:
    with brand(home) as b:
        warned = b.publish(ds.Draft(text="Our new menu", content_warning="food"))
        plain = b.publish("New shop opening #shop")
        only_image = b.publish(ds.Draft(text="", media=(ds.Media(kind="image", data=PNG),)))
    with fan(home) as f:
        for post in (warned, plain, only_image):
            f.like(post)
    assert sorted(notification_lines(home)) == [
        "like @fan: New shop opening #shop",
        "like @fan: [1 image]",  # no text: the marker alone
        "like @fan: [CW: food] Our new menu",
    ]


def test_a_strangers_warning_and_text_cannot_drive_the_terminal_and_are_cut(home: Path) -> None:
    with brand(home) as b:
        original = b.publish("hello")
    with fan(home) as f:
        f.reply(
            original,
            ds.Draft(
                text="\x1b[2J" + "word " * 30,
                content_warning="\x1b]0;owned\x07spoil\u202eers\nsecond line\x1b[31m",
                media=(ds.Media(kind="video", data=b"\x00\x00\x00\x18ftypmp42", alt_text="\x1b[31mred"),),
            ),
        )
        f.reply(original, ds.Draft(text=ARABIC, content_warning=ARABIC))
    shown = invoke(home, "notifications", "-p", "brand").stdout
    assert not {"\x1b", "\x07", "\u202e"} & set(shown)
    lines = sorted(notification_lines(home))
    excerpt = ("word " * 12).rstrip() + "…"  # 60 graphemes of what is shown, as before
    assert lines == [
        f"reply @fan: [CW: spoilers second line] {excerpt} [1 video]",
        f"reply @fan: [CW: {FSI}{ARABIC}{PDI}] {FSI}{ARABIC}{PDI}",
    ]


def test_notifications_json_is_unchanged(home: Path) -> None:
    with brand(home) as b:
        original = b.publish("hello")
    with fan(home) as f:
        f.reply(
            original,
            ds.Draft(text="behind it", content_warning="cw", media=(ds.Media(kind="image", data=PNG),)),
        )
    (note,) = json.loads(invoke(home, "notifications", "-p", "brand", "--json").stdout)
    assert set(note) == (set(ds.Notification.model_fields) - {"raw"}) | {"target"}
    assert (note["post"]["text"], note["post"]["content_warning"]) == ("behind it", "cw")
    assert [m["kind"] for m in note["post"]["media"]] == ["image"]


# ---------------------------------------------------------------- titles


def test_every_command_showing_posts_shows_the_title_first(home: Path) -> None:
    with brand(home) as b:
        post = b.publish(ds.Draft(title="Winter menu", text="Our new menu\nis out", content_warning="food"))
    expected = ["  Winter menu", "  CW: food", "  Our new menu", "  is out"]
    for args in (["timeline"], ["search", "menu"], ["thread", post.id], ["account", "--posts", "3"]):
        shown = invoke(home, *args, "-p", "brand")
        assert helpers.post_body(shown.stdout, post.id) == expected, (args, shown.stdout)


def test_the_title_is_bold_and_a_post_without_one_is_as_before(home: Path) -> None:
    with brand(home) as b:
        titled = b.publish(ds.Draft(title="Winter menu", text="soup"))
        plain = b.publish("no title here")
        blank = b.publish(ds.Draft(title="   ", text="a blank title"))
        console = Console(record=True, width=200, force_terminal=True, color_system="standard")
        print_posts(console, [titled])
    assert "\x1b[1m  Winter menu\x1b[0m" in console.export_text(styles=True)
    shown = invoke(home, "timeline", "-p", "brand").stdout
    assert helpers.post_body(shown, plain.id) == ["  no title here"]
    assert helpers.post_body(shown, blank.id) == ["  a blank title"]


def test_a_strangers_title_cannot_drive_the_terminal_or_pass_for_a_line(home: Path) -> None:
    with fan(home) as f:
        hostile = f.publish(ds.Draft(title="\x1b]0;owned\x07Big\nnews \u202eto\x1b[2J day", text="acme one"))
        arabic = f.publish(ds.Draft(title=ARABIC, text="acme two"))
    shown = invoke(home, "search", "acme", "-p", "brand").stdout
    assert not {"\x1b", "\x07", "\u202e"} & set(shown)
    assert helpers.post_body(shown, hostile.id) == ["  Big news to day", "  acme one"]
    assert helpers.post_body(shown, arabic.id) == [f"  {FSI}{ARABIC}{PDI}", "  acme two"]


def test_posts_json_is_unchanged_with_a_title(home: Path) -> None:
    with brand(home) as b:
        b.publish(ds.Draft(title="Winter menu", text="soup"))
    (post,) = json.loads(invoke(home, "timeline", "-p", "brand", "--json").stdout)
    assert set(post) == (set(ds.Post.model_fields) - {"raw"}) | {"target"}
    assert (post["title"], post["text"]) == ("Winter menu", "soup")


# ---------------------------------------------------------------- report


@pytest.fixture
def twins(home: Path) -> Path:
    """Profiles ``brand`` and ``brand-copy``: handle ``brand`` in two sandbox files, with 1 and 2 posts."""
    pytest.importorskip("pandas", reason="report needs the pandas extra")
    with (home / "config.toml").open("a", encoding="utf-8") as config:
        config.write(sandbox_profile("brand-copy", home / "t.db", "brand"))
    with brand(home) as b:
        b.publish("one")
    with ds.connect("sandbox", path=home / "t.db", account="brand") as copy:
        copy.publish("two")
        copy.publish("three")
    return home


def cells(line: str) -> list[str]:
    return [c.strip() for c in re.split("[│┃]", line) if c.strip()]


def test_report_rows_of_one_handle_on_one_network_name_their_profile(twins: Path) -> None:
    shown = invoke(twins, "report", "-p", "brand", "-p", "brand-copy").stdout
    lines = shown.splitlines()
    header = next(line for line in lines if "network" in line)
    assert cells(header)[:4] == ["profile", "network", "account", "posts"]
    rows = [cells(line)[:4] for line in lines if "│ sandbox" in line]
    assert rows == [["brand", "sandbox", "brand", "1"], ["brand-copy", "sandbox", "brand", "2"]]


def test_report_json_rows_name_their_profile_and_keep_every_column(twins: Path) -> None:
    data = json.loads(invoke(twins, "report", "-p", "brand", "-p", "brand-copy", "--json").stdout)
    rows = data["rows"]
    assert [(r["target"], r["network"], r["account"], r["posts"]) for r in rows] == [
        ("brand", "sandbox", "brand", 1),
        ("brand-copy", "sandbox", "brand", 2),
    ]
    columns = {"network", "account", "posts", "likes", "reposts", "replies", "quotes", "views"}
    assert all(set(r) >= columns | {"target"} for r in rows)


def test_report_with_network_names_the_network_as_every_json_does(twins: Path) -> None:
    args = ["report", "-n", "sandbox", "-s", f"path={twins / 't.db'}", "-s", "account=brand", "--json"]
    (row,) = json.loads(invoke(twins, *args).stdout)["rows"]
    assert (row["target"], row["posts"]) == ("sandbox", 2)
