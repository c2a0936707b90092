"""Pictures of engagement over time, from a :func:`decentsocial.history` frame.

::

    import decentsocial as ds

    frame = ds.history("metrics.db")
    fig = ds.plot.engagement(frame, by="network", metric="likes")   # one line per network
    fig = ds.plot.engagement(frame, by="post", metric="engagement")  # one line per post
    fig.savefig("likes.png")

Each function returns a matplotlib ``Figure`` (shown by Jupyter when it is
the last value of a cell). matplotlib (with pandas) is the
``plot`` extra (``pip install 'decentsocial[plot]'``); it is imported only when a function
here is called, never by ``import decentsocial``.

matplotlib draws a text's characters one after another, left to right, each
in its own shape: an Arabic or Hebrew label would read backwards, Arabic
letters unjoined. Every text given to matplotlib here that holds
right-to-left letters is first laid out as a reader sees it (:func:`visual`):
Arabic shaped (arabic-reshaper) and put in visual order (the Unicode bidi
algorithm, python-bidi), both in the ``plot`` extra.
"""

from __future__ import annotations

import functools
import io
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from . import errors
from .text import has_right_to_left, without_bidi_controls

if TYPE_CHECKING:
    import pandas
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["COUNT_METRICS", "GROUPINGS", "engagement", "visual"]

log = logging.getLogger("decentsocial.plot")

#: The counts :func:`engagement` can draw, besides ``"engagement"`` and the ``reward_<ASSET>`` columns.
COUNT_METRICS: tuple[str, ...] = ("likes", "reposts", "replies", "quotes", "views")
#: What one line of :func:`engagement` stands for.
GROUPINGS: tuple[str, ...] = ("network", "account", "post")

#: ``metric="engagement"`` adds these (a missing count adds nothing).
_ENGAGEMENT = ("likes", "reposts", "replies", "quotes")


