"""Right-to-left labels on plots: matplotlib draws characters left to right, each in its own shape, so
what it is given must already be in visual order, and Arabic already joined.

The expected strings are worked out by hand from the Unicode tables (bidi classes, Arabic joining
types, the presentation forms of the Arabic Presentation Forms-B block), not by the libraries under
test: each is written as the code points matplotlib must receive, left to right.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds

pytest.importorskip("pandas", reason="history needs the pandas extra")
matplotlib = pytest.importorskip("matplotlib", reason="plots need the plot extra")
matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)

#: "marhaban" (hello): MEEM REH HAH BEH ALEF. Meem joins the reh (initial FEE3), the reh joins only
#: to its right (final FEAE), so the hah starts a new join (initial FEA3), the beh is between two
#: (medial FE92), the alef ends it (final FE8E). Shown right to left: the last letter comes first.
MARHABA = "\u0645\u0631\u062d\u0628\u0627"
MARHABA_SHOWN = "\ufe8e\ufe92\ufea3\ufeae\ufee3"
#: "salam": SEEN LAM ALEF MEEM. The seen joins the lam (initial FEB3); lam + alef is one glyph, the
#: LAM WITH ALEF ligature in its final form (FEFC); the alef joins nothing after it, so the meem stands
#: alone (isolated FEE1).
SALAM = "\u0633\u0644\u0627\u0645"
SALAM_SHOWN = "\ufee1\ufefc\ufeb3"
#: "shalom": SHIN LAMED VAV FINAL-MEM. Hebrew has no joining: only the order turns round.
SHALOM = "\u05e9\u05dc\u05d5\u05dd"
SHALOM_SHOWN = "\u05dd\u05d5\u05dc\u05e9"


@pytest.fixture(scope="module")
def layout() -> None:
    pytest.importorskip("bidi", reason="right-to-left layout needs python-bidi (the plot extra)")
    pytest.importorskip("arabic_reshaper", reason="Arabic shaping needs arabic-reshaper (the plot extra)")


@dataclass
class Story:
    store: Path
    frame: Any
    posts: list[ds.Post]
    brand_b: str


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Story:
    tmp = tmp_path_factory.mktemp("plot_rtl")
    store = tmp / "metrics.db"
    with ds.connect("sandbox", path=tmp / "s.db", account="brand") as brand:
        other = brand.as_account("brand-b")
        fan = brand.as_account("fan")
        posts = [brand.publish(f"post {i}") for i in range(5)]
        posts.append(other.publish("promo"))
        ds.track(posts, store, networks=[brand], now=T0)
        for post in posts:
            fan.like(post)
        ds.track(posts, store, networks=[brand], now=T0 + HOUR)
        for net in (other, fan):
            net.close()
    return Story(store, ds.history(store), posts, "brand-b")


def legend(fig: Figure) -> list[str]:
    box = fig.axes[0].get_legend()
    assert box is not None
    return [t.get_text() for t in box.get_texts()]


def codes(texts: list[str]) -> list[str]:
    """Texts as code points, so a failure shows what matplotlib got, not how a terminal lays it out."""
    return [" ".join(f"{ord(c):04X}" for c in text) for text in texts]


@pytest.mark.usefixtures("layout")
def test_arabic_and_hebrew_labels_reach_matplotlib_shaped_and_in_visual_order(story: Story) -> None:
    ltr = "Cafe\u0301 launch \u2014 day 1 \u2615"  # a decomposed é, a dash, an emoji: left as they are
    labels = {
        story.posts[0].id: MARHABA,
        story.posts[1].id: SHALOM,
        story.posts[2].id: ltr,
        story.posts[3].id: f"{SHALOM} (2)",  # brackets in a right-to-left run are mirrored
        story.posts[4].id: f"week 1\n{SALAM}",  # each line in its own direction
        story.posts[5].id: f"{SHALOM}_",  # the "_" ends up first: it must not hide the line
    }
    fig = ds.plot.engagement(story.frame, by="post", labels=labels, title=SALAM)
    fig.canvas.draw()
    expected = [
        MARHABA_SHOWN,
        SHALOM_SHOWN,
        ltr,
        f"(2) {SHALOM_SHOWN}",
        f"week 1\n{SALAM_SHOWN}",
        f" _{SHALOM_SHOWN}",
    ]
    assert sorted(codes(legend(fig))) == sorted(codes(expected))
    assert ltr.encode() in [text.encode() for text in legend(fig)]
    assert codes([fig.axes[0].get_title()]) == codes([SALAM_SHOWN])


@pytest.mark.usefixtures("layout")
def test_an_arabic_handle_in_an_account_line(story: Story) -> None:
    """A frame read back from elsewhere (a CSV, another network) may hold an Arabic handle; the
    network and the "@" stay on the left of a line that starts left to right."""
    frame = story.frame.assign(author=story.frame["author"].replace(story.brand_b, MARHABA))
    fig = ds.plot.engagement(frame, by="account", title="Likes, per account")
    # In the order of the frame's rows: by post id, which the sandbox draws at random.
    assert sorted(codes(legend(fig))) == sorted(codes(["sandbox @brand", f"sandbox @{MARHABA_SHOWN}"]))
    assert fig.axes[0].get_title() == "Likes, per account"
    assert fig.axes[0].get_ylabel() == "likes"


@pytest.mark.usefixtures("layout")
def test_left_to_right_text_is_passed_through_byte_for_byte() -> None:
    for text in ("", "Launch day", "Cafe\u0301 \u2615 \u200e", "\u0661\u0662\u0663", "a\u202eb", "x\ny"):
        assert ds.plot.visual(text).encode("utf-8", "surrogatepass") == text.encode("utf-8", "surrogatepass")


def test_without_the_layout_libraries_labels_are_drawn_as_given(story: Story) -> None:
    """python-bidi and arabic-reshaper missing: the figure is still drawn, labels as given, and the
    reason logged once (debug), not once per label."""
    code = f"""
        import json, logging, sys
        sys.modules["bidi"] = None  # as if not installed: importing it raises ImportError
        sys.modules["arabic_reshaper"] = None
        import matplotlib
        matplotlib.use("Agg")
        import decentsocial as ds
        records = []
        handler = logging.Handler()
        handler.emit = records.append
        logging.getLogger("decentsocial").addHandler(handler)
        logging.getLogger("decentsocial").setLevel(logging.DEBUG)
        frame = ds.history({str(story.store)!r})
        labels = {{{story.posts[0].id!r}: {MARHABA!r}, {story.posts[1].id!r}: {SHALOM!r}}}
        shown = []
        for _ in range(2):
            fig = ds.plot.engagement(frame, by="post", labels=labels, title={SALAM!r})
            texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
            shown.append([{MARHABA!r} in texts, {SHALOM!r} in texts, fig.axes[0].get_title()])
        print(json.dumps({{"shown": shown, "logs": [r.getMessage() for r in records]}}))
    """
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["shown"] == [[True, True, SALAM]] * 2
    layout_logs = [m for m in result["logs"] if "right-to-left" in m]
    assert len(layout_logs) == 1, result["logs"]
    assert "decentsocial[plot]" in layout_logs[0]
