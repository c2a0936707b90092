"""Plots of a real sandbox history, drawn with matplotlib (Agg): what the axes hold, not pixels."""

from __future__ import annotations

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

import matplotlib.dates as mdates  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)


@dataclass
class Story:
    """Three snapshots, an hour apart, of posts by two accounts of one sandbox."""

    frame: Any
    launch: ds.Post  # brand: 0, then 2, then 3 likes; a reply and a repost in the last hour
    teaser: ds.Post  # brand: 0, 0, 1 like
    promo: ds.Post  # brand-b, tracked from the second snapshot on: 1, then 1 like


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Story:
    tmp = tmp_path_factory.mktemp("plot")
    store = tmp / "metrics.db"
    with ds.connect("sandbox", path=tmp / "s.db", account="brand") as brand:
        other = brand.as_account("brand-b")
        fans = [brand.as_account(f"fan{i}") for i in range(3)]
        launch = brand.publish("Launch day #acme")
        teaser = brand.publish("Teaser #acme")
        promo = other.publish("Promo #acme")
        ds.track([launch, teaser], store, networks=[brand], now=T0)
        fans[0].like(launch)
        fans[1].like(launch)
        fans[2].like(promo)
        ds.track([launch, teaser, promo], store, networks=[brand], now=T0 + HOUR)
        fans[2].like(launch)
        fans[0].like(teaser)
        fans[1].reply(launch, "congrats")
        fans[1].repost(launch)
        ds.track([launch, teaser, promo], store, networks=[brand], now=T0 + 2 * HOUR)
        for net in (other, *fans):
            net.close()
    return Story(ds.history(store), launch, teaser, promo)


def lines(fig: Figure) -> dict[str, tuple[list[datetime], list[float]]]:
    """Each line of the figure's one axes: its label, its x values as UTC times, its y values."""
    assert len(fig.axes) == 1
    drawn = {}
    to_num: Any = mdates.date2num  # untyped in matplotlib
    to_date: Any = mdates.num2date
    for line in fig.axes[0].get_lines():
        xs = [to_date(x) for x in to_num(line.get_xdata())]
        ys: Any = line.get_ydata()
        drawn[str(line.get_label())] = (xs, [float(y) for y in ys])
    return drawn


def legend(fig: Figure) -> list[str]:
    box = fig.axes[0].get_legend()
    assert box is not None
    return [t.get_text() for t in box.get_texts()]


def test_per_post_likes_follow_each_snapshot(story: Story) -> None:
    fig = ds.plot.engagement(story.frame, by="post", metric="likes")
    assert isinstance(fig, Figure)
    drawn = lines(fig)
    label = {p.id: f"sandbox {p.id}" for p in (story.launch, story.teaser, story.promo)}
    assert set(drawn) == set(label.values())
    times, likes = drawn[label[story.launch.id]]
    assert times == [T0, T0 + HOUR, T0 + 2 * HOUR]
    assert likes == [0, 2, 3]
    assert drawn[label[story.teaser.id]][1] == [0, 0, 1]
    assert drawn[label[story.promo.id]] == ([T0 + HOUR, T0 + 2 * HOUR], [1, 1])
    ax = fig.axes[0]
    assert ax.get_title() == "Likes over time, per post"
    assert ax.get_ylabel() == "likes"
    assert ax.get_xlabel() == "snapshot time (UTC)"
    assert sorted(legend(fig)) == sorted(label.values())


def test_per_network_totals_carry_a_post_forward(story: Story) -> None:
    drawn = lines(ds.plot.engagement(story.frame, by="network", metric="likes"))
    # brand's two posts: 0, 2, 4; brand-b's promo joins at the second snapshot with 1.
    assert drawn == {"sandbox": ([T0, T0 + HOUR, T0 + 2 * HOUR], [0, 3, 5])}


def test_per_account_lines(story: Story) -> None:
    fig = ds.plot.engagement(story.frame, by="account", metric="likes")
    drawn = lines(fig)
    assert drawn == {
        "sandbox @brand": ([T0, T0 + HOUR, T0 + 2 * HOUR], [0, 2, 4]),
        "sandbox @brand-b": ([T0 + HOUR, T0 + 2 * HOUR], [1, 1]),
    }
    assert legend(fig) == ["sandbox @brand", "sandbox @brand-b"]
    assert fig.axes[0].get_title() == "Likes over time, per account"