def engagement(
    history: pandas.DataFrame,
    *,
    by: Literal["network", "account", "post"] = "network",
    metric: str = "likes",
    labels: Mapping[str, object] | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """A line chart of ``metric`` over time: one line per network, account or post.

    ``history`` is a frame from :func:`decentsocial.history` (one row per
    post and snapshot). ``metric`` is one of ``likes``, ``reposts``,
    ``replies``, ``quotes``, ``views``, ``engagement`` (likes + reposts +
    replies + quotes) or a ``reward_<ASSET>`` column of the frame
    (``reward_SAND``, ``reward_HBD``…).

    ``by="post"`` draws each post's own value at each of its snapshots (oldest post first),
    labelled ``network id`` or with ``labels[id]`` (a post's text, say). A Mastodon post is its link
    (the ``url`` column): two servers' statuses of one id are two lines (labelled ``network url``), one
    status read through two servers one line (``labels`` may name it by either id, or by its link).
    ``by="network"`` and ``by="account"`` (``network @handle``) draw totals:
    at each snapshot time, the sum over the group's posts of each post's
    latest known value, so a post tracked less often still counts. A count
    a network does not report (Threads hides reposts, say) is left out, never
    taken as 0, and a group with no value at all draws no line; a reward
    column counts 0 where the snapshot has a reward status but nothing in
    that asset yet.

    Draws on ``ax`` when given (its figure is returned), else on a new
    figure. Raises ``InvalidInput`` for an unknown ``by`` or ``metric`` or a
    frame that is not a history, ``ConfigurationError`` without matplotlib.
    """
    if by not in GROUPINGS:
        raise errors.InvalidInput(f"by must be one of {', '.join(GROUPINGS)}, got {by!r}")
    if labels is not None and not isinstance(labels, Mapping):
        raise errors.InvalidInput(f"labels must map post ids to labels, got {type(labels).__name__}")
    frame = _values(history, metric)
    figure, axes = _axes(ax)
    series = _per_post(frame, labels or {}) if by == "post" else _per_group(frame, by)
    for label, points in series:
        axes.plot(points.index, points.to_numpy(dtype=float), marker="o", label=_legend_text(label))
    axes.set_xlabel("snapshot time (UTC)")
    axes.set_ylabel(visual(_metric_name(metric)))
    axes.set_title(
        visual(title if title is not None else f"{_metric_name(metric).capitalize()} over time, per {by}")
    )
    axes.grid(True, alpha=0.3)
    if series:
        _time_axis(axes, whole_numbers=not metric.startswith("reward_"))
        axes.legend(loc="best", fontsize="small")
    return figure


def _time_axis(axes: Axes, *, whole_numbers: bool) -> None:
    """Times on the x axis with the date written once (``10:00``, ``11:00``…); counts as whole numbers."""
    from matplotlib import dates, ticker

    locator = dates.AutoDateLocator()
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(dates.ConciseDateFormatter(locator))
    if whole_numbers:
        axes.yaxis.set_major_locator(ticker.MaxNLocator(integer=True))


def _metric_name(metric: str) -> str:
    if metric.startswith("reward_"):
        return f"rewards ({metric.removeprefix('reward_')})"
    return metric


def _values(history: Any, metric: str) -> pandas.DataFrame:
    """``network``, ``id``, ``author``, ``taken_at`` and the metric as ``value`` (float, NaN when missing)."""
    pd = _pandas()
    if not isinstance(history, pd.DataFrame) or not {"network", "id", "taken_at", "author"} <= set(
        history.columns
    ):
        raise errors.InvalidInput("engagement takes the frame of decentsocial.history(store)")
    rewards = sorted(c for c in history.columns if str(c).startswith("reward_") and c != "reward_status")
    known = (*COUNT_METRICS, "engagement", *rewards)
    if metric not in known:
        raise errors.InvalidInput(f"metric must be one of {', '.join(known)}, got {metric!r}")
    frame = history[["network", "id", "author", "taken_at"]].copy()
    for column in ("network", "id", "author"):  # read back from a CSV file, numeric ids are numbers
        if not pd.api.types.is_string_dtype(frame[column]):
            frame[column] = frame[column].astype(str)
    frame["post"] = _posts(history, frame)
    if "created_at" in history.columns:
        frame["created_at"] = history["created_at"]
    else:  # a frame of chosen columns: a post is ordered by its first snapshot (its own rows' times
        # would make one line of one point per snapshot)
        first = pd.to_datetime(frame["taken_at"], utc=True)
        frame["created_at"] = first.groupby([frame["network"], frame["post"]]).transform("min")
    if metric == "engagement":
        counts = history[list(_ENGAGEMENT)].apply(pd.to_numeric, errors="coerce").astype(float)
        frame["value"] = counts.sum(axis=1, min_count=1)
    else:
        frame["value"] = pd.to_numeric(history[metric], errors="coerce").astype(float)
        if metric.startswith("reward_"):
            # A snapshot with a reward status but no amount in this asset earned 0 of it so far.
            frame.loc[frame["value"].isna() & history["reward_status"].notna(), "value"] = 0.0
    frame["taken_at"] = pd.to_datetime(frame["taken_at"], utc=True)
    return frame.sort_values("taken_at", kind="stable")


def _posts(history: pandas.DataFrame, frame: pandas.DataFrame) -> pandas.Series:
    """Each row's post, as :func:`decentsocial.engagement.post_key` tells them apart: a Mastodon status by
    its link (two servers' statuses of one id are two posts; one read through two servers, one), else by
    its id (also in a history without the ``url`` column: one of an older version, or of chosen columns)."""
    from .engagement import LINKED_NETWORKS

    if "url" not in history.columns:
        return frame["id"]
    url = history["url"]
    linked = frame["network"].isin(list(LINKED_NETWORKS)) & url.notna()
    return frame["id"].where(~linked, url.astype(str))


def _legend_text(label: str) -> str:
    """``label`` as the legend shows it: right-to-left text in visual order (:func:`visual`), a post's
    "$x$" not a formula (one that matplotlib cannot draw stopped the figure), and a leading "_" (after
    reordering: what matplotlib sees) not hiding the line from the legend."""
    label = visual(label).replace("$", r"\$")
    return " " + label if label.startswith("_") else label


def _per_post(frame: pandas.DataFrame, labels: Mapping[str, object]) -> list[tuple[str, pandas.Series]]:
    lines = []
    # Oldest post first, so the legend reads in the order the posts were made; one line per post, at its
    # earliest time (a snapshot that dates it otherwise, an older store's, is no other post).
    made = frame.groupby(["network", "post"], sort=False)["created_at"].transform("min")
    groups = frame.assign(created_at=made).groupby(["created_at", "network", "post"], sort=True)
    # Two posts of one id (two Mastodon servers' statuses) are each named by their link, not both by it.
    posts_of = frame.drop_duplicates(["network", "post", "id"]).groupby(["network", "id"]).size()
    twice = set(posts_of.index[posts_of > 1])
    for (_, network, post), rows in groups:
        points = rows.set_index("taken_at")["value"].dropna()
        if not points.empty:
            # Its latest id (a status read through another server has another), or its link, in ``labels``.
            ids = [str(i) for i in reversed(dict.fromkeys(rows["id"]))]
            post_id = ids[0]
            named = next((labels[key] for key in (*ids, str(post)) if key in labels), None)
            default = f"{network} {post if (network, post_id) in twice else post_id}"
            # A label need not be text (a post's number, its time): drawn as str() shows it.
            lines.append((str(default if named is None else named), points))
    return lines


def _per_group(frame: pandas.DataFrame, by: str) -> list[tuple[str, pandas.Series]]:
    """Each group's total at each of its snapshot times: the sum of its posts' latest known values.

    Summed as changes (each post's value less its previous known one, added
    up over time), never as a table of every snapshot time by every post: posts
    tracked one at a time each have their own times, and such a table grows
    as their product (gigabytes for a month of a thousand posts).
    """
    frame = frame.assign(
        group=frame["network"] if by == "network" else frame["network"] + " @" + frame["author"],
        post=frame["network"] + "\x00" + frame["post"],
    )
    group_of = frame.drop_duplicates("post").set_index("post")["group"]  # a post's first group (a renamed
    frame = frame.assign(group=frame["post"].map(group_of))  # author's later snapshots stay in its line)
    # One value per post and snapshot time (the last taken), as the change from that post's previous one;
    # a snapshot where the count is missing changes nothing (the post's latest known value carries on).
    known = frame.dropna(subset=["value"]).groupby(["post", "taken_at"], sort=True)["value"].last()
    change = (known - known.groupby(level="post").shift(1, fill_value=0.0)).reset_index(name="change")
    change["group"] = change["post"].map(group_of)
    changes_of = dict(tuple(change.groupby("group", sort=False)))
    times_of = dict(tuple(frame.groupby("group", sort=False)["taken_at"]))
    lines = []
    for group in dict.fromkeys(frame["group"]):
        changes = changes_of.get(group)
        if changes is None:
            continue  # no value at all: no line, rather than a line of zeros
        totals = changes.groupby("taken_at", sort=True)["change"].sum().cumsum()
        times = times_of[group]
        times = times[times >= totals.index[0]].drop_duplicates().sort_values()
        points = totals.reindex(times, method="ffill")
        points.index.name = None
        lines.append((str(group), points))
    return lines


def _axes(ax: Axes | None) -> tuple[Figure, Axes]:
    try:
        from matplotlib.axes import Axes
        from matplotlib.figure import Figure
    except ImportError:
        raise errors.ConfigurationError("plots need matplotlib: pip install 'decentsocial[plot]'") from None
    if ax is not None:
        if not isinstance(ax, Axes):
            raise errors.InvalidInput(f"ax must be matplotlib Axes, got {type(ax).__name__}")
        figure = ax.get_figure(root=True)
        if not isinstance(figure, Figure):
            raise errors.InvalidInput("ax is not on a figure")
        return figure, ax
    figure = _figure_class()(figsize=(8, 4.5), layout="constrained")
    return figure, figure.add_subplot()


@functools.cache
def _figure_class() -> type[Figure]:
    """A matplotlib ``Figure`` that Jupyter shows as a PNG on its own.

    A figure made without pyplot (so nothing piles up in pyplot's list of
    open figures) has no picture in Jupyter until pyplot or ``%matplotlib``
    is loaded; ``_repr_png_`` gives it one, shown once.
    """
    from matplotlib.figure import Figure

    class EngagementFigure(Figure):
        def _repr_png_(self) -> bytes:
            buffer = io.BytesIO()
            self.savefig(buffer, format="png", dpi=100)
            return buffer.getvalue()

    return EngagementFigure


def _pandas() -> Any:
    try:
        import pandas
    except ImportError:
        raise errors.ConfigurationError("plots need pandas: pip install 'decentsocial[plot]'") from None
    return pandas


def visual(text: str) -> str:
    """``text`` as matplotlib must be given it to draw it as a reader sees it.

    matplotlib has no text layout: it draws characters left to right, each in
    its own shape. A line holding right-to-left letters is shaped (Arabic
    letters joined: their presentation forms, lam-alef as one) and put in
    visual order by the Unicode bidi algorithm, each line of the text on its
    own; Arabic vowel marks (harakat) are left out: in visual order each would
    come before its letter, and matplotlib would draw it on the next one.
    Text without right-to-left letters is returned as it is. Without
    python-bidi and arabic-reshaper (the ``plot`` extra), text is returned as
    given, and that is logged once (debug).
    """
    if not has_right_to_left(text):
        return text
    layout = _layout()
    if layout is None:
        return text
    return "\n".join(layout(line) if has_right_to_left(line) else line for line in text.split("\n"))


@functools.cache
def _layout() -> Callable[[str], str] | None:
    """Shape then reorder one line (logical order in, visual order out); ``None`` without the libraries.

    The bidi algorithm is python-bidi's Python one (``bidi.algorithm``): its
    Rust one leaves brackets unmirrored, so "(2)" after a Hebrew word would
    read ")2(". The Allah ligature (U+FDF2) is left out: matplotlib's own
    font (DejaVu Sans) has no glyph for it.
    """
    try:
        from arabic_reshaper import ArabicReshaper
        from bidi.algorithm import get_display
    except ImportError as exc:
        log.debug(
            "right-to-left plot labels are drawn in logical order (%s): pip install 'decentsocial[plot]'", exc
        )
        return None
    shape: Callable[[str], str] = ArabicReshaper({"ARABIC LIGATURE ALLAH": "no"}).reshape

    def layout(line: str) -> str:
        # Embeddings, overrides and isolates dropped, as from a stranger's text everywhere else: one left
        # open cannot reverse the rest of a label (and the Python algorithm fails on isolates).
        shown: str = get_display(shape(without_bidi_controls(line)))
        return shown

    return layout