def test_engagement_adds_likes_reposts_replies_and_quotes(story: Story) -> None:
    fig = ds.plot.engagement(
        story.frame, by="post", metric="engagement", labels={story.launch.id: "Launch day"}, title="Launch"
    )
    drawn = lines(fig)
    assert drawn["Launch day"][1] == [0, 2, 5]  # the last hour: a like, a reply and a repost
    assert fig.axes[0].get_title() == "Launch"
    assert fig.axes[0].get_ylabel() == "engagement"


def test_rewards_start_at_zero(story: Story) -> None:
    fig = ds.plot.engagement(story.frame, by="network", metric="reward_SAND")
    # each like is a pending 1.000 SAND for the post's author
    assert lines(fig) == {"sandbox": ([T0, T0 + HOUR, T0 + 2 * HOUR], [0, 3, 5])}
    assert fig.axes[0].get_ylabel() == "rewards (SAND)"


def test_a_count_the_network_does_not_report_draws_no_line(story: Story) -> None:
    assert story.frame["views"].isna().all()  # the sandbox has no view counts
    fig = ds.plot.engagement(story.frame, metric="views")
    assert lines(fig) == {}
    assert fig.axes[0].get_legend() is None


def test_draws_on_given_axes(story: Story) -> None:
    fig = Figure()
    left, right = fig.subplots(1, 2)
    assert isinstance(left, Axes)
    assert isinstance(right, Axes)
    assert ds.plot.engagement(story.frame, ax=right, metric="replies") is fig
    assert not left.get_lines()
    assert [list(np.asarray(line.get_ydata())) for line in right.get_lines()] == [[0, 0, 1]]


def test_figure_shows_itself_as_png_in_jupyter(story: Story) -> None:
    fig = ds.plot.engagement(story.frame)
    png = fig._repr_png_()  # type: ignore[attr-defined]
    assert png.startswith(b"\x89PNG\r\n\x1a\n")


def test_bad_arguments_are_refused(story: Story) -> None:
    with pytest.raises(ds.InvalidInput, match="by must be one of network, account, post"):
        ds.plot.engagement(story.frame, by="author")  # type: ignore[arg-type]
    with pytest.raises(ds.InvalidInput, match=r"metric must be one of .*reward_SAND"):
        ds.plot.engagement(story.frame, metric="shares")
    with pytest.raises(ds.InvalidInput, match="history"):
        ds.plot.engagement([1, 2, 3])
    with pytest.raises(ds.InvalidInput, match="history"):
        ds.plot.engagement(story.frame[["likes"]])


def test_labels_and_axes_of_the_wrong_kind_are_refused(story: Story) -> None:
    with pytest.raises(ds.InvalidInput, match="labels must map post ids"):
        ds.plot.engagement(story.frame, by="post", labels=["launch"])  # type: ignore[arg-type]
    with pytest.raises(ds.InvalidInput, match="ax must be matplotlib Axes"):
        ds.plot.engagement(story.frame, ax="left")  # type: ignore[arg-type]


def test_import_decentsocial_does_not_load_matplotlib() -> None:
    code = """
        import sys
        import decentsocial as ds
        assert "matplotlib" not in sys.modules
        ds.plot
        assert "matplotlib" not in sys.modules
        print("ok")
    """
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_labels_from_post_texts_draw_as_written(story: Story) -> None:
    """The docs' recipe labels lines with post texts: "$\\x$" stopped the figure (a formula matplotlib
    could not draw), and a text starting with "_" was left out of the legend."""
    labels = {story.launch.id: "great deal $\\x$ today", story.teaser.id: "_hidden teaser"}
    fig = ds.plot.engagement(story.frame, by="post", metric="likes", labels=labels)
    fig.canvas.draw()  # draws the legend's texts: a formula it cannot parse raised here
    shown = legend(fig)
    assert len(shown) == 3
    assert "great deal \\$\\x\\$ today" in shown
    assert " _hidden teaser" in shown


def test_labels_that_are_not_text_draw_as_str_shows_them(story: Story) -> None:
    """A notebook labels posts with a number or a time: it failed with AttributeError in the legend."""
    labels = {story.launch.id: 1, story.teaser.id: T0}
    fig = ds.plot.engagement(story.frame, by="post", metric="likes", labels=labels)
    fig.canvas.draw()
    assert sorted(legend(fig)) == sorted(["1", str(T0), f"sandbox {story.promo.id}"])
